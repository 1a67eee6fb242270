"""The wild web, served by the local test site: huge pages, a gzip bomb, an endless drip, a
server that answers 304 unasked, a wrong charset header, and a public feed whose entries point to
private addresses (the SSRF guard). Each gives a clear outcome; the other sources go on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from spiders.guard import is_private_address
from tests.conftest import llwatch
from tests.sitegen import TestSite
from watch.store import DB_NAME

PUBLIC = "http://news.example.org"  # resolves nowhere here: reached through the test proxy


def watch_list(path: Path, urls: dict[str, str]) -> Path:
    lines = "defaults:\n  org_type: media\n  languages: [en]\n  country: GB\nsources:\n"
    for sid, url in urls.items():
        lines += f"  - id: {sid}\n    name: Test {sid}\n    url: {url}\n"
    path.write_text(lines, "utf-8")
    return path


def run(tmp_path: Path, urls: dict[str, str], env: dict[str, str] | None = None) -> dict:
    sources = watch_list(tmp_path / "feeds.yaml", urls)
    done = llwatch(
        "crawl", "--data-dir", str(tmp_path / "data"), "--sources", str(sources),
        "--format", "json", env=env,
    )  # fmt: skip
    assert done.code in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    return {s["source_id"]: s for s in done.report["sources"]}


def articles(tmp_path: Path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as db:
        rows = db.execute("SELECT url, title, extraction, extraction_note FROM articles").fetchall()
    return {title: (url, how, note) for url, title, how, note in rows}


def test_huge_page_gzip_bomb_and_loop_fall_back_to_feed_text(
    site: TestSite, tmp_path: Path
) -> None:
    outcome = run(tmp_path, {"hostile": site.url("/hostile/feed.xml")})
    assert outcome["hostile"]["status"] == "ok"
    stored = articles(tmp_path)
    big = stored["Hostile big: adult literacy classes"]
    bomb = stored["Hostile bomb: adult literacy classes"]
    loop = stored["Hostile loop: adult literacy classes"]
    assert big[1:] == ("feed", "page: download cancelled (larger than WATCH_MAX_PAGE_BYTES?)")
    assert bomb[1:] == (
        "feed",
        "page: larger than WATCH_MAX_PAGE_BYTES once decompressed (a gzip bomb?)",
    )
    assert loop[1:] == ("feed", "page: too many redirects (a redirect loop?)")


def test_endless_drip_times_out_and_others_go_on(site: TestSite, tmp_path: Path) -> None:
    outcome = run(
        tmp_path,
        {"drip": site.url("/hostile/drip.xml"), "rss2": site.url("/feeds/rss2.xml")},
    )
    assert outcome["drip"]["status"] == "failed"
    assert outcome["drip"]["error"].startswith("timed out after")
    assert outcome["rss2"]["status"] == "ok"
    assert outcome["rss2"]["new"] >= 2


def test_304_nobody_asked_for_is_a_failure_not_silence(site: TestSite, tmp_path: Path) -> None:
    outcome = run(tmp_path, {"liar": site.url("/hostile/always-304.xml")})
    assert outcome["liar"]["status"] == "failed"
    assert outcome["liar"]["error"].startswith("HTTP 304 Not Modified to a request without")


def test_wrong_charset_header_still_gives_the_right_title(site: TestSite, tmp_path: Path) -> None:
    run(tmp_path, {"charset": site.url("/hostile/wrong-charset.xml")})
    assert "Éducation des adultes à Besançon" in articles(tmp_path)


def test_ssrf_guard_refuses_private_targets_of_a_public_feed(
    site: TestSite, tmp_path: Path
) -> None:
    before = len(site.hits)
    env = {"http_proxy": site.base_url, "no_proxy": ""}
    outcome = run(tmp_path, {"public": f"{PUBLIC}/hostile/ssrf.xml"}, env)
    assert outcome["public"]["status"] == "ok"
    stored = articles(tmp_path)
    for title in (
        "Loopback entry about adult learning",
        "Metadata entry about adult learning",
        "Private network entry about literacy",
        "IPv6 loopback entry about literacy",
    ):
        _, how, note = stored[title]
        assert how == "feed"  # the feed's own text is kept; the private page is never fetched
        assert note.startswith("page: refused: ")
        assert "SSRF guard" in note
    assert stored["Public entry about adult literacy"][1] == "page"
    hits = site.hits[before:]
    assert f"{PUBLIC}/articles/a5.html" in hits
    assert not [h for h in hits if "169.254" in h or "10.11.12.13" in h or "127.0.0.1" in h]


def test_ssrf_guard_can_be_lifted_by_the_operator(site: TestSite, tmp_path: Path) -> None:
    before = len(site.hits)
    env = {"http_proxy": site.base_url, "no_proxy": "", "WATCH_ALLOW_PRIVATE": "1"}
    run(tmp_path, {"public": f"{PUBLIC}/hostile/ssrf.xml"}, env)
    assert (
        f"http://127.0.0.1:{site.base_url.rsplit(':', 1)[1]}/articles/a1.html" in site.hits[before:]
    )
    assert articles(tmp_path)["Loopback entry about adult learning"][1] == "page"


def test_a_source_on_a_private_address_may_link_to_it(site: TestSite, tmp_path: Path) -> None:
    # every other test's sources live on 127.0.0.1 and fetch their pages there
    run(tmp_path, {"rss2": site.url("/feeds/rss2.xml")})
    assert {how for _, how, _ in articles(tmp_path).values()} >= {"page"}


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.0.0.8", True),
        ("172.16.5.4", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("fd00::1", True),
        ("::ffff:10.0.0.1", True),
        ("224.0.0.1", True),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("not-an-ip", False),
    ],
)
def test_private_addresses(address: str, private: bool) -> None:
    assert is_private_address(address) is private
