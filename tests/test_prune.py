"""``llwatch prune --older-than``: old articles deleted with everything derived from them,
pinned picks never touched, nothing while a crawl runs, bad ages refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import llwatch
from tests.test_store_contract import article
from watch.crawl import crawl_lock
from watch.errors import ConfigError, CrawlLocked
from watch.picks import Picks
from watch.prune import parse_age, prune
from watch.query import parse
from watch.store import open_store
from watch.store.columns import Columns

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def filled(data_dir: Path) -> None:
    store = open_store(data_dir)
    store.articles.upsert([
        article(n, f"Literacy story {n}", f"Adult learners, year {2015 + n % 12}.",
                id=f"p{n:02d}", url=f"https://x.example/{n}", canonical_url=f"https://x.example/{n}",
                published_at=f"{2015 + n % 12}-03-01T10:00:00Z", countries=["SN"])
        for n in range(1, 25)
    ])  # fmt: skip
    Picks(store.db).pin(store.articles.get("p01"), "2016-W09")  # type: ignore[arg-type]
    store.close()


@pytest.mark.parametrize(("text", "days"), [("5y", 1826), ("18mo", 548), ("2w", 14),
                                            ("90d", 90), (" 1Y ", 365)])  # fmt: skip
def test_ages(text: str, days: int) -> None:
    assert parse_age(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["5", "0d", "10m", "y5", "-1y", "forever", ""])
def test_bad_ages_are_one_line(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_age(text)
    assert "\n" not in str(caught.value)


def test_prune_keeps_pins_and_recent_articles(tmp_path: Path) -> None:
    filled(tmp_path)
    reader = open_store(tmp_path, readonly=True, columns=Columns())  # the web app, meanwhile
    before = reader.articles.facets(None, ("year",), 50)
    dry = prune(tmp_path, parse_age("5y"), dry_run=True, now=NOW)
    assert (dry.deleted, dry.kept_pinned) == (13, 1)  # 2 a year in 2015..2021, less p01 (pinned)
    assert reader.articles.count() == 24
    done = prune(tmp_path, parse_age("5y"), now=NOW)
    assert (done.deleted, done.kept_pinned) == (13, 1)
    left = {h.article.id for h in reader.articles.search(None, limit=50).hits}
    assert "p01" in left
    assert len(left) == 11  # 2022..2026 and the pinned one
    assert all(reader.articles.get(i) is None for i in ("p02", "p05"))
    assert reader.articles.search(parse('"year 2017"')).total == 0  # gone from the index too
    plain = open_store(tmp_path, readonly=True)
    assert reader.articles.facets(None, ("year", "country"), 50) == plain.articles.facets(
        None, ("year", "country"), 50)  # fmt: skip
    assert reader.articles.facets(None, ("year",), 50) != before
    plain.close()
    reader.close()
    with crawl_lock(tmp_path), pytest.raises(CrawlLocked):
        prune(tmp_path, parse_age("1y"), now=NOW)


def test_the_command(tmp_path: Path) -> None:
    filled(tmp_path)
    dry = llwatch("prune", "--data-dir", str(tmp_path), "--older-than", "3y", "--dry-run")
    assert dry.code == 0, dry.stderr
    assert "would be deleted; 1 pinned kept" in dry.stdout
    bad = llwatch("prune", "--data-dir", str(tmp_path), "--older-than", "3 months")
    assert bad.code == 2
    assert "--older-than '3 months'" in bad.stderr
