"""Sitemap and listing-page sources, crawled for real from the local test site."""

from __future__ import annotations

import gzip
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import crawl
from tests.sitegen import TestSite
from watch.errors import SourceError
from watch.feeds import gunzip_bounded
from watch.listing import parse_date_text, parse_listing
from watch.sitemaps import newest_first, parse_robots, parse_sitemap
from watch.sources import Selectors
from watch.store import DB_NAME


def kinds_list(site: TestSite, path: Path, **extra: str) -> Path:
    entries = {
        "news-sitemap": f"    url: {site.url('/sitemaps/news.xml')}\n    kind: sitemap\n",
        "sitemap-index": f"    url: {site.url('/sitemaps/index.xml')}\n    kind: sitemap\n",
        "robots": f"    url: {site.url('/robots.txt')}\n    kind: sitemap\n",
        "listing": f"    url: {site.url('/news/page1.html')}\n    kind: page\n"
        "    max_pages: 2\n    selectors: {links: 'h3 a', date: '.when::text', next: 'a.next'}\n",
        **extra,
    }
    # fr too: the French pipeline is then built before the first request, not mid-crawl (its
    # build stalls the reactor for seconds, and the 1.5 s test timeout would fire)
    lines = "defaults:\n  org_type: media\n  languages: [en, fr]\n  country: GB\nsources:\n"
    for sid, body in entries.items():
        lines += f"  - id: {sid}\n    name: Test {sid}\n{body}"
    path.write_text(lines, "utf-8")
    return path


def stored(data_dir: Path, source_id: str) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(data_dir / DB_NAME) as db:
        rows = db.execute(
            "SELECT url, title, published_at, extraction FROM articles WHERE source_id = ?",
            (source_id,),
        ).fetchall()
    return {url.rsplit("/", 1)[-1]: (title, published, how) for url, title, published, how in rows}


@pytest.fixture(scope="module")
def first(site: TestSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("kinds")
    sources = kinds_list(site, folder / "feeds.yaml")
    run = crawl(folder / "data", sources)
    assert run.code == 0, run.stderr
    assert {s["status"] for s in run.report["sources"]} == {"ok"}, run.report
    return folder / "data", sources


def test_news_sitemap_takes_only_new_articles(first: tuple[Path, Path]) -> None:
    articles = stored(first[0], "news-sitemap")
    assert set(articles) == {"m1.html", "m2.html"}  # m3 is 200 days old
    title, published, how = articles["m1.html"]
    assert title == "Sitemap story: adult learners return to evening classes"
    assert published.startswith(str((datetime.now(UTC) - timedelta(days=1)).year))
    assert how == "page"


def test_sitemap_index_follows_recent_children_gzip_included(
    site: TestSite, first: tuple[Path, Path]
) -> None:
    # m1 and m2 came first through the news sitemap: one article each, not fetched twice
    assert set(stored(first[0], "sitemap-index")) == {"a9.html"}
    assert "/sitemaps/old.xml" not in site.hits  # its lastmod is older than the first-poll window
    assert "/articles/m3.html" not in site.hits


def test_robots_txt_sitemaps_are_followed(site: TestSite, tmp_path: Path) -> None:
    sources = kinds_list(site, tmp_path / "feeds.yaml")
    run = crawl(tmp_path / "data", sources, "--source", "robots")
    assert run.code == 0, run.stderr
    assert set(stored(tmp_path / "data", "robots")) == {"m1.html", "m2.html", "a9.html"}


def test_listing_page_with_selectors_and_bounded_pagination(first: tuple[Path, Path]) -> None:
    articles = stored(first[0], "listing")
    assert set(articles) == {"l1.html", "l2.html", "l3.html", "l4.html"}  # page 3 is beyond
    title, published, _ = articles["l3.html"]
    assert title == "Listing story three: certificates for adult skills"
    assert published == "2026-11-10T00:00:00Z"


def test_second_crawl_fetches_no_page_again(site: TestSite, first: tuple[Path, Path]) -> None:
    before = len(site.hits)
    run = crawl(first[0], first[1], "--force")
    assert run.code == 0, run.stderr
    assert [hit for hit in site.hits[before:] if hit.startswith("/articles/")] == []
    statuses = {s["source_id"]: s["status"] for s in run.report["sources"]}
    assert statuses["news-sitemap"] == "not_modified"


def test_listing_whose_selector_matches_nothing_fails_clearly(
    site: TestSite, tmp_path: Path
) -> None:
    bad = "    url: {}\n    kind: page\n    selectors: {{links: 'article.teaser a'}}\n"
    sources = kinds_list(
        site, tmp_path / "feeds.yaml", broken=bad.format(site.url("/news/page1.html?copy=1"))
    )
    run = crawl(tmp_path / "data", sources, "--source", "broken")
    assert run.code == 1
    (record,) = run.report["sources"]
    assert record["error"] == (
        "listing page: no link matches selectors.links 'article.teaser a'"
        " — check the selector against the page"
    )


def test_sitemap_that_is_html_fails_clearly(site: TestSite, tmp_path: Path) -> None:
    bad = f"    url: {site.url('/news/page2.html')}\n    kind: sitemap\n"
    sources = kinds_list(site, tmp_path / "feeds.yaml", html=bad)
    run = crawl(tmp_path / "data", sources, "--source", "html")
    (record,) = run.report["sources"]
    assert record["error"] == (
        "not a sitemap: the URL returned an HTML page — give the sitemap's URL"
    )


# --- the parsers on their own ---------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_sitemap_dates_and_news_fields() -> None:
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    <url><loc>/a</loc><lastmod>2026-11</lastmod></url>
    <url><loc>https://x.org/b</loc><news:news><news:publication><news:language>fr-FR</news:language>
    </news:publication><news:publication_date>2026-11-20T10:00:00+01:00</news:publication_date>
    <news:title> Titre  du jour </news:title></news:news></url>
    <url><loc>https://x.org/future</loc><lastmod>2030-01-01</lastmod></url>
    <url><loc>javascript:alert(1)</loc></url><url><lastmod>2026-01-01</lastmod></url>
    </urlset>"""
    parsed = parse_sitemap(body, "https://x.org/sitemap.xml", NOW)
    a, b, future = parsed.entries
    assert (a.url, a.lastmod) == ("https://x.org/a", "2026-11-01T00:00:00Z")
    assert (b.published, b.title, b.language) == ("2026-11-20T09:00:00Z", "Titre du jour", "fr")
    assert future.lastmod == ""  # a date in the future is no date
    assert parsed.news
    assert [e.url for e in newest_first(parsed.entries)] == [b.url, a.url, future.url]


def test_sitemap_bad_input_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="root element is <rss>"):
        parse_sitemap(b"<rss><channel/></rss>", "https://x.org/s.xml")
    with pytest.raises(SourceError, match="empty response"):
        parse_sitemap(b"  ", "https://x.org/s.xml")
    with pytest.raises(SourceError, match="broken gzip"):
        parse_sitemap(b"\x1f\x8b\x08\x00garbage", "https://x.org/s.xml.gz")
    bomb = gzip.compress(b"\0" * (3 * 1024 * 1024))
    with pytest.raises(SourceError, match="gzip bomb"):
        gunzip_bounded(bomb, limit=1024 * 1024)
    entity = b'<!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>'
    assert parse_sitemap(entity, "https://x.org/s.xml").entries == []  # no entity is resolved


def test_plain_text_sitemap_and_robots() -> None:
    text = b"https://x.org/a\n\nhttps://x.org/b\nhttps://x.org/a\n"
    assert [e.url for e in parse_sitemap(text, "https://x.org/s.txt").entries] == [
        "https://x.org/a",
        "https://x.org/b",
    ]
    robots = b"User-agent: *\nDisallow: /x\nSitemap: https://x.org/s1.xml\nsitemap: /s2.xml\n"
    children = parse_robots(robots, "https://x.org/robots.txt").children
    assert [c.url for c in children] == ["https://x.org/s1.xml", "https://x.org/s2.xml"]
    with pytest.raises(SourceError, match="no Sitemap: line"):
        parse_robots(b"User-agent: *\n", "https://x.org/robots.txt")


def test_listing_items_titles_and_dates() -> None:
    html = """<html><body><base href="/news/"><ul>
    <li><h3><a href="a1.html">First</a></h3><time datetime="2025-03-01">1 mars 2025</time></li>
    <li><h3><a href="a2.html#top">Second</a></h3><time>12 mars 2025</time></li>
    <li><h3><a href="javascript:alert(1)">bad</a></h3></li><li><a href="a1.html">again</a></li>
    </ul><a rel="next" href="?page=2">suivant</a></body></html>"""
    selectors = Selectors("h3 a", "", "time::attr(datetime)", "a[rel=next]")
    listing = parse_listing(html, "https://x.org/news/", selectors, ("fr",))
    assert [(ln.url, ln.title, ln.published) for ln in listing.links] == [
        ("https://x.org/news/a1.html", "First", "2025-03-01T00:00:00Z"),
        ("https://x.org/news/a2.html#top", "Second", ""),
    ]
    assert listing.next_url == "https://x.org/news/?page=2"
    by_item = parse_listing(html, "https://x.org/news/", Selectors("li", "h3", "time"), ("fr",))
    assert [ln.published for ln in by_item.links] == [
        "2025-03-01T00:00:00Z",
        "2025-03-12T00:00:00Z",
    ]
    hrefs = parse_listing(html, "https://x.org/news/", Selectors("xpath://h3/a/@href"))
    assert len(hrefs.links) == 2
    assert parse_listing("", "https://x.org/", selectors).links == []


def test_listing_dates_in_several_languages() -> None:
    assert parse_date_text("Nov 20, 2025") == "2025-11-20T00:00:00Z"
    assert parse_date_text("20 novembre 2025", ("fr",)) == "2025-11-20T00:00:00Z"
    assert parse_date_text("20 de noviembre de 2025", ("es",)) == "2025-11-20T00:00:00Z"
    assert parse_date_text("3000-01-01") == ""
    assert parse_date_text("no date here") == ""


def test_pdf_links_become_articles(site: TestSite, tmp_path: Path) -> None:
    docs = f"    url: {site.url('/feeds/docs.xml')}\n"
    sources = kinds_list(site, tmp_path / "feeds.yaml", docs=docs)
    run = crawl(tmp_path / "data", sources, "--source", "docs")
    assert run.by_source["docs"]["status"] == "ok"
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as db:
        rows = db.execute("SELECT url, extraction, extraction_note, text, authors FROM articles")
        found = {url.rsplit("/", 1)[-1]: rest for url, *rest in rows}
    how, note, text, authors = found["brief.pdf"]
    assert (how, note) == ("pdf", "")
    assert "(brief page 2)" in text
    assert "Test Institute" in authors
    assert found["broken.pdf"][:2] == ["feed", "page: PDF not read (corrupt)"]


def test_match_keeps_only_the_article_urls_of_a_sitemap(site: TestSite, tmp_path: Path) -> None:
    only_m1 = f"    url: {site.url('/sitemaps/news.xml?copy=2')}\n    kind: sitemap\n"
    only_m1 += "    match: '/articles/m1\\.html$'\n"
    sources = kinds_list(site, tmp_path / "feeds.yaml", picky=only_m1)
    run = crawl(tmp_path / "data", sources, "--source", "picky")
    assert run.code == 0, run.stderr
    assert set(stored(tmp_path / "data", "picky")) == {"m1.html"}
