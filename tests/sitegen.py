"""The local test site: feeds of every format, article pages and misbehaving routes.

Static files are generated into a folder served by watch.demo.server.SiteServer; the routes that
misbehave (errors, redirects, slow answers, stale validators, a feed that changes) are functions.
"""

from __future__ import annotations

import functools
import gzip
import socket
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from watch.demo.server import SiteServer, send

#: Seconds the slow route waits; tests set WATCH_DOWNLOAD_TIMEOUT far below it (a crawl's reactor
#: can be busy for seconds while a language pipeline is built, and timeouts then fire late).
SLOW_SECONDS = 30.0

_TOPICS = {
    "en": [
        "Evening adult literacy classes in the river towns have doubled their enrolment this year.",
        "Learners say the community centre is the first place where reading felt possible.",
        "The district education office pays the facilitators and supplies the workbooks.",
        "Volunteers from the cooperative teach numeracy with market prices and seed orders.",
        "A new certificate recognises the skills that adults gain outside school.",
    ],
    "fr": [
        "Les cours d'alphabétisation des adultes se multiplient dans les quartiers de la ville.",
        "Les apprenants racontent que le centre communautaire leur a redonné confiance.",
        "La mairie finance les formateurs et fournit les cahiers et les livres de lecture.",
        "Des bénévoles enseignent le calcul à partir des prix du marché et des factures.",
        "Une attestation reconnaît désormais les compétences acquises hors de l'école.",
    ],
    "sport": [
        "The club opened its pre-season training camp on Monday with thirty players.",
        "The coach said the squad trained twice a day in the heat of the valley.",
        "Two new signings joined the camp after passing their medical checks.",
        "The first friendly match is planned against a second-division side.",
        "Supporters watched the open session from the stands behind the goal.",
    ],
    "story": [
        "The prison library opened a reading circle for inmates preparing their exams.",
        "Twelve men meet every Thursday with two retired teachers from the town.",
        "The governor hopes the circle will shorten the waiting list for the literacy course.",
        "Each member chooses a novel and writes a short letter to its author.",
        "The regional education board will fund books for a second circle next spring.",
    ],
    "es": [
        "Los cursos de alfabetización de adultos crecen en los barrios del sur de la ciudad.",
        "Las personas participantes dicen que el centro comunitario les devolvió la confianza.",
        "La alcaldía paga a las facilitadoras y entrega cuadernos y libros de lectura.",
        "Voluntarias de la cooperativa enseñan cálculo con los precios del mercado.",
        "Un nuevo certificado reconoce las competencias adquiridas fuera de la escuela.",
    ],
}

#: slug -> (language, title)
ARTICLES = {
    "a1": ("en", "Adult literacy classes double in river towns"),
    "a2": ("en", "Numeracy at the market: a cooperative teaches adults"),
    "a5": ("fr", "Alphabétisation des adultes : les quartiers s'organisent"),
    "a6": ("es", "La alfabetización de adultos crece en el sur"),
    "a8": ("en", "Certificates for skills learnt outside school"),
    "a9": ("en", "Learning cities network meets in Hamburg"),
    "c1": ("en", "A feed entry that will change"),
    "s1": ("en", "Club opens pre-season camp in the valley"),
    "m1": ("en", "Sitemap story: adult learners return to evening classes"),
    "m2": ("fr", "Plan de sitemap : la formation des adultes en région"),
    "m3": ("en", "An old story only the sitemap remembers"),
    "l1": ("en", "Listing story one: literacy circles in the north"),
    "l2": ("en", "Listing story two: numeracy at the market"),
    "l3": ("en", "Listing story three: certificates for adult skills"),
    "l4": ("en", "Listing story four: learning cities meet"),
    "l5": ("en", "Listing story five: beyond the page bound"),
    "n1": ("en", "Prison library opens a reading circle"),
}
#: The language of each page's body text, when it is not the page's language.
BODY = {"s1": "sport", "n1": "story"}


def page_html(slug: str, lang: str, title: str) -> str:
    """A realistic article page with boilerplate around a unique text."""
    sentences = _TOPICS[BODY.get(slug, lang)]
    paragraphs = [
        " ".join(f"{s} ({slug} §{n}.{i})" for i, s in enumerate(sentences[n:] + sentences[:n]))
        for n in range(4)
    ]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Test News</title>
<meta name="author" content="Test Reporter"><meta property="article:published_time" content="2026-11-0{len(slug)}T08:00:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/about">About</a></nav></header>
<div class="cookies">We use cookies. <a href="/privacy">Privacy</a></div>
<article><h1>{title}</h1><p class="byline">By Test Reporter</p>
{body}
</article>
<aside><h2>Related</h2><ul><li><a href="/x">Other story</a></li></ul></aside>
<footer>© 2026 Test News — <a href="/contact">Contact</a></footer>
</body></html>"""


REPOST_TITLE = "Reading circle behind bars"


def repost_html() -> str:
    """n1 reposted by another site, a week later, lightly edited: a near-duplicate, not a copy."""
    page = page_html("n1", "en", REPOST_TITLE).replace("| Test News", "| Mirror")
    page = page.replace("2026-11-02T08:00:00Z", "2026-11-09T08:00:00Z")
    return page.replace("Twelve men meet every Thursday", "A dozen men meet each Thursday", 1)


def rss2(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Test RSS 2.0</title><link>{base}/</link><language>en</language>
<item><title>{ARTICLES["a1"][1]}</title><link>{base}/articles/a1.html</link><guid>a1</guid>
<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><dc:creator>Ada Reporter</dc:creator>
<description>Summary of a1.</description></item>
<item><title>{ARTICLES["a2"][1]}</title><link>{base}/articles/a2.html?utm_source=rss&amp;utm_medium=feed&amp;fbclid=xyz</link>
<guid>a2</guid><pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate><description>Summary of a2.</description></item>
<item><title>A page robots.txt forbids</title><link>{base}/private/secret.html</link><guid>p1</guid>
<pubDate>Wed, 04 Nov 2026 10:00:00 GMT</pubDate><description>Only the feed knows this private story about adult learning.</description></item>
<item><title>A page that is gone</title><link>{base}/articles/gone.html</link><guid>g1</guid>
<pubDate>Thu, 05 Nov 2026 10:00:00 GMT</pubDate><description>The feed summary of a story whose page returns 404.</description></item>
</channel></rss>"""


def atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Test Atom</title>
<id>urn:test:atom</id><updated>2026-11-06T10:00:00Z</updated><link href="{base}/"/>
<entry><title>{ARTICLES["a5"][1]}</title><id>urn:test:a5</id><link href="{base}/articles/a5.html"/>
<published>2026-11-06T09:00:00+01:00</published><updated>2026-11-06T09:00:00+01:00</updated>
<author><name>Claire Formatrice</name></author><summary>Résumé de a5.</summary></entry>
<entry><title>{ARTICLES["a1"][1]}</title><id>urn:test:a1</id><link href="{base}/articles/a1.html"/>
<updated>2026-11-02T10:00:00Z</updated><summary>Same article as in the RSS feed.</summary></entry>
<entry><title>{ARTICLES["n1"][1]}</title><id>urn:test:n1</id><link href="{base}/articles/n1.html"/>
<published>2026-11-02T08:00:00Z</published><updated>2026-11-02T08:00:00Z</updated></entry>
</feed>"""


def json_feed(base: str) -> str:
    return f"""{{"version": "https://jsonfeed.org/version/1.1", "title": "Test JSON Feed",
"home_page_url": "{base}/", "language": "es", "items": [
{{"id": "a6", "url": "{base}/articles/a6.html", "title": "{ARTICLES["a6"][1]}",
  "summary": "Resumen de a6.", "date_published": "2026-11-07T10:00:00-05:00",
  "authors": [{{"name": "Lucía Periodista"}}]}},
{{"id": "copy-of-a1", "url": "{base}/mirror/a1-copy.html", "title": "Syndicated copy of a1",
  "date_published": "2026-11-08T10:00:00Z"}},
{{"id": "repost-of-n1", "url": "{base}/mirror/n1-repost.html", "title": "{REPOST_TITLE}",
  "date_published": "2026-11-09T10:00:00Z"}}
]}}"""


def rss1(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{base}/feeds/rss1.rdf"><title>Test RSS 1.0</title><link>{base}/</link>
<description>RSS 1.0 test</description><items><rdf:Seq><rdf:li resource="{base}/articles/a8.html"/></rdf:Seq></items></channel>
<item rdf:about="{base}/articles/a8.html"><title>{ARTICLES["a8"][1]}</title><link>{base}/articles/a8.html</link>
<dc:date>2026-11-09T10:00:00Z</dc:date><description>Summary of a8.</description></item>
</rdf:RDF>"""


def latin1(base: str) -> bytes:
    text = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Éducation des adultes — fil latin-1</title><link>{base}/</link>
<item><title>Formation à Besançon : élan pour l'éducation des adultes</title><link>{base}/articles/a9.html</link>
<guid>l1</guid><pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate><description>Résumé accentué.</description></item>
</channel></rss>"""
    return text.replace("—", "-").encode("iso-8859-1")


def general(base: str) -> str:
    """A general news outlet's feed: one story about adult learning, one about sport."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>General news</title><link>{base}/</link><language>en</language>
<item><title>{ARTICLES["a8"][1]}</title><link>{base}/articles/a8.html</link><guid>g-a8</guid>
<pubDate>Mon, 09 Nov 2026 10:00:00 GMT</pubDate><description>Skills learnt outside school.</description></item>
<item><title>{ARTICLES["s1"][1]}</title><link>{base}/articles/s1.html</link><guid>g-s1</guid>
<pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate><description>Sport.</description></item>
</channel></rss>"""


def changing(base: str, version: int) -> str:
    title = ARTICLES["c1"][1] + (f" (revised {version})" if version else "")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Changing</title><link>{base}/</link>
<item><title>{title}</title><link>{base}/articles/c1.html</link><guid>c1</guid>
<pubDate>Wed, 11 Nov 2026 10:00:00 GMT</pubDate><description>Version {version}.</description></item>
</channel></rss>"""


#: The listing pages: the article slugs on each and the next page.
LISTING = [(["l1", "l2"], "page2.html"), (["l3", "l4"], "page3.html"), (["l5"], "")]


def listing_html(slugs: list[str], next_page: str) -> str:
    """A news listing page: teaser cards with a link, a title, a date; a pager."""
    cards = "\n".join(
        f'<div class="card"><h3><a href="/articles/{slug}.html">{ARTICLES[slug][1]}</a></h3>'
        f'<span class="when">{n + 10} November 2026</span><p>Teaser.</p></div>'
        for n, slug in enumerate(slugs)
    )
    pager = f'<a class="next" href="{next_page}">Next</a>' if next_page else ""
    return f"""<!doctype html><html lang="en"><head><title>News</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<main>{cards}</main><footer>{pager} <a href="/contact">Contact</a></footer></body></html>"""


def sitemap(base: str, entries: list[tuple[str, float]], news: bool = False) -> str:
    """A urlset of article pages, each dated ``days`` before now (news sitemap if ``news``)."""
    rows = []
    for slug, days in entries:
        when = _days_ago(days)
        extra = (
            f"<news:news><news:publication><news:name>Test</news:name><news:language>"
            f"{ARTICLES[slug][0]}</news:language></news:publication><news:publication_date>"
            f"{when}</news:publication_date><news:title>{ARTICLES[slug][1]}</news:title>"
            "</news:news>"
            if news
            else f"<lastmod>{when}</lastmod>"
        )
        rows.append(f"<url><loc>{base}/articles/{slug}.html</loc>{extra}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset '
        'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>"
    )


def sitemap_index(base: str, children: list[tuple[str, float]]) -> str:
    rows = "".join(
        f"<sitemap><loc>{base}{path}</loc><lastmod>{_days_ago(days)}</lastmod></sitemap>"
        for path, days in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    )


#: Sitemap dates count back from the test session's start, so a sitemap's body stays the same.
_SESSION_START = datetime.now(UTC).replace(microsecond=0)


def _days_ago(days: float) -> str:
    return (_SESSION_START - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_brief_pdf() -> bytes:
    """A real two-page PDF policy brief, with a title and an author in its metadata."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Adult learning and education: a policy brief")
    pdf.set_author("Test Institute")
    for number in (1, 2):
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        for sentence in _TOPICS["en"]:
            pdf.multi_cell(0, 5, f"{sentence} (brief page {number})", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return bytes(pdf.output())


def feed_of(base: str, items: list[tuple[str, str]]) -> str:
    """An RSS 2.0 feed of (title, link) items; links starting with / are on ``base``."""
    rows = "".join(
        f"<item><title>{title}</title><link>{base + link if link.startswith('/') else link}</link>"
        f"<guid>{link}</guid><description>Feed text of: {title}. Evening classes for adult"
        " learners in literacy and numeracy.</description></item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile'
        f"</title><link>{base}/</link>{rows}</channel></rss>"
    )


@functools.cache
def gzip_bomb() -> bytes:
    """64 MB of zeros, gzip-compressed to about 64 KB: more than any page may be, decompressed."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


MALFORMED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title>'
    "<item><title>Recovered entry about adult learning</title><link>{base}/articles/a1.html</link></item>"
    "<item><title>Cut <b>short</title><link>{base}/articles/a2"
)


def build_site(root: Path) -> None:
    """Write the static part of the test site into ``root``."""
    (root / "articles").mkdir(parents=True)
    (root / "mirror").mkdir()
    (root / "private").mkdir()
    (root / "feeds").mkdir()
    for slug, (lang, title) in ARTICLES.items():
        (root / "articles" / f"{slug}.html").write_text(page_html(slug, lang, title), "utf-8")
    copy = page_html("a1", "en", "Syndicated copy of a1").replace("| Test News", "| Mirror")
    (root / "mirror" / "a1-copy.html").write_text(copy, "utf-8")
    (root / "mirror" / "n1-repost.html").write_text(repost_html(), "utf-8")
    (root / "private" / "secret.html").write_text(page_html("p1", "en", "Secret"), "utf-8")
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\nSitemap: /sitemaps/index.xml\n", "utf-8"
    )
    (root / "docs").mkdir()
    (root / "docs" / "brief.pdf").write_bytes(policy_brief_pdf())
    (root / "docs" / "broken.pdf").write_bytes(policy_brief_pdf()[:700])
    (root / "feeds" / "docs.xml").write_text(
        feed_of(
            "{{BASE_URL}}",
            [("Policy brief (PDF)", "/docs/brief.pdf"), ("A PDF cut short", "/docs/broken.pdf")],
        ),
        "utf-8",
    )
    (root / "news").mkdir()
    for number, (slugs, next_page) in enumerate(LISTING, 1):
        (root / "news" / f"page{number}.html").write_text(listing_html(slugs, next_page), "utf-8")
    (root / "feeds" / "html.xml").write_text(
        "<!doctype html><html><body><h1>Not a feed</h1></body></html>"
    )
    (root / "feeds" / "empty.xml").write_text("")
    (root / "feeds" / "malformed.xml").write_text(MALFORMED.replace("{base}", "{{BASE_URL}}"))
    base = "{{BASE_URL}}"
    for name, make in (
        ("rss2.xml", rss2),
        ("atom.xml", atom),
        ("feed.json", json_feed),
        ("rss1.rdf", rss1),
        ("general.xml", general),
    ):
        (root / "feeds" / name).write_text(make(base), "utf-8")
    (root / "feeds" / "latin1.xml").write_bytes(latin1(base))


class TestSite(SiteServer):
    """The test site server with its misbehaving routes; ``version`` drives the changing feed."""

    __test__ = False

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.version = 0
        self.routes.update(
            {
                "/feeds/404.xml": lambda h: send(h, 404, b"gone", "text/plain"),
                "/feeds/500.xml": lambda h: send(h, 500, b"oops", "text/plain"),
                "/feeds/slow.xml": self._slow,
                "/feeds/loop.xml": lambda h: send(
                    h, 302, b"", None, {"Location": "/feeds/loop.xml"}
                ),
                "/feeds/moved.xml": lambda h: send(
                    h, 301, b"", None, {"Location": "/feeds/rss1.rdf"}
                ),
                "/feeds/stale.xml": self._stale,
                "/feeds/changing.xml": self._changing,
                "/articles/gone.html": lambda h: send(h, 404, b"<h1>404</h1>", "text/html"),
                "/hostile/feed.xml": self._hostile_feed,
                "/hostile/big.html": self._big_page,
                "/hostile/bomb.html": self._gzip_bomb,
                "/hostile/drip.xml": self._drip,
                "/hostile/always-304.xml": lambda h: send(h, 304, b"", None, {"ETag": '"x"'}),
                "/hostile/wrong-charset.xml": self._wrong_charset,
                "/hostile/lying-etag.xml": self._lying_etag,
                "/hostile/ssrf.xml": self._ssrf_feed,
                "/sitemaps/news.xml": self._news_sitemap,
                "/sitemaps/pages.xml.gz": self._gzip_sitemap,
                "/sitemaps/old.xml": self._old_sitemap,
                "/sitemaps/index.xml": self._sitemap_index,
            }
        )

    def _hostile_feed(self, handler: BaseHTTPRequestHandler) -> None:
        """A feed whose entries lead to a 10 MB page, a gzip bomb and a redirect loop."""
        items = [("big", "/hostile/big.html"), ("bomb", "/hostile/bomb.html"),
                 ("loop", "/feeds/loop.xml")]  # fmt: skip
        body = feed_of(
            self.base_url, [(f"Hostile {n}: adult literacy classes", p) for n, p in items]
        )
        send(handler, 200, body.encode(), "application/rss+xml")

    def _big_page(self, handler: BaseHTTPRequestHandler) -> None:
        filler = b"<p>" + b"adult learning " * 64 + b"</p>\n"
        body = b"<html><body><article>" + filler * (10 * 1024 * 1024 // len(filler)) + b"</article>"
        send(handler, 200, body, "text/html")

    def _gzip_bomb(self, handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})

    def _drip(self, handler: BaseHTTPRequestHandler) -> None:
        """Headers, then one byte of a never-ending feed every 0.1 s (for at most 60 s)."""
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        try:
            handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:  # the crawler gave up and closed the connection
            return
        handler.close_connection = True

    def _lying_etag(self, handler: BaseHTTPRequestHandler) -> None:
        """One ETag forever: 304 to every conditional request, though ``version`` changes."""
        if handler.headers.get("If-None-Match"):
            send(handler, 304, b"", None, {"ETag": '"forever"'})
            return
        body = changing(self.base_url, self.version).replace("Changing", "Lying ETag")
        send(handler, 200, body.encode(), "application/rss+xml", {"ETag": '"forever"'})

    def _wrong_charset(self, handler: BaseHTTPRequestHandler) -> None:
        """A UTF-8 feed (its XML declaration says so) served with a Latin-1 header."""
        body = feed_of(self.base_url, [("Éducation des adultes à Besançon", "/articles/a9.html")])
        send(handler, 200, body.encode(), "application/rss+xml; charset=iso-8859-1")

    def _ssrf_feed(self, handler: BaseHTTPRequestHandler) -> None:
        """Served as if from a public host (through the proxy): entries lead to private hosts."""
        port = self.base_url.rsplit(":", 1)[1]
        links = [
            ("Loopback entry about adult learning", f"http://127.0.0.1:{port}/articles/a1.html"),
            ("Metadata entry about adult learning", "http://169.254.169.254/latest/meta-data/"),
            ("Private network entry about literacy", "http://10.11.12.13/articles/a2.html"),
            ("IPv6 loopback entry about literacy", f"http://[::1]:{port}/articles/a2.html"),
            ("Public entry about adult literacy", "http://news.example.org/articles/a5.html"),
        ]
        send(handler, 200, feed_of("", links).encode(), "application/rss+xml")

    def _news_sitemap(self, handler: BaseHTTPRequestHandler) -> None:
        body = sitemap(self.base_url, [("m1", 1), ("m2", 2), ("m3", 200)], news=True)
        send(handler, 200, body.encode(), "application/xml")

    def _gzip_sitemap(self, handler: BaseHTTPRequestHandler) -> None:
        body = gzip.compress(sitemap(self.base_url, [("a9", 3)]).encode())
        send(handler, 200, body, "application/x-gzip")

    def _old_sitemap(self, handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, sitemap(self.base_url, [("m3", 200)]).encode(), "application/xml")

    def _sitemap_index(self, handler: BaseHTTPRequestHandler) -> None:
        children = [("/sitemaps/news.xml", 1), ("/sitemaps/pages.xml.gz", 3),
                    ("/sitemaps/old.xml", 200)]  # fmt: skip
        send(handler, 200, sitemap_index(self.base_url, children).encode(), "application/xml")

    def _slow(self, handler: BaseHTTPRequestHandler) -> None:
        time.sleep(SLOW_SECONDS)
        send(handler, 200, rss1(self.base_url).encode(), "application/rss+xml")

    def _stale(self, handler: BaseHTTPRequestHandler) -> None:
        """Same body every time, but validators that never match (a server lying about changes)."""
        body = changing(self.base_url, 0).replace("Changing", "Stale validators").encode()
        etag = f'"{time.monotonic_ns()}"'
        send(
            handler,
            200,
            body.replace(b"/c1.html", b"/a8.html"),
            "application/rss+xml",
            {"ETag": etag},
        )

    def _changing(self, handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, changing(self.base_url, self.version).encode(), "application/rss+xml")

    def page_hits(self, since: int = 0) -> list[str]:
        """Article pages requested since hit number ``since``."""
        return [h for h in self.hits[since:] if h.endswith(".html")]


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (for a source whose server is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SOURCES = {
    "rss2": "/feeds/rss2.xml",
    "atom": "/feeds/atom.xml",
    "json": "/feeds/feed.json",
    "rss1-moved": "/feeds/moved.xml",
    "latin1": "/feeds/latin1.xml",
    "malformed": "/feeds/malformed.xml",
    "stale": "/feeds/stale.xml",
    "changing": "/feeds/changing.xml",
    "html": "/feeds/html.xml",
    "empty": "/feeds/empty.xml",
    "not-found": "/feeds/404.xml",
    "server-error": "/feeds/500.xml",
    "slow": "/feeds/slow.xml",
    "loop": "/feeds/loop.xml",
}
FAILING = {"html", "empty", "not-found", "server-error", "slow", "loop", "down"}


def watch_list(site: SiteServer) -> str:
    """feeds.yaml text for every test source (plus one whose server is down)."""
    lines = ["defaults:", "  org_type: media", "  languages: [en]", "  country: GB", "sources:"]
    urls = {sid: site.url(path) for sid, path in SOURCES.items()}
    urls["down"] = f"http://127.0.0.1:{free_port()}/feed.xml"
    for sid, url in urls.items():
        lines += [f"  - id: {sid}", f"    name: Test {sid}", f"    url: {url}"]
    lines += ["  - id: general", "    name: General news", f"    url: {site.url('/feeds/general.xml')}",
              "    focus: general"]  # fmt: skip
    return "\n".join(lines) + "\n"
