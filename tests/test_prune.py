"""``llwatch prune --older-than``: old articles deleted with everything derived from them,
pinned picks never touched, nothing while a crawl runs, bad ages refused in one line; on
Elasticsearch one ``_delete_by_query`` task (polled), the outbox's old articles dropped, a
failed task or an absent cluster said in one line."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import llwatch
from tests.esnode import FakeCluster
from tests.test_store_contract import article
from watch.config import WatchConfig
from watch.crawl import crawl_lock
from watch.errors import ConfigError, CrawlLocked, StoreUnavailable
from watch.picks import Picks
from watch.prune import parse_age, prune, prune_index
from watch.query import parse
from watch.store import open_store
from watch.store.columns import Columns

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def filled(data_dir: Path, config: WatchConfig | None = None) -> None:
    store = open_store(data_dir, config=config)
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


# --- on Elasticsearch (the stand-in cluster of tests/esnode.py: what is sent, and its effect) --


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")
    with FakeCluster.running() as server:
        yield server


def es_filled(data_dir: Path, cluster: FakeCluster) -> WatchConfig:
    config = WatchConfig.load({"WATCH_DATA_DIR": str(data_dir), "WATCH_ES_URL": cluster.url},
                              env={})  # fmt: skip
    filled(data_dir, config)
    store = open_store(data_dir, config=config)
    waiting = [article(n, f"Waiting {n}", "Queued.", id=f"w{n:02d}",
                       published_at=f"{2015 + n}-05-01T10:00:00Z") for n in (1, 10)]  # fmt: skip
    store.state.outbox_put(waiting, "the cluster was away")  # 2016 (old) and 2025 (recent)
    store.close()
    return config


def test_prune_on_elasticsearch(tmp_path: Path, cluster: FakeCluster) -> None:
    config = es_filled(tmp_path, cluster)
    assert len(cluster.docs) == 24
    dry = prune_index(config, parse_age("5y"), dry_run=True, now=NOW)
    assert (dry.deleted, dry.kept_pinned, dry.outbox) == (13, 1, 1)
    assert len(cluster.docs) == 24
    cluster.task_polls = 2  # a long delete: the task is polled until it completes
    done = prune_index(config, parse_age("5y"), now=NOW, poll=0.01)
    assert (done.deleted, done.kept_pinned, done.outbox) == (13, 1, 1)
    assert "p01" in cluster.docs  # pinned
    assert len(cluster.docs) == 11
    sent = [(path, json.loads(body)) for method, path, body in cluster.log
            if path.endswith("/_delete_by_query")]  # fmt: skip
    assert len(sent) == 1
    assert sent[0][1]["query"] == {"bool": {
        "filter": [{"range": {"date": {"lt": "2021-06-01T00:00:00Z"}}}],
        "must_not": [{"ids": {"values": ["p01"]}}]}}  # fmt: skip
    polls = [path for method, path, _ in cluster.log if path.startswith("/_tasks/")]
    assert polls == ["/_tasks/fake:1"] * 3
    store = open_store(tmp_path)
    assert [a.id for a in store.state.outbox_take()] == ["w10"]  # the old one is not sent later
    store.close()


def test_prune_on_elasticsearch_says_what_went_wrong(tmp_path: Path, cluster: FakeCluster) -> None:
    config = es_filled(tmp_path, cluster)
    cluster.delete_failures = [{"index": "llwatch-articles-v1", "id": "p02", "status": 503,
                                "cause": {"type": "es_rejected_execution_exception",
                                          "reason": "rejected execution"}}]  # fmt: skip
    with pytest.raises(StoreUnavailable) as caught:
        prune_index(config, parse_age("5y"), now=NOW, poll=0.01)
    assert str(caught.value) == ("llwatch-articles: deleting the old articles stopped (task "
                                 "fake:1: rejected execution) — run llwatch prune again")  # fmt: skip
    assert len(cluster.docs) == 24
    store = open_store(tmp_path)
    assert len(store.state.outbox_take()) == 2  # nothing dropped when the index was not pruned
    store.close()


def test_the_command_on_elasticsearch(tmp_path: Path, cluster: FakeCluster) -> None:
    es_filled(tmp_path, cluster)
    env = {"WATCH_ES_URL": cluster.url, "WATCH_ES_TIMEOUT": "15"}
    dry = llwatch("prune", "--data-dir", str(tmp_path), "--older-than", "3y", "--dry-run", env=env)
    assert dry.code == 0, dry.stderr
    assert "would be deleted; 1 pinned kept; 1 waiting for the index would be dropped" in dry.stdout
    cluster.dead = True
    away = llwatch("prune", "--data-dir", str(tmp_path), "--older-than", "3y", env=env)
    assert away.code != 0
    assert cluster.url.split("//")[1] in away.stderr
    assert len(away.stderr.strip().splitlines()) == 1
    cluster.dead = False
    assert len(cluster.docs) == 24


def test_prune_on_a_real_cluster(tmp_path: Path) -> None:
    url = os.environ.get("WATCH_TEST_ES_URL", "")
    if not url:
        pytest.skip("real cluster: WATCH_TEST_ES_URL is not set (no cluster can be installed "
                    "here; see docker-compose.yml)")  # fmt: skip
    from watch.store.elastic_client import connect
    from watch.store.elastic_docs import load_mapping
    from watch.store.elastic_index import init_index

    prefix = f"llwatch-test-{uuid.uuid4().hex[:12]}"
    config = WatchConfig.load({"WATCH_DATA_DIR": str(tmp_path), "WATCH_ES_URL": url,
                               "WATCH_ES_INDEX": prefix}, env={})  # fmt: skip
    client = connect(config)
    init_index(client, prefix, load_mapping())
    try:
        filled(tmp_path, config)
        assert prune_index(config, parse_age("5y"), dry_run=True, now=NOW).deleted == 13
        done = prune_index(config, parse_age("5y"), now=NOW, poll=0.2)
        assert (done.deleted, done.kept_pinned) == (13, 1)
        store = open_store(tmp_path, config=config)
        assert store.articles.count() == 11
        assert store.articles.get("p01") is not None
        store.close()
    finally:
        client.indices.delete(index=f"{prefix}-articles-*")
