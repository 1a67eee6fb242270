"""Real crawls (Scrapy, in a child process, like an operator's) of the local test site."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CrawlRun, crawl, llwatch
from tests.sitegen import FAILING, SOURCES, TestSite
from watch.crawl import crawl_lock


def rows(data_dir: Path, sql: str, *params: Any) -> list[sqlite3.Row]:
    conn = sqlite3.connect(data_dir / "watch.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def article(data_dir: Path, url_part: str) -> sqlite3.Row:
    found = rows(data_dir, "SELECT * FROM articles WHERE canonical_url LIKE ?", f"%{url_part}%")
    assert len(found) == 1, f"{url_part}: {len(found)} articles"
    return found[0]


@pytest.fixture(scope="module")
def first(
    site: TestSite, site_sources: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, CrawlRun]:
    data_dir = tmp_path_factory.mktemp("crawl")
    return data_dir, crawl(data_dir, site_sources)


@pytest.fixture(scope="module")
def second(
    first: tuple[Path, CrawlRun], site: TestSite, site_sources: Path
) -> tuple[CrawlRun, list[str]]:
    data_dir, _ = first
    mark = len(site.hits)
    run = crawl(data_dir, site_sources, "--force")
    return run, site.page_hits(mark)


def test_first_crawl_exit_code_and_outcomes(first: tuple[Path, CrawlRun]) -> None:
    _, run = first
    assert run.code == 1, run.stderr  # some sources fail, everything else is stored
    outcomes = {sid: rec["status"] for sid, rec in run.by_source.items()}
    assert outcomes == {
        sid: "failed" if sid in FAILING else "ok" for sid in [*SOURCES, "down", "general"]
    }


@pytest.mark.parametrize(
    ("source_id", "reason"),
    [
        ("html", "HTML page"),
        ("empty", "empty response"),
        ("not-found", "HTTP 404"),
        ("server-error", "HTTP 500"),
        ("slow", "timed out after 1.5s"),
        ("loop", "too many redirects"),
        ("down", "connection refused"),
    ],
)
def test_failing_sources_say_why(first: tuple[Path, CrawlRun], source_id: str, reason: str) -> None:
    data_dir, run = first
    assert reason in run.by_source[source_id]["error"]
    state = rows(data_dir, "SELECT * FROM source_state WHERE source_id = ?", source_id)[0]
    assert state["consecutive_failures"] == 1
    assert reason in state["last_error"]


def test_every_feed_format_gives_articles(first: tuple[Path, CrawlRun]) -> None:
    data_dir, run = first
    entries = {sid: rec["entries"] for sid, rec in run.by_source.items() if rec["status"] == "ok"}
    assert entries == {"rss2": 4, "atom": 3, "json": 3, "rss1-moved": 1, "latin1": 1,
                       "changing": 1, "malformed": 2, "stale": 1, "general": 2}  # fmt: skip
    # 11 distinct articles: a1 is in three feeds and mirrored under another URL (same text),
    # a2 in two feeds, a8 in three; whichever source reaches an article first stores it; the
    # general source's sports story is not kept; n1 and its edited repost are two articles.
    assert sum(rec["new"] for rec in run.report["sources"]) == 11
    assert rows(data_dir, "SELECT count(*) FROM articles")[0][0] == 11


def test_general_sources_keep_only_relevant_articles(first: tuple[Path, CrawlRun]) -> None:
    data_dir, run = first
    assert run.by_source["general"]["not_relevant"] == 1  # the sports story
    assert rows(data_dir, "SELECT count(*) FROM articles WHERE url LIKE '%/s1.html'")[0][0] == 0
    a8 = article(data_dir, "/articles/a8.html")  # kept: about skills learnt outside school
    assert a8["relevance"] >= 0.5


def test_articles_are_understood(first: tuple[Path, CrawlRun]) -> None:
    data_dir, _ = first
    a5 = article(data_dir, "/articles/a5.html")
    assert "literacy" in a5["topics"]
    assert '"alphabétisation des adultes"' in a5["topics"].lower()
    assert a5["relevance"] > 0.5
    tagged = rows(
        data_dir, "SELECT count(DISTINCT article) FROM article_topics WHERE topic = 'literacy'"
    )
    assert tagged[0][0] >= 4


def test_article_fields(first: tuple[Path, CrawlRun]) -> None:
    data_dir, _ = first
    a5 = article(data_dir, "/articles/a5.html")
    assert a5["title"] == "Alphabétisation des adultes : les quartiers s'organisent"
    assert a5["extraction"] == "page"
    assert "(a5 §0.0)" in a5["text"]
    assert "Other story" not in a5["text"]
    assert a5["published_at"] == "2026-11-06T08:00:00Z"  # +01:00 to UTC
    assert a5["authors"] == '["Claire Formatrice"]'
    assert a5["summary"] == "Résumé de a5."
    assert (a5["language"], a5["source_id"], a5["source_country"]) == ("fr", "atom", "GB")
    assert a5["feed_url"].endswith("/feeds/atom.xml")
    assert len(a5["id"]) == 32


def test_tracking_parameters_removed(first: tuple[Path, CrawlRun]) -> None:
    a2 = article(first[0], "/articles/a2.html")
    assert a2["canonical_url"].endswith("/articles/a2.html")
    assert "utm_source" in a2["url"]  # the link as the feed gave it is kept


def test_languages_and_encodings(first: tuple[Path, CrawlRun]) -> None:
    data_dir, _ = first
    assert article(data_dir, "a5.html")["language"] == "fr"
    assert article(data_dir, "a6.html")["language"] == "es"
    a6 = article(data_dir, "a6.html")
    assert a6["published_at"] == "2026-11-07T15:00:00Z"  # -05:00 to UTC
    assert a6["authors"] == '["Lucía Periodista"]'
    a9 = article(data_dir, "a9.html")
    assert a9["title"] == "Formation à Besançon : élan pour l'éducation des adultes"


def test_page_failures_fall_back_to_feed_text(first: tuple[Path, CrawlRun]) -> None:
    data_dir, run = first
    private = article(data_dir, "/private/secret.html")
    assert private["extraction"] == "feed"
    assert private["extraction_note"] == "page: forbidden by robots.txt"
    assert "private story about adult learning" in private["text"]
    gone = article(data_dir, "/articles/gone.html")
    assert gone["extraction_note"] == "page: HTTP 404"
    assert run.by_source["rss2"]["fallback"] == 2


def test_same_text_at_another_url_is_one_article(first: tuple[Path, CrawlRun]) -> None:
    data_dir, _ = first
    # a1 and its mirrored copy have the same text: whichever came first is stored, unchanged.
    found = rows(
        data_dir, "SELECT id FROM articles WHERE url LIKE '%a1.html' OR url LIKE '%a1-copy.html'"
    )
    assert len(found) == 1
    entries = rows(data_dir, "SELECT DISTINCT article_id FROM entries WHERE entry_key IN "
                   "('copy-of-a1', 'a1', 'urn:test:a1')")  # fmt: skip
    assert [e[0] for e in entries] == [found[0][0]]


def test_repost_in_another_feed_joins_the_story_cluster(first: tuple[Path, CrawlRun]) -> None:
    data_dir, _ = first
    original, repost = article(data_dir, "/articles/n1.html"), article(data_dir, "n1-repost")
    assert original["id"] != repost["id"]  # two articles, one cluster headed by the earlier
    assert original["cluster_id"] == repost["cluster_id"] == original["id"]
    assert article(data_dir, "/articles/a5.html")["cluster_id"] != original["id"]
    found = llwatch("search", "--data-dir", str(data_dir), "--json", "reading circle")
    hits = {h["url"].rsplit("/", 1)[-1]: h for h in map(json.loads, found.stdout.splitlines())}
    assert {h["cluster_id"] for h in hits.values()} == {original["id"]}
    assert [h["cluster_size"] for h in hits.values()] == [2, 2]


def test_fts_index_in_sync(first: tuple[Path, CrawlRun]) -> None:
    data_dir, _ = first
    hits = rows(
        data_dir, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'alfabetización'"
    )
    assert len(hits) == 1
    integrity = "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"
    rows(data_dir, integrity)  # raises when the index and the table disagree


def test_second_crawl_adds_nothing_and_records_not_modified(
    first: tuple[Path, CrawlRun], second: tuple[CrawlRun, list[str]]
) -> None:
    data_dir, _ = first
    run, pages = second
    assert run.code == 1
    ok_sources = [sid for sid in SOURCES if sid not in FAILING and sid != "changing"]
    for sid in ok_sources:
        assert run.by_source[sid]["status"] == "not_modified", sid
    assert sum(rec["new"] for rec in run.report["sources"]) == 0
    assert pages == []  # no article page fetched again
    assert rows(data_dir, "SELECT count(*) FROM articles")[0][0] == 11
    dupes = "SELECT canonical_url, count(*) c FROM articles GROUP BY canonical_url HAVING c > 1"
    assert rows(data_dir, dupes) == []
    state = rows(data_dir, "SELECT * FROM source_state WHERE source_id = 'not-found'")[0]
    assert state["consecutive_failures"] == 2


def test_conditional_get_answered_with_304(
    first: tuple[Path, CrawlRun], second: tuple[CrawlRun, list[str]], site: TestSite
) -> None:
    # the last two polls are this module's first and second crawls (the site is shared by
    # every test module)
    rss2 = [status for path, status in site.statuses if path == "/feeds/rss2.xml"]
    assert rss2[-2:] == [200, 304]
    stale = [status for path, status in site.statuses if path == "/feeds/stale.xml"]
    assert stale[-2:] == [200, 200]  # the body hash caught it: see the not_modified above


def test_user_agent_names_llwatch_and_contact(
    tmp_path: Path, site: TestSite, site_sources: Path
) -> None:
    mark = len(site.agents)
    run = llwatch("crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources),
                  "--source", "rss1-moved", env={"WATCH_CONTACT_URL": "https://ops.example/crawler"})  # fmt: skip
    assert run.code == 0, run.stderr
    agents = set(site.agents[mark:])
    assert agents == {"llwatch/0.1.0 (+https://ops.example/crawler; lifelong-learning news watch)"}


def test_progress_line_on_request(tmp_path: Path, site_sources: Path) -> None:
    run = llwatch("crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources),
                  "--source", "atom", env={"WATCH_PROGRESS": "on"})  # fmt: skip
    assert run.code == 0
    assert "crawling: feeds 1" in run.stderr
    assert run.stderr.endswith("\x1b[K")


def test_runs_are_recorded_per_source(
    first: tuple[Path, CrawlRun], second: tuple[CrawlRun, list[str]]
) -> None:
    data_dir, _ = first
    runs = rows(data_dir, "SELECT * FROM runs ORDER BY id")
    assert [r["status"] for r in runs][:2] == ["partial", "partial"]
    per_source = rows(
        data_dir, "SELECT * FROM run_sources WHERE run_id = ? AND source_id = 'rss2'", runs[0]["id"]
    )
    assert per_source[0]["entries"] == 4
    assert per_source[0]["duration"] > 0
    assert per_source[0]["fallback"] == 2  # the robots.txt-forbidden and the 404 page


def test_changed_entry_is_fetched_again_and_updated_in_place(
    first: tuple[Path, CrawlRun],
    second: tuple[CrawlRun, list[str]],
    site: TestSite,
    site_sources: Path,
) -> None:
    data_dir, _ = first
    before = article(data_dir, "/articles/c1.html")
    site.version = 1
    mark = len(site.hits)
    run = crawl(data_dir, site_sources, "--source", "changing")
    site.version = 0
    assert run.code == 0, run.stderr
    assert run.by_source["changing"]["updated"] == 1
    assert site.page_hits(mark) == ["/articles/c1.html"]
    after = article(data_dir, "/articles/c1.html")
    assert after["id"] == before["id"]
    assert after["title"].endswith("(revised 1)")


def test_source_option_crawls_only_those(tmp_path: Path, site_sources: Path) -> None:
    run = crawl(tmp_path, site_sources, "--source", "atom", "--source", "json")
    assert run.code == 0, run.stderr
    assert sorted(run.by_source) == ["atom", "json"]


def test_unknown_source_id_is_bad_input(tmp_path: Path, site_sources: Path) -> None:
    run = crawl(tmp_path, site_sources, "--source", "nope")
    assert run.code == 2
    assert "unknown source id 'nope'" in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2


def test_not_due_sources_are_skipped(tmp_path: Path, site_sources: Path) -> None:
    crawl(tmp_path, site_sources, "--source", "atom")
    run = crawl(tmp_path, site_sources)  # no --force: atom polled a moment ago, interval 6h
    assert run.by_source["atom"]["status"] == "skipped"
    assert run.by_source["atom"]["error"] == "not due yet"
    assert run.by_source["json"]["status"] == "ok"


def test_second_crawl_while_one_runs_exits_clearly(tmp_path: Path, site_sources: Path) -> None:
    with crawl_lock(tmp_path):
        run = crawl(tmp_path, site_sources)
    assert run.code == 75
    assert "another crawl is running" in run.stderr
    assert run.stderr.count("\n") == 1


def test_bad_watch_list_stops_before_crawling(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text("sources:\n  - id: a\n    name: A\n    url: not-a-url\n    country: FR\n"
                   "    languages: [fr]\n    org_type: ngo\n    contry: FR\n")  # fmt: skip
    run = crawl(tmp_path / "data", bad)
    assert run.code == 2
    assert f"{bad}:4:" in run.stderr
    assert f"{bad}:8:" in run.stderr
    assert not (tmp_path / "data" / "watch.sqlite3").exists()


def test_data_dir_that_cannot_be_written(tmp_path: Path, site_sources: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = crawl(blocker / "data", site_sources)
    assert run.code == 2
    assert "data dir" in run.stderr
    assert "--data-dir" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_language_models_load_only_when_something_is_due(
    site_sources: Path, tmp_path: Path
) -> None:
    """Before the first request of a crawl with sources due (not on its first article, while
    requests wait); a crawl with nothing due does not pay for them."""
    busy = crawl(tmp_path, site_sources, "-v")
    assert "language models ready in" in busy.stderr
    idle = crawl(tmp_path, site_sources, "-v")  # right after: nothing is due yet
    assert all(s["status"] == "skipped" for s in idle.report["sources"]), idle.stdout
    assert "language models ready in" not in idle.stderr
