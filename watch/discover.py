"""Source discovery: from a site's address to the feeds and sitemaps llwatch could watch.

:func:`discover` reads the page at the address and looks, in this order, for

1. feeds the page declares (``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">``),
2. feed-like links in the page body (``/feed``, ``.rss``, ``/atom.xml``, ``rss`` in the path…),
3. only when neither gave a feed: a short list of common feed paths (``/feed``, ``/rss.xml``…),
4. sitemaps: the ``Sitemap:`` lines of ``robots.txt``, else ``/sitemap.xml`` and two other
   common paths.

Every candidate is confirmed by fetching and parsing it (feeds with :func:`watch.feeds.parse_feed`,
sitemaps with a small lxml reader that never resolves entities), and comes back with its entry
count and newest date, best first.

This is an interactive command, not a crawl: a few sequential requests through ``urllib`` (a
timeout per request, a byte limit per response, at most 5 redirects, http(s) only, the crawler's
User-Agent, robots.txt obeyed for every URL found or guessed (the address given is read as asked),
a request budget and an overall deadline). Running Scrapy's reactor for a dozen requests would add seconds of start-up and could
not run twice in one process.
"""

from __future__ import annotations

import logging
import re
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPException
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from watch.entries import FILL_IN, NewEntry, render_entries, unique_id, url_key
from watch.errors import SourceError, WatchError
from watch.feeds import ParsedFeed, gunzip_bounded, parse_feed
from watch.sitemaps import parse_sitemap
from watch.text import clean_text, language_tag
from watch.urls import is_http_url

__all__ = [
    "COMMON_FEED_PATHS",
    "COMMON_SITEMAP_PATHS",
    "Candidate",
    "Discovery",
    "Fetcher",
    "discover",
    "discovery_dicts",
    "discovery_text",
    "new_entries",
    "read_sitemap",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Probed, in this order, only when the page declares and links no feed.
COMMON_FEED_PATHS = (
    "/feed", "/feed/", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml",
    "/feeds/posts/default", "/?feed=rss2", "/?format=rss", "/news/rss.xml", "/rss/news",
)  # fmt: skip
#: Probed only when robots.txt names no sitemap.
COMMON_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json",
     "application/rdf+xml", "application/xml", "text/xml"}
)  # fmt: skip
_FEED_LINK = re.compile(r"(?:^|[/._=-])(?:rss|atom|feeds?)(?:$|[/._&?=-])|\.rss$|\.atom$", re.I)
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_MAX_BODY_LINKS = 12
_ORIGIN_RANK = {"the address itself": 0, "link rel=alternate": 1, "link in the page": 2,
                "common path": 3}  # fmt: skip


@dataclass
class Fetched:
    """One response: the final URL after redirects, its content type and body."""

    url: str
    content_type: str
    body: bytes


@dataclass
class Candidate:
    """A feed or sitemap found and confirmed by parsing it."""

    url: str
    kind: str  # "feed" or "sitemap"
    format: str  # feed: rss20, atom10, json11…; sitemap: urlset, news, index
    title: str
    entries: int
    newest: str  # UTC ISO 8601 of the newest entry, or ""
    language: str  # ISO 639-1 declared by the feed, or ""
    found_by: str  # link rel=alternate, link in the page, common path, robots.txt
    known_as: str = ""  # the id of the watch-list source with this URL, if any

    @property
    def news(self) -> bool:
        return self.format == "news"


@dataclass
class Discovery:
    """What :func:`discover` found at a site."""

    url: str  # the page read (after redirects)
    title: str
    language: str  # <html lang>, or ""
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # probes skipped, rejected, disallowed
    requests: int = 0


class Fetcher:
    """Small synchronous GETs: bounded in time, size, redirects and count; robots.txt obeyed."""

    def __init__(self, user_agent: str, timeout: float = 10.0, max_bytes: int = 5_000_000,
                 max_requests: int = 40, deadline: float = 90.0) -> None:  # fmt: skip
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_requests = max_requests
        self.deadline = time.monotonic() + deadline
        self.requests = 0
        self.robots: urllib.robotparser.RobotFileParser | None = None
        self._opener = urllib.request.build_opener(_Redirects)

    def allowed(self, url: str) -> bool:
        return self.robots is None or self.robots.can_fetch(self.user_agent, url)

    def get(self, url: str) -> Fetched:
        """GET ``url``; raise SourceError with a one-line reason on any failure."""
        if self.requests >= self.max_requests or time.monotonic() > self.deadline:
            raise SourceError("skipped: the request budget of this discovery is spent")
        self.requests += 1
        request = urllib.request.Request(url, headers={
            "User-Agent": self.user_agent, "Accept-Encoding": "gzip",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})  # fmt: skip
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1)
                final, ctype = response.geturl(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SourceError(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise _Unreachable(_reason(exc.reason)) from None
        except (HTTPException, OSError, ValueError) as exc:
            raise _Unreachable(_reason(exc)) from None
        if len(body) > self.max_bytes:
            raise SourceError(f"larger than {self.max_bytes:,} bytes")
        return Fetched(final, ctype, self._decoded(body))

    def _decoded(self, body: bytes) -> bytes:
        return gunzip_bounded(body, self.max_bytes)


class _Unreachable(SourceError):
    """No HTTP answer at all: refused, timed out, no such host, too many redirects."""


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:  # fmt: skip
        if not is_http_url(urljoin(req.full_url, newurl)):
            raise urllib.error.URLError(f"redirect to a non-http address ({newurl[:80]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason).strip() or type(reason).__name__
    if "timed out" in text.lower():
        return "timed out"
    if "redirect" in text.lower() and "infinite loop" in text.lower():
        return "too many redirects"
    return text.splitlines()[0][:160]


# --- discovery ---------------------------------------------------------------------------------


def discover(url: str, fetcher: Fetcher, known: dict[str, str] | None = None) -> Discovery:
    """Find and confirm the feeds and sitemaps of the site at ``url``.

    Raises WatchError (one line) when ``url`` is not an http(s) address or the page cannot be read.
    """
    if not is_http_url(url):
        raise WatchError(f"'{url}' is not an http(s) address — write e.g. https://example.org/")
    try:
        fetcher.robots = _robots(url, fetcher)
        page = fetcher.get(url)
    except SourceError as exc:
        raise WatchError(f"cannot read {url}: {exc} — check the address") from None
    found = Discovery(page.url, "", "")
    tree = _html(page.body, page.url)
    if tree is not None:
        found.title, found.language = _page_title(tree), _page_language(tree)
    probe = _Probe(fetcher, found, known or {})
    if _looks_like_feed(page):
        probe.confirmed(page, "the address itself", probe.feed)
    probe.feeds(_declared(tree, page.url), "link rel=alternate")
    probe.feeds(_body_links(tree, page.url), "link in the page")
    if not any(c.kind == "feed" for c in found.candidates):
        probe.feeds(_common(page.url, COMMON_FEED_PATHS), "common path")
    sitemaps = fetcher.robots.site_maps() if fetcher.robots else None
    if sitemaps:
        probe.sitemaps(sitemaps, "robots.txt")
    else:
        probe.sitemaps(_common(page.url, COMMON_SITEMAP_PATHS, root_only=True), "common path")
    found.candidates.sort(key=_rank)
    found.requests = fetcher.requests
    return found


def _robots(url: str, fetcher: Fetcher) -> urllib.robotparser.RobotFileParser | None:
    parts = urlsplit(url)
    robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    parser = urllib.robotparser.RobotFileParser(robots_url)
    try:
        body = fetcher.get(robots_url).body
    except _Unreachable:
        raise
    except SourceError:
        return None  # no robots.txt (404…): everything is allowed
    parser.parse(body.decode("utf-8", "replace").splitlines())
    return parser


@dataclass
class _Probe:
    """Fetch and confirm candidates, each URL once."""

    fetcher: Fetcher
    found: Discovery
    known: dict[str, str]
    seen: set[str] = field(default_factory=set)

    def feeds(self, urls: list[str], origin: str) -> None:
        self._each(urls, origin, self.feed)

    def sitemaps(self, urls: list[str], origin: str) -> None:
        self._each(urls, origin, self.sitemap)

    def _each(self, urls: list[str], origin: str,
              confirm: Callable[[Fetched, str], Candidate]) -> None:  # fmt: skip
        for url in urls:
            if url_key(url) in self.seen:
                continue
            self.seen.add(url_key(url))
            if not self.fetcher.allowed(url):
                self.found.notes.append(f"{url}: skipped, robots.txt disallows it")
                continue
            try:
                fetched = self.fetcher.get(url)
            except SourceError as exc:
                self.found.notes.append(f"{url}: {exc}")
                continue
            if url_key(fetched.url) in self.seen and fetched.url != url:
                continue  # a redirect to a candidate already confirmed
            self.confirmed(fetched, origin, confirm)

    def confirmed(self, fetched: Fetched, origin: str,
                  confirm: Callable[[Fetched, str], Candidate]) -> None:  # fmt: skip
        """Parse ``fetched``; keep it as a candidate, or note why not."""
        self.seen.add(url_key(fetched.url))
        try:
            candidate = confirm(fetched, origin)
        except SourceError as exc:
            self.found.notes.append(f"{fetched.url}: {exc}")
            return
        candidate.known_as = self.known.get(url_key(candidate.url), "")
        self.found.candidates.append(candidate)

    def feed(self, fetched: Fetched, origin: str) -> Candidate:
        feed = parse_feed(fetched.body, fetched.url, fetched.content_type)
        if "html" in fetched.content_type and not feed.entries:
            raise SourceError("an HTML page, not a feed")
        return Candidate(
            url=fetched.url, kind="feed", format=feed.version, title=feed.title,
            entries=len(feed.entries), newest=_newest_entry(feed), language=feed.language,
            found_by=origin,
        )  # fmt: skip

    def sitemap(self, fetched: Fetched, origin: str) -> Candidate:
        fmt, count, newest = read_sitemap(fetched.body)
        return Candidate(fetched.url, "sitemap", fmt, "", count, newest, "", origin)


def _looks_like_feed(page: Fetched) -> bool:
    head = page.body.lstrip(b"\xef\xbb\xbf \t\r\n")[:400].lower()
    if "html" in page.content_type.lower() or b"<html" in head:
        return False
    return head.startswith((b"{", b"<?xml", b"<rss", b"<feed", b"<rdf"))


def _newest_entry(feed: ParsedFeed) -> str:
    dates = [e.published or e.updated for e in feed.entries if e.published or e.updated]
    return max(dates, default="")


def _rank(c: Candidate) -> tuple[Any, ...]:
    """Feeds first, then news sitemaps, then other sitemaps; comment feeds last among feeds;
    then the newest content, the most entries, and how the candidate was found."""
    kind = 0 if c.kind == "feed" else 1 if c.news else 2
    comments = "comment" in (c.url + " " + c.title).lower()
    return (kind, comments, -_timestamp(c.newest), -c.entries, _ORIGIN_RANK.get(c.found_by, 4))


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


# --- reading the page --------------------------------------------------------------------------


def _html(body: bytes, url: str) -> Any:
    try:
        return lxml.html.document_fromstring(body, base_url=url)
    except (lxml.etree.ParserError, ValueError):
        return None


def _page_title(tree: Any) -> str:
    names = tree.xpath("//meta[@property='og:site_name']/@content") + tree.xpath("//title/text()")
    return next((clean_text(str(n)) for n in names if clean_text(str(n))), "")


def _page_language(tree: Any) -> str:
    langs = tree.xpath("/html/@lang") + tree.xpath("/html/@xml:lang")
    return language_tag(str(langs[0])) if langs else ""


def _declared(tree: Any, base: str) -> list[str]:
    if tree is None:
        return []
    urls = []
    for link in tree.xpath("//link[@href][@type]"):
        rels = (link.get("rel") or "").lower().split()
        kind = link.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES:
            urls.append(urljoin(base, link.get("href").strip()))
    return [u for u in dict.fromkeys(urls) if is_http_url(u)]


def _body_links(tree: Any, base: str) -> list[str]:
    if tree is None:
        return []
    urls = []
    for href in tree.xpath("//a/@href"):
        absolute = urljoin(base, str(href).strip()).split("#", 1)[0]
        parts = urlsplit(absolute)
        where = parts.path + ("?" + parts.query if parts.query else "")
        if is_http_url(absolute) and "sitemap" not in where.lower() and _FEED_LINK.search(where):
            urls.append(absolute)
    return list(dict.fromkeys(urls))[:_MAX_BODY_LINKS]


def _common(url: str, paths: tuple[str, ...], root_only: bool = False) -> list[str]:
    """Common paths at the site's root and, for a page below it, under the page's path."""
    parts = urlsplit(url)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    found = [root + path for path in paths]
    below = parts.path.rstrip("/")
    if below and not root_only:
        found += [root + below + suffix for suffix in ("/feed", "/rss", "/rss.xml")]
    return found


# --- sitemaps ----------------------------------------------------------------------------------


def read_sitemap(body: bytes) -> tuple[str, int, str]:
    """(format, entries, newest date) of a sitemap; format is urlset, news or index.

    Raises SourceError when the body is no sitemap (or one without a single entry).
    """
    sitemap = parse_sitemap(body, "http://sitemap.invalid/")
    items = sitemap.children or sitemap.entries
    if not items:
        raise SourceError("not a sitemap: no <url> or <sitemap> entry in it")
    fmt = "index" if sitemap.children else "news" if sitemap.news else "urlset"
    return fmt, len(items), max((item.date for item in items if item.date), default="")


# --- watch-list entries ------------------------------------------------------------------------


def new_entries(found: Discovery, taken: set[str]) -> list[NewEntry]:
    """A ready-to-paste watch-list entry for each candidate, in the order found."""
    return [_entry(c, found, taken) for c in found.candidates]


def _entry(c: Candidate, found: Discovery, taken: set[str]) -> NewEntry:
    name = c.title or found.title or (urlsplit(c.url).hostname or c.url)
    language = c.language or found.language
    homepage = urlunsplit((*urlsplit(found.url)[:2], "/", "", ""))
    values: dict[str, Any] = {
        "id": unique_id(c.url, name, taken), "name": name, "url": c.url, "kind": c.kind,
        "country": FILL_IN, "languages": [language or FILL_IN], "org_type": FILL_IN,
        "homepage": homepage,
    }  # fmt: skip
    return NewEntry(values, [describe(c)])


def describe(c: Candidate) -> str:
    """One line on a candidate: what it is, how big, how fresh, how it was found."""
    what = f"{c.kind} ({c.format})" if c.kind == "feed" else f"{_SITEMAP_KIND[c.format]}"
    newest = f", newest {c.newest[:10]}" if c.newest else ", no dates"
    known = f" — already in the watch list as '{c.known_as}'" if c.known_as else ""
    one, many = ("sitemap", "sitemaps") if c.format == "index" else ("entry", "entries")
    unit = one if c.entries == 1 else many
    return f"{what}: {c.entries} {unit}{newest}; found by {c.found_by}{known}"


_SITEMAP_KIND = {"news": "news sitemap", "urlset": "sitemap", "index": "sitemap index"}


def discovery_text(found: Discovery, taken: set[str]) -> str:
    """The candidates as commented feeds.yaml entries, best first, ready to paste."""
    title = f" ({found.title})" if found.title else ""
    head = [
        f"# {len(found.candidates)} candidate(s) at {found.url}{title}, best first.",
        f"# Paste the ones you want under 'sources:' in feeds.yaml, replace each {FILL_IN},",
        "# then run: llwatch sources check",
        "",
    ]
    return "\n".join(head) + "\n" + render_entries(new_entries(found, taken))


def discovery_dicts(found: Discovery, taken: set[str]) -> list[dict[str, Any]]:
    """One JSON-ready dict per candidate: what was found, and the entry to add."""
    return [
        vars(c) | {"news": c.news, "entry": entry.values}
        for c, entry in zip(found.candidates, new_entries(found, taken), strict=True)
    ]
