"""Source health: graded failures, adaptive polling, revalidation of lying servers, and
``llwatch sources health`` after a real crawl of the local test site."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CrawlRun, crawl, llwatch
from tests.sitegen import TestSite
from watch.collect import REVALIDATE_EVERY, send_validators
from watch.health import (
    DEAD_SCORE,
    MAX_BACKOFF,
    PublishingStats,
    adaptive_interval,
    assess,
    failure_weight,
)
from watch.sources import Source
from watch.store import DB_NAME
from watch.store.base import SourceState

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
HOUR = 3600


def source(interval: int = 6 * HOUR, enabled: bool = True) -> Source:
    return Source("s", "S", "https://s.org/feed", "feed", "FR", ("fr",), "ngo",
                  "lifelong-learning", 1.0, (), enabled, interval)  # fmt: skip


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("error", "weight"),
    [
        ("HTTP 404", 1.0),
        ("DNS lookup failed (check the host name)", 1.0),
        ("not a feed: the server sent an HTML page", 1.0),
        ("HTTP 503", 0.5),
        ("HTTP 429", 0.5),
        ("connection refused (server down?)", 0.5),
        ("timed out after 30s", 0.25),
        ("connection lost before a complete response", 0.25),
    ],
)
def test_hard_errors_count_more_than_timeouts(error: str, weight: float) -> None:
    assert failure_weight(error) == weight


def test_interval_follows_the_publishing_rate_within_bounds() -> None:
    base = source(6 * HOUR)
    busy = PublishingStats(window=900, window_oldest=ago(90))  # 10 a day
    assert adaptive_interval(base, busy, now=NOW) == int(1.5 * HOUR)  # base / 4 at most
    daily = PublishingStats(window=90, window_oldest=ago(90))
    assert adaptive_interval(base, daily, now=NOW) == 12 * HOUR  # half the daily gap
    weekly = PublishingStats(window=13, window_oldest=ago(90))
    assert adaptive_interval(base, weekly, now=NOW) == 24 * HOUR  # base x 4 at most
    assert adaptive_interval(base, PublishingStats(window=2, window_oldest=ago(9)), now=NOW) == (
        6 * HOUR
    )  # too few articles to tell: the feeds.yaml interval


def test_failing_sources_back_off_but_are_never_dropped() -> None:
    base = source(6 * HOUR)
    assert adaptive_interval(base, PublishingStats(), consecutive_failures=1) == 12 * HOUR
    assert adaptive_interval(base, PublishingStats(), consecutive_failures=9) == MAX_BACKOFF


def test_health_states() -> None:
    fine = SourceState("s", last_success=ago(0.1), last_attempt=ago(0.1))
    steady = PublishingStats(recent=8, before=24, newest=ago(2), total=40)
    assert assess(source(), fine, steady, NOW).state == "ok"
    dead = SourceState("s", consecutive_failures=3, failure_score=DEAD_SCORE, last_error="HTTP 410")
    health = assess(source(), dead, steady, NOW)
    assert health.state == "dead"
    assert health.flags[1] == "failing: 3 failed poll(s) in a row"
    flaky = SourceState("s", last_success=ago(1), consecutive_failures=2, failure_score=0.5)
    assert assess(source(), flaky, steady, NOW).state == "failing"
    silent = PublishingStats(recent=0, before=0, newest=ago(45), total=30)
    assert assess(source(), fine, silent, NOW).flags == ["silent: no new article for 45 days"]
    dropping = PublishingStats(recent=1, before=36, newest=ago(3), total=60)
    assert assess(source(), fine, dropping, NOW).state == "dropping"
    assert assess(source(), None, PublishingStats(), NOW).state == "new"
    assert assess(source(enabled=False), dead, steady, NOW).state == "disabled"


def test_every_nth_unchanged_poll_is_unconditional() -> None:
    sent = [send_validators(SourceState("s", unchanged_polls=n)) for n in range(8)]
    assert sent.count(False) == 8 // REVALIDATE_EVERY
    assert sent[REVALIDATE_EVERY - 1] is False


# --- after real crawls ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawled(
    site: TestSite, site_sources: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, CrawlRun]:
    data_dir = tmp_path_factory.mktemp("health")
    return data_dir, crawl(data_dir, site_sources)


def states(data_dir: Path) -> dict[str, sqlite3.Row]:
    with sqlite3.connect(data_dir / DB_NAME) as db:
        db.row_factory = sqlite3.Row
        return {r["source_id"]: r for r in db.execute("SELECT * FROM source_state")}


def test_failures_are_graded_in_the_store(crawled: tuple[Path, CrawlRun]) -> None:
    found = states(crawled[0])
    assert found["not-found"]["failure_score"] == 1.0
    assert found["server-error"]["failure_score"] == 0.5
    assert found["slow"]["failure_score"] == 0.25
    assert found["rss2"]["failure_score"] == 0.0
    assert found["not-found"]["interval"] == 12 * HOUR  # backing off
    # four articles dated weeks apart: polled less often, at most four times its 6h interval
    assert 6 * HOUR <= found["rss2"]["interval"] <= 24 * HOUR


def test_sources_health_command(crawled: tuple[Path, CrawlRun], site_sources: Path) -> None:
    args = ("--data-dir", str(crawled[0]), "--sources", str(site_sources))
    done = llwatch("sources", "health", *args, "--json")
    assert done.code == 1  # some sources are failing
    report = {h["source_id"]: h for h in map(json.loads, done.stdout.splitlines())}
    assert report["not-found"]["state"] == "failing"
    assert report["not-found"]["last_error"] == "HTTP 404"
    assert report["rss2"]["state"] == "ok"
    assert report["rss2"]["per_week"] > 0
    states_in_order = [h["state"] for h in report.values()]
    assert states_in_order == sorted(
        states_in_order, key=("dead", "failing", "silent", "dropping", "new", "ok").index
    )
    table = llwatch("sources", "health", *args)
    assert "not-found" in table.stdout
    assert "HTTP 404" in table.stdout
    assert "failing" in table.stdout.splitlines()[-1]


def test_health_without_a_store_says_new(tmp_path: Path, site_sources: Path) -> None:
    done = llwatch("sources", "health", "--data-dir", str(tmp_path), "--sources",
                   str(site_sources), "--json")  # fmt: skip
    assert done.code == 0, done.stderr
    assert {json.loads(line)["state"] for line in done.stdout.splitlines()} == {"new"}


def test_a_server_lying_with_its_etag_is_caught(site: TestSite, tmp_path: Path) -> None:
    sources = tmp_path / "feeds.yaml"
    sources.write_text(
        "sources:\n  - id: liar\n    name: Liar\n    org_type: media\n    languages: [en]\n"
        f"    country: GB\n    url: {site.url('/hostile/lying-etag.xml')}\n",
        "utf-8",
    )
    data = tmp_path / "data"
    site.version = 0
    assert crawl(data, sources).code == 0
    site.version = 7  # the feed changes; the server keeps answering 304 to its old ETag
    assert crawl(data, sources, "--force").by_source["liar"]["status"] == "not_modified"
    with sqlite3.connect(data / DB_NAME) as db:
        db.execute(f"UPDATE source_state SET unchanged_polls = {REVALIDATE_EVERY - 1}")
    run = crawl(data, sources, "--force")
    assert run.by_source["liar"]["status"] == "ok"
    assert run.by_source["liar"]["updated"] == 1
    site.version = 0


def test_crawl_summary_points_at_sources_needing_a_person(
    crawled: tuple[Path, CrawlRun], site_sources: Path
) -> None:
    data_dir = crawled[0]
    with sqlite3.connect(data_dir / DB_NAME) as db:
        db.execute("UPDATE source_state SET failure_score = 3 WHERE source_id = 'not-found'")
    done = llwatch("crawl", "--data-dir", str(data_dir), "--sources", str(site_sources),
                   "--source", "rss2")  # fmt: skip
    assert done.code == 0, done.stderr
    assert "1 dead — see `llwatch sources health`" in done.stderr
