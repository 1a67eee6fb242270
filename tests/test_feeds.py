"""Tests of watch.feeds: RSS/Atom/JSON Feed bytes in, plain ParsedFeed out.

Data-driven: each file in ``tests/fixtures/feeds/`` is one case and carries its expectation in a
sidecar ``<name>.expect.json`` (the name without its last extension), either::

    {"error": "<substring of the SourceError message>"}

or::

    {"version": "rss20", "title": "...", "language": "en", "entries": 2,
     "warning": true,                       # optional: feedparser's bozo is expected
     "content_type": "application/json",    # optional: the Content-Type passed to parse_feed
     "first": {"key": "...", "link": "...", "title": "...", "published": "2024-05-07T12:30:00Z",
               "updated": "...",            # optional
               "authors": ["..."], "language": "",
               "summary_contains": "...", "content_contains": "...",   # optional substrings
               "content_excludes": "..."}}  # optional: text that must be in neither

Every case is parsed as if downloaded from ``FEED_URL`` (relative links resolve against it).
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from watch.errors import SourceError
from watch.feeds import FeedEntry, ParsedFeed, iso_utc, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
FEED_URL = "https://example.org/news/feed.xml"
from tests.conftest import CORPORA  # noqa: E402

REAL_FEEDS = CORPORA / "feeds-real"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
SIDECAR = ".expect.json"


# --- the fixture folder --------------------------------------------------------------------


def _sidecar(case: Path) -> Path:
    return case.with_name(case.name.rsplit(".", 1)[0] + SIDECAR)


def _cases() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_file() and not p.name.endswith(SIDECAR))


def _check_entry(entry: FeedEntry, expected: dict[str, Any]) -> None:
    for name in ("key", "link", "title", "published", "authors", "language", "updated"):
        if name in expected:
            assert getattr(entry, name) == expected[name], name
    if "summary_contains" in expected:
        assert expected["summary_contains"] in entry.summary
    if "content_contains" in expected:
        assert expected["content_contains"] in entry.content
    if "content_excludes" in expected:
        assert expected["content_excludes"] not in entry.content + entry.summary


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_feed_fixture(case: Path) -> None:
    expected = json.loads(_sidecar(case).read_text(encoding="utf-8"))
    body, content_type = case.read_bytes(), expected.get("content_type", "")
    if "error" in expected:
        with pytest.raises(SourceError, match=re.escape(expected["error"])):
            parse_feed(body, FEED_URL, content_type)
        return
    feed = parse_feed(body, FEED_URL, content_type)
    got = (feed.version, feed.title, feed.language, len(feed.entries))
    assert got == (
        expected["version"],
        expected["title"],
        expected["language"],
        expected["entries"],
    )
    assert bool(feed.warning) is expected.get("warning", False), feed.warning
    _check_entry(feed.entries[0], expected["first"])
    _check_invariants(feed)


def test_every_fixture_has_a_sidecar_and_every_sidecar_a_fixture() -> None:
    cases = _cases()
    assert len(cases) >= 20
    assert [c.name for c in cases if not _sidecar(c).is_file()] == []
    stems = {c.name.rsplit(".", 1)[0] for c in cases}
    orphans = [p.name for p in FIXTURES.glob("*" + SIDECAR) if p.name[: -len(SIDECAR)] not in stems]
    assert orphans == []


def test_fixtures_cover_every_format() -> None:
    versions = set()
    for case in _cases():
        expected = json.loads(_sidecar(case).read_text(encoding="utf-8"))
        versions.add(expected.get("version"))
    wanted = {"rss091n", "rss092", "rss10", "rss20", "atom03", "atom10", "json1", "json11"}
    assert wanted <= versions


def _check_invariants(feed: ParsedFeed) -> None:
    for entry in feed.entries:
        assert entry.key
        assert entry.link == "" or entry.link.startswith(("http://", "https://"))
        assert entry.link or entry.title
        for moment in (entry.published, entry.updated):
            assert moment == "" or ISO_UTC.fullmatch(moment), moment
        assert all(isinstance(a, str) and a for a in entry.authors)
        assert entry.language == "" or re.fullmatch(r"[a-z]{2}", entry.language)


# --- behaviour not tied to one fixture -----------------------------------------------------


def _json_feed(*items: dict[str, Any], version: str = "1.1") -> bytes:
    feed = {
        "version": f"https://jsonfeed.org/version/{version}",
        "title": "T",
        "items": list(items),
    }
    return json.dumps(feed).encode("utf-8")


def _rss(item_xml: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://example.org/</link><description>d</description>{item_xml}</channel></rss>"
    ).encode()


def test_json_content_type_routes_to_the_json_reader() -> None:
    body = b"\n  " + _json_feed({"id": "1", "url": "/a", "title": "A"})
    feed = parse_feed(body, FEED_URL, "application/feed+json; charset=utf-8")
    assert feed.version == "json11"
    assert feed.entries[0].link == "https://example.org/a"


def test_json_feed_with_bom_and_json_content_type() -> None:
    body = b"\xef\xbb\xbf" + _json_feed({"id": "1", "url": "https://example.org/a"})
    assert parse_feed(body, FEED_URL, "application/json").entries[0].key == "1"


def test_json_feed_with_bom_without_content_type() -> None:
    body = b"\xef\xbb\xbf" + _json_feed({"id": "1", "url": "https://example.org/a"})
    assert parse_feed(body, FEED_URL).version == "json11"


@pytest.mark.parametrize("value", ["2024-05-02T10:00:00", "2024-05-02"])
def test_json_feed_date_without_offset(value: str) -> None:
    feed = parse_feed(_json_feed({"id": "1", "url": "/a", "date_published": value}), FEED_URL)
    assert feed.entries[0].published in {"2024-05-02T10:00:00Z", "2024-05-02T00:00:00Z", ""}


def test_parse_feed_does_not_trigger_feedparser_deprecation_warning() -> None:
    body = _rss(
        "<item><title>A</title><link>https://example.org/a</link>"
        "<pubDate>Mon, 06 May 2024 09:00:00 GMT</pubDate></item>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        parse_feed(body, FEED_URL)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2, 3]", "not a feed"),
        (b"null", "not a feed"),
        (b'{"version": 2, "items": []}', "jsonfeed.org version"),
        (b'{"version": "https://example.org/version/1", "items": []}', "jsonfeed.org version"),
        (b"\xff\xfe\x00garbage\x00", "not a feed"),
        (b"<html><body>Parked domain</body></html>", "HTML page"),
        (b"Just some plain text, no markup at all.", "not a feed"),
        (b'<?xml version="1.0"?><catalog><book>XML, but no feed</book></catalog>', "not a feed"),
    ],
)
def test_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=re.escape(message)) as info:
        parse_feed(body, FEED_URL)
    assert "\n" not in str(info.value)  # one line for the CLI and the run record


def test_json_feed_skips_bad_items_and_keeps_title_only_ones() -> None:
    feed = parse_feed(
        _json_feed(
            {"id": "a", "url": "mailto:someone@example.org"},  # no http link, no title: dropped
            {"id": "b", "url": "ftp://example.org/x", "title": "Kept"},  # title only: kept
            {"title": "No id"},  # key falls back to a hash of the title
        ),
        FEED_URL,
    )
    assert [(e.key, e.link, e.title) for e in feed.entries] == [
        ("b", "", "Kept"),
        ("title:f70ad503add9de3ad4150507", "", "No id"),  # sha256("No id")[:24]
    ]


def test_key_of_title_only_entries_is_stable_and_title_specific() -> None:
    def key(title: str) -> str:
        return parse_feed(_json_feed({"title": title}), FEED_URL).entries[0].key

    assert key("Evening classes") == key("Evening classes")
    assert key("Evening classes") != key("Morning classes")


@pytest.mark.parametrize(
    ("offset", "kept"),
    [
        (timedelta(hours=-2), True),
        (timedelta(hours=12), True),  # within the one-day tolerance for skewed clocks
        (timedelta(days=3), False),
        (timedelta(days=365 * 50), False),
    ],
)
def test_future_dates_are_dropped(offset: timedelta, kept: bool) -> None:
    moment = datetime.now(UTC) + offset
    feed = parse_feed(
        _json_feed({"id": "1", "url": "/a", "date_published": moment.isoformat()}), FEED_URL
    )
    assert feed.entries[0].published == (iso_utc(moment) if kept else "")


@pytest.mark.parametrize(
    "pub_date", ["Thu, 01 Jan 1970 00:00:00 GMT", "Sun, 31 Dec 1989 23:00:00 GMT", "not a date"]
)
def test_implausible_or_broken_rss_dates_are_empty(pub_date: str) -> None:
    body = _rss(
        f"<item><title>A</title><link>https://example.org/a</link><pubDate>{pub_date}</pubDate></item>"
    )
    assert parse_feed(body, FEED_URL).entries[0].published == ""


def test_relative_links_resolve_against_the_given_url() -> None:
    body = _rss("<item><title>A</title><link>../archive/a.html</link></item>")
    feed = parse_feed(body, "https://example.org/news/sub/feed.xml")
    assert feed.entries[0].link == "https://example.org/news/archive/a.html"


def test_guid_permalink_is_the_link_when_no_link() -> None:
    body = _rss("<item><title>A</title><guid>https://example.org/guid-link</guid></item>")
    entry = parse_feed(body, FEED_URL).entries[0]
    assert (entry.key, entry.link) == (
        "https://example.org/guid-link",
        "https://example.org/guid-link",
    )


def test_html_in_titles_is_turned_into_text() -> None:
    body = _rss(
        "<item><title>&lt;b&gt;Night&lt;/b&gt; school &amp;amp; more</title>"
        "<link>https://example.org/a</link></item>"
    )
    assert parse_feed(body, FEED_URL).entries[0].title == "Night school & more"


# --- FeedEntry.fingerprint, iso_utc --------------------------------------------------------


def _entry(**changes: Any) -> FeedEntry:
    values: dict[str, Any] = {
        "key": "k1",
        "link": "https://example.org/a",
        "title": "Evening classes",
        "summary": "Classes for adults.",
        "content": "Full text.",
        "published": "2024-05-01T10:00:00Z",
        "updated": "2024-05-02T10:00:00Z",
        "authors": ["A. Writer"],
        "language": "en",
    }
    return FeedEntry(**(values | changes))


def test_fingerprint_is_stable() -> None:
    fingerprint = _entry().fingerprint
    assert re.fullmatch(r"[0-9a-f]{24}", fingerprint)
    assert _entry().fingerprint == fingerprint


def test_fingerprint_is_stable_across_parses() -> None:
    body = (FIXTURES / "rss20.xml").read_bytes()
    first = [e.fingerprint for e in parse_feed(body, FEED_URL).entries]
    assert [e.fingerprint for e in parse_feed(body, FEED_URL).entries] == first
    assert len(set(first)) == len(first)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Evening classes (updated)"},
        {"updated": "2024-05-03T10:00:00Z"},
        {"summary": "Classes for adults, now free."},
        {"link": "https://example.org/b"},
        {"published": "2024-05-01T11:00:00Z"},
    ],
)
def test_fingerprint_changes_with_what_the_feed_shows(change: dict[str, str]) -> None:
    assert _entry(**change).fingerprint != _entry().fingerprint


@pytest.mark.parametrize(
    "change",
    [
        {"key": "other-guid"},
        {"content": "Another full text."},
        {"authors": ["Someone Else"]},
        {"language": "fr"},
    ],
)
def test_fingerprint_ignores_what_the_feed_does_not_show(change: dict[str, Any]) -> None:
    assert _entry(**change).fingerprint == _entry().fingerprint


def test_fingerprint_reads_the_first_500_characters_of_the_summary() -> None:
    head = "Classes for adults. " * 25  # 500 characters
    assert (
        _entry(summary=head + "tail A").fingerprint == _entry(summary=head + "tail B").fingerprint
    )
    assert _entry(summary="A" + head[1:]).fingerprint != _entry(summary=head).fingerprint


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 26, 14, 5, tzinfo=UTC), "2026-11-26T14:05:00Z"),
        (datetime(2026, 11, 26, 14, 5, 7, 999999, tzinfo=UTC), "2026-11-26T14:05:07Z"),
        (datetime(2026, 11, 26, 14, 5), "2026-11-26T14:05:00Z"),  # naive is UTC
        (datetime(2026, 11, 26, 1, 0, tzinfo=timezone(timedelta(hours=2))), "2026-11-25T23:00:00Z"),
        (datetime(2026, 1, 1, 20, 0, tzinfo=timezone(timedelta(hours=-5))), "2026-01-02T01:00:00Z"),
    ],
)
def test_iso_utc(moment: datetime, expected: str) -> None:
    assert iso_utc(moment) == expected


# --- the real-feeds corpus -----------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, str]]:
    if not (REAL_FEEDS / "manifest.tsv").is_file():
        pytest.skip(f"feeds corpus not found at {REAL_FEEDS} (set LLWATCH_CORPORA)")
    with (REAL_FEEDS / "manifest.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def parsed(manifest: list[dict[str, str]]) -> dict[str, ParsedFeed | Exception]:
    """Every corpus file parsed once: the ParsedFeed, or the exception raised."""
    results: dict[str, ParsedFeed | Exception] = {}
    for row in manifest:
        try:
            results[row["file"]] = parse_feed((REAL_FEEDS / row["file"]).read_bytes(), FEED_URL)
        except Exception as exc:  # what is raised is the point of the tests below
            results[row["file"]] = exc
    return results


def _is_feed(row: dict[str, str]) -> bool:
    return row["format"].startswith(("RSS", "Atom"))


def test_corpus_manifest_matches_the_files(manifest: list[dict[str, str]]) -> None:
    assert len(manifest) >= 180
    assert [r["file"] for r in manifest if not (REAL_FEEDS / r["file"]).is_file()] == []


def test_corpus_parses_or_raises_source_error(parsed: dict[str, ParsedFeed | Exception]) -> None:
    others = {
        name: f"{type(result).__name__}: {result}"
        for name, result in parsed.items()
        if isinstance(result, Exception) and not isinstance(result, SourceError)
    }
    assert others == {}


def test_corpus_entries_are_plain_and_well_formed(
    parsed: dict[str, ParsedFeed | Exception],
) -> None:
    for result in parsed.values():
        if isinstance(result, ParsedFeed):
            _check_invariants(result)


def test_corpus_entry_counts_match_the_manifest(
    manifest: list[dict[str, str]], parsed: dict[str, ParsedFeed | Exception]
) -> None:
    rows = [r for r in manifest if _is_feed(r) and r["items"].isdigit()]
    differ = {}
    for row in rows:
        result = parsed[row["file"]]
        got = len(result.entries) if isinstance(result, ParsedFeed) else repr(result)
        if got != int(row["items"]):
            differ[row["file"]] = (int(row["items"]), got)
    # Known: node-feedparser/illegally-nested.xml (20 items, feedparser recovers 10).
    print(f"{len(differ)} of {len(rows)} feeds differ from the manifest:", differ)
    assert len(rows) >= 170
    assert (len(rows) - len(differ)) / len(rows) >= 0.95, differ


def test_corpus_feeds_are_recognised(
    manifest: list[dict[str, str]], parsed: dict[str, ParsedFeed | Exception]
) -> None:
    failed = {
        r["file"]: str(parsed[r["file"]])
        for r in manifest
        if _is_feed(r) and not isinstance(parsed[r["file"]], ParsedFeed)
    }
    assert failed == {}


def test_corpus_html_pages_are_rejected(
    manifest: list[dict[str, str]], parsed: dict[str, ParsedFeed | Exception]
) -> None:
    html = [r["file"] for r in manifest if r["format"].startswith("HTML")]
    assert len(html) == 3
    for name in html:
        result = parsed[name]
        assert isinstance(result, SourceError), name
        assert "HTML" in str(result), name
