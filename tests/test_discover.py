"""``llwatch sources discover`` against small local sites the tests serve (no network)."""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.sitegen import atom, free_port, json_feed, rss2
from watch.cli import cli
from watch.demo.server import PLACEHOLDER, SiteServer, send
from watch.discover import Fetcher, discover, read_sitemap
from watch.entries import FILL_IN
from watch.errors import SourceError, WatchError

BASE = PLACEHOLDER
NEWS_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{BASE}/articles/a1.html</loc><news:news><news:publication>
<news:name>Test</news:name><news:language>fr</news:language></news:publication>
<news:publication_date>2026-11-20T08:00:00+01:00</news:publication_date>
<news:title>Un article</news:title></news:news></url>
<url><loc>{BASE}/articles/a2.html</loc><lastmod>2026-11-18</lastmod></url>
</urlset>"""
PLAIN_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{BASE}/about.html</loc><lastmod>2026-10-01</lastmod></url></urlset>"""
INDEX_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{BASE}/s1.xml</loc><lastmod>2026-11-01</lastmod></sitemap>
<sitemap><loc>{BASE}/s2.xml</loc><lastmod>2099-01-01</lastmod></sitemap></sitemapindex>"""

SITES: dict[str, dict[str, str]] = {
    # A page that declares its feeds (one relative, one absolute; a comment feed too), links
    # an Atom feed in its body, and names a news sitemap in robots.txt.
    "declared": {
        "index.html": """<!doctype html><html lang="fr"><head><title>Le Journal | Accueil</title>
<meta property="og:site_name" content="Le Journal de la formation">
<link rel="alternate" type="application/rss+xml" title="Actualités" href="news/rss.xml">
<link rel="alternate" type="application/atom+xml" href="{{BASE_URL}}/comments/atom.xml">
<link rel="alternate" type="application/rss+xml" href="/private/feed.xml">
<link rel="stylesheet" href="/style.css"></head>
<body><a href="/feeds/latest.json">JSON Feed</a> <a href="/about.html">About</a></body></html>""",
        "news/rss.xml": rss2(BASE),
        "comments/atom.xml": atom(BASE).replace("Test Atom", "Comments"),
        "private/feed.xml": rss2(BASE),
        "feeds/latest.json": json_feed(BASE),
        "robots.txt": "User-agent: *\nDisallow: /private/\n\nSitemap: {{BASE_URL}}/news-map.xml\n",
        "news-map.xml": NEWS_SITEMAP,
    },
    # A page that declares nothing: the feed is at a common path, the sitemap too.
    "guess": {
        "index.html": "<!doctype html><html><head><title>Quiet site</title></head><body>Hi</body></html>",
        "rss.xml": rss2(BASE),
        "sitemap.xml": PLAIN_SITEMAP,
        "sitemap_index.xml": INDEX_SITEMAP,
    },
    # Nothing at all: no feed, no sitemap, a page that only looks like one.
    "nothing": {
        "index.html": "<!doctype html><html><body><a href='/feed'>Our feed</a></body></html>",
        "feed/index.html": "<!doctype html><html><body>Not a feed</body></html>",
    },
}


def _serve(root: Path, files: dict[str, str]) -> SiteServer:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return SiteServer(root, {"/loop": lambda h: send(h, 302, b"", None, {"Location": "/loop"})})


@pytest.fixture(params=sorted(SITES))
def any_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, SiteServer]]:
    with _serve(tmp_path, SITES[request.param]) as server:
        yield request.param, server


@pytest.fixture
def declared(tmp_path: Path) -> Iterator[SiteServer]:
    with _serve(tmp_path, SITES["declared"]) as server:
        yield server


@pytest.fixture
def guess(tmp_path: Path) -> Iterator[SiteServer]:
    with _serve(tmp_path, SITES["guess"]) as server:
        yield server


def fetcher(timeout: float = 2.0) -> Fetcher:
    return Fetcher("llwatch-test/1 (discover)", timeout=timeout)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="llwatch", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_declared_feeds_body_links_and_robots_sitemaps(declared: SiteServer) -> None:
    found = discover(declared.url("/"), fetcher())
    got = [(c.url.removeprefix(declared.base_url), c.kind, c.found_by) for c in found.candidates]
    assert got == [
        ("/feeds/latest.json", "feed", "link in the page"),  # newest entry: 2026-11-08
        ("/news/rss.xml", "feed", "link rel=alternate"),
        ("/comments/atom.xml", "feed", "link rel=alternate"),  # comment feeds go last
        ("/news-map.xml", "sitemap", "robots.txt"),
    ]
    rss = found.candidates[1]
    assert (rss.format, rss.entries, rss.newest, rss.title) == (
        "rss20", 4, "2026-11-05T10:00:00Z", "Test RSS 2.0")  # fmt: skip
    sitemap = found.candidates[3]
    assert sitemap.news
    assert sitemap.entries == 2
    assert sitemap.newest == "2026-11-20T07:00:00Z"
    assert (found.title, found.language) == ("Le Journal de la formation", "fr")
    assert any("robots.txt disallows" in note for note in found.notes)
    assert "/private/feed.xml" not in declared.hits  # robots.txt obeyed
    assert "/feed" not in declared.hits  # no guessing when the page declares its feeds
    assert set(declared.agents) == {"llwatch-test/1 (discover)"}


def test_common_paths_when_the_page_declares_nothing(guess: SiteServer) -> None:
    found = discover(guess.url("/"), fetcher())
    got = [(c.url.removeprefix(guess.base_url), c.format, c.found_by) for c in found.candidates]
    assert got == [
        ("/rss.xml", "rss20", "common path"),
        ("/sitemap_index.xml", "index", "common path"),  # newer than sitemap.xml
        ("/sitemap.xml", "urlset", "common path"),
    ]
    index = found.candidates[1]
    assert (index.entries, index.newest) == (2, "2026-11-01T00:00:00Z")  # 2099 is ignored
    assert guess.hits.index("/feed") < guess.hits.index("/rss.xml")


def test_a_feed_address_is_a_candidate_itself(guess: SiteServer) -> None:
    found = discover(guess.url("/rss.xml"), fetcher())
    assert found.candidates[0].found_by == "the address itself"
    assert "/feed" not in guess.hits


def test_nothing_found(tmp_path: Path) -> None:
    with _serve(tmp_path, SITES["nothing"]) as server:
        found = discover(server.url("/"), fetcher())
        assert found.candidates == []
        assert any("/feed" in note and "not a feed" in note for note in found.notes)
        code, out, err = run("sources", "discover", server.url("/"), "--sources", "none.yaml")
    assert code == 2
    assert out == ""
    assert "llwatch: error: no feed or sitemap found at" in err
    assert "404" in err  # the reasons are shown when nothing was found


def test_site_down() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(WatchError, match=r"cannot read .*: .*refused"):
        discover(url, fetcher())
    code, _out, err = run("sources", "discover", url)
    assert code == 2
    assert err.startswith("llwatch: error: cannot read")
    assert err.count("\n") == 1


def test_redirect_loop_is_bounded(tmp_path: Path) -> None:
    with _serve(tmp_path, SITES["nothing"]) as server:
        with pytest.raises(WatchError, match="redirect"):
            discover(server.url("/loop"), fetcher())
        assert server.hits.count("/loop") <= 6


def test_not_an_address() -> None:
    with pytest.raises(WatchError, match="not an http"):
        discover("example.org", fetcher())


def test_size_limit(guess: SiteServer) -> None:
    small = Fetcher("t", max_bytes=100)
    with pytest.raises(SourceError, match="larger than 100 bytes"):
        small.get(guess.url("/rss.xml"))


def test_request_budget(any_site: tuple[str, SiteServer]) -> None:
    name, server = any_site
    limited = Fetcher("t", max_requests=3)
    with contextlib.suppress(WatchError):
        discover(server.url("/"), limited)
    assert len(server.hits) <= 3, name


@pytest.mark.parametrize(
    "body", [b"", b"<html><body>no</body></html>", b"<urlset", b"<?xml version='1.0'?><rss/>"]
)
def test_read_sitemap_refuses_what_is_no_sitemap(body: bytes) -> None:
    with pytest.raises(SourceError, match="not a sitemap"):
        read_sitemap(body)


def test_read_sitemap_does_not_expand_entities() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&c;</loc></url></urlset>"""
    with pytest.raises(SourceError, match="no <url>"):  # &c; is left unexpanded: no URL
        read_sitemap(bomb)


def test_cli_prints_ready_to_paste_entries(declared: SiteServer, tmp_path: Path) -> None:
    watch_list = tmp_path / "feeds.yaml"
    watch_list.write_text(
        "sources:\n  - id: journal\n    name: J\n    url: " + declared.url("/news/rss.xml/") +
        "\n    country: FR\n    languages: [fr]\n    org_type: media\n", "utf-8",
    )  # fmt: skip
    code, out, err = run("sources", "discover", declared.url("/"), "--sources", str(watch_list))
    assert code == 0, err
    assert out.startswith("# 4 candidate(s) at ")
    entries = yaml.safe_load(out)
    assert [e["kind"] for e in entries] == ["feed", "feed", "feed", "sitemap"]
    first = entries[0]
    assert first["name"] == "Test JSON Feed"
    assert first["languages"] == ["es"]  # the feed's own language before the page's
    assert first["country"] == FILL_IN
    assert first["org_type"] == FILL_IN
    assert entries[1]["languages"] == ["en"]
    assert entries[3]["name"] == "Le Journal de la formation"
    assert len({e["id"] for e in entries}) == 4
    assert "already in the watch list as 'journal'" in out
    assert "# news sitemap: 2 entries, newest 2026-11-20; found by robots.txt" in out
    assert "fill in: ISO 3166-1 alpha-2" in out
    assert "4 candidate(s) from" in err


def test_cli_json(declared: SiteServer) -> None:
    code, out, _ = run("sources", "discover", declared.url("/"), "--json", "--sources", "x.yaml")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["kind"] for line in lines] == ["feed", "feed", "feed", "sitemap"]
    assert lines[3]["news"] is True
    assert lines[0]["entry"]["url"] == lines[0]["url"]


def test_a_filled_in_feed_entry_passes_the_check(declared: SiteServer, tmp_path: Path) -> None:
    code, out, _ = run("sources", "discover", declared.url("/"), "--sources", "x.yaml")
    assert code == 0
    feeds_only = out.split("  # news sitemap")[0]
    path = tmp_path / "new.yaml"
    path.write_text("sources:\n" + feeds_only, "utf-8")
    code, _, err = run("sources", "check", str(path))
    assert code == 2
    assert err.lower().count(FILL_IN.lower()) == 6  # country and org_type of three feeds
    filled = feeds_only.replace(f"country: {FILL_IN}", "country: FR")
    path.write_text("sources:\n" + filled.replace(f"org_type: {FILL_IN}", "org_type: media"))
    code, out, err = run("sources", "check", str(path))
    assert (code, err) == (0, "")
    assert "3 sources" in out


def test_gzipped_sitemap_from_robots_txt(tmp_path: Path) -> None:
    with _serve(tmp_path, {"index.html": "<html><body>x</body></html>"}) as server:
        (tmp_path / "robots.txt").write_text(f"Sitemap: {server.url('/maps/news.xml.gz')}\n")
        (tmp_path / "maps").mkdir()
        (tmp_path / "maps" / "news.xml.gz").write_bytes(
            gzip.compress(NEWS_SITEMAP.replace(BASE, server.base_url).encode())
        )
        found = discover(server.url("/"), fetcher())
    sitemaps = [c for c in found.candidates if c.kind == "sitemap"]
    assert [(c.format, c.entries, c.found_by) for c in sitemaps] == [("news", 2, "robots.txt")]


def test_a_gzip_bomb_is_bounded(tmp_path: Path) -> None:
    with _serve(tmp_path, {}) as server:
        (tmp_path / "bomb.xml.gz").write_bytes(gzip.compress(b"<" * 5_000_000))
        with pytest.raises(SourceError, match="once unzipped"):
            Fetcher("t", max_bytes=1_000_000).get(server.url("/bomb.xml.gz"))
