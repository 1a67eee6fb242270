"""Real crawls (Scrapy, in a child process) of the local test site into the stand-in cluster of
tests/esnode.py through WATCH_ES_URL: the same articles and near-duplicate clusters as on the
embedded store, the commands that read the index, and every fault of the cluster (down at start,
dying mid-crawl, slow, wrong credentials, index missing) ending with nothing lost and nothing
duplicated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from tests.conftest import CrawlRun, crawl, llwatch
from tests.esnode import FakeCluster
from tests.sitegen import TestSite, free_port
from tests.test_crawl import rows

HEALTHY = ("rss2", "atom", "json", "latin1")


@pytest.fixture(scope="module")
def es_sources(site: TestSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A watch list of the test site's healthy feeds (one has a repost of another's story)."""
    from tests.sitegen import SOURCES

    lines = ["defaults:", "  org_type: media", "  languages: [en]", "  country: GB", "sources:"]
    for sid in HEALTHY:
        lines += [f"  - id: {sid}", f"    name: Test {sid}", f"    url: {site.url(SOURCES[sid])}"]
    path = tmp_path_factory.mktemp("es-lists") / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    with FakeCluster.running() as server:
        yield server


def es_env(url: str, **extra: str) -> dict[str, str]:
    """A generous timeout: a loaded CI machine must not look like a slow cluster."""
    return {"WATCH_ES_URL": url, "WATCH_ES_TIMEOUT": "15"} | extra


def es_crawl(data_dir: Path, sources: Path, url: str, *args: str, **extra: str) -> CrawlRun:
    return llwatch(
        "crawl", "--data-dir", str(data_dir), "--sources", str(sources), "--format", "json",
        "--force", *args, env=es_env(url, **extra),
    )  # fmt: skip


def outbox(data_dir: Path) -> list[str]:
    return sorted(r["article_id"] for r in rows(data_dir, "SELECT article_id FROM outbox"))


def reclustered(docs: dict[str, dict[str, object]], where: Path) -> set[frozenset[str]]:
    """The clusters the embedded store gives the same articles (texts as the index holds them:
    two crawls of one site may differ, e.g. when a page times out on a busy machine)."""
    from watch.store import open_store
    from watch.store.elastic_docs import from_document

    store = open_store(where)
    try:
        articles = [from_document(d) for d in docs.values()]
        for article in articles:
            article.cluster_id = ""
        store.articles.upsert(sorted(articles, key=lambda a: a.id))
        rows = store.db.conn.execute("SELECT id, cluster_id FROM articles").fetchall()
    finally:
        store.close()
    return partition({r[0]: r[1] for r in rows})


def partition(pairs: dict[str, str]) -> set[frozenset[str]]:
    """Clusters as sets of article ids (cluster_id by article id)."""
    groups: dict[str, set[str]] = {}
    for article_id, cluster_id in pairs.items():
        groups.setdefault(cluster_id, set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def embedded(es_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The same crawl on the embedded store: article id -> cluster id."""
    data_dir = tmp_path_factory.mktemp("embedded")
    run = crawl(data_dir, es_sources, "--force")
    assert run.code == 0, run.stderr
    return {r["id"]: r["cluster_id"] for r in rows(data_dir, "SELECT id, cluster_id FROM articles")}


def test_a_crawl_fills_the_index_like_the_embedded_store(
    cluster: FakeCluster, es_sources: Path, embedded: dict[str, str], tmp_path: Path
) -> None:
    run = es_crawl(tmp_path, es_sources, cluster.url)
    assert run.code == 0, run.stderr
    assert run.report["index"] == "index: every article is in Elasticsearch"
    assert set(cluster.docs) == set(embedded)
    assert rows(tmp_path, "SELECT count(*) AS n FROM articles")[0]["n"] == 0  # state only
    assert outbox(tmp_path) == []
    clusters = {i: d["cluster_id"] for i, d in cluster.docs.items()}
    assert partition(clusters) == reclustered(cluster.docs, tmp_path / "again")
    assert any(len(group) > 1 for group in partition(clusters))  # the repost joined its story
    bulks = [entry for entry in cluster.log if entry[1].endswith("/_bulk")]
    assert bulks
    assert all(entry[0] == "PUT" for entry in bulks)
    # a second crawl finds everything unchanged and sends nothing
    sent = len(bulks)
    again = es_crawl(tmp_path, es_sources, cluster.url)
    assert again.code == 0, again.stderr
    assert sum(s["new"] + s["updated"] for s in again.report["sources"]) == 0
    assert len([e for e in cluster.log if e[1].endswith("/_bulk")]) == sent


def test_search_stats_and_export_read_the_index(
    cluster: FakeCluster, es_sources: Path, tmp_path: Path
) -> None:
    assert es_crawl(tmp_path, es_sources, cluster.url).code == 0
    env = es_env(cluster.url, WATCH_DATA_DIR=str(tmp_path))
    found = llwatch("search", "--json", "--sort", "date", "--limit", "500", "since:1994", env=env)
    assert found.code == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert {h["id"] for h in hits} == set(cluster.docs)
    assert max(h["cluster_size"] for h in hits) > 1
    stats = llwatch("stats", "--format", "json", env=env)
    assert stats.code == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == len(cluster.docs)
    exported = llwatch("export", "--format", "jsonl", env=env)
    assert exported.code == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == len(cluster.docs)


def test_a_cluster_down_at_start_loses_nothing_and_sync_delivers_once(
    cluster: FakeCluster, es_sources: Path, embedded: dict[str, str], tmp_path: Path
) -> None:
    away = f"http://127.0.0.1:{free_port()}"
    run = es_crawl(tmp_path, es_sources, away)
    assert run.code == 0, run.stderr  # the sources were fine: the crawl succeeded
    assert "cannot reach Elasticsearch" in run.report["index"]
    assert "nothing is lost" in run.report["index"]
    assert outbox(tmp_path) == sorted(embedded)
    assert "Traceback" not in run.stderr
    status = llwatch("index", "status", env=es_env(away, WATCH_DATA_DIR=str(tmp_path)))
    assert status.code == 1
    assert f"outbox: {len(embedded)} waiting (0 refused)" in status.stdout
    synced = llwatch("index", "sync", env=es_env(cluster.url, WATCH_DATA_DIR=str(tmp_path)))
    assert synced.code == 0, synced.stderr
    assert synced.stdout.startswith(f"delivered {len(embedded)}; 0 still waiting")
    assert set(cluster.docs) == set(embedded)
    clusters = {i: d["cluster_id"] for i, d in cluster.docs.items()}
    assert partition(clusters) == reclustered(cluster.docs, tmp_path / "again")  # on delivery
    again = es_crawl(tmp_path, es_sources, cluster.url)
    assert again.code == 0
    assert set(cluster.docs) == set(embedded)  # keyed by id: nothing duplicated
    assert outbox(tmp_path) == []


def test_the_next_run_delivers_the_outbox_first(
    cluster: FakeCluster, es_sources: Path, embedded: dict[str, str], tmp_path: Path
) -> None:
    es_crawl(tmp_path, es_sources, f"http://127.0.0.1:{free_port()}")
    assert len(outbox(tmp_path)) == len(embedded)
    run = es_crawl(tmp_path, es_sources, cluster.url, "--source", "rss2")
    assert run.code == 0, run.stderr
    assert set(cluster.docs) == set(embedded)
    assert outbox(tmp_path) == []


def test_a_cluster_dying_mid_crawl_loses_nothing(
    cluster: FakeCluster, es_sources: Path, embedded: dict[str, str], tmp_path: Path
) -> None:
    cluster.dead_after_bulks = 1
    run = es_crawl(tmp_path, es_sources, cluster.url, WATCH_STORE_BATCH="2")
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    delivered, waiting = set(cluster.docs), set(outbox(tmp_path))
    assert delivered
    assert waiting
    assert delivered | waiting == set(embedded)  # every article is somewhere
    assert "wait in the outbox" in run.report["index"]
    cluster.dead = False
    cluster.dead_after_bulks = None
    synced = llwatch("index", "sync", env=es_env(cluster.url, WATCH_DATA_DIR=str(tmp_path)))
    assert synced.code == 0, synced.stderr
    assert set(cluster.docs) == set(embedded)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("locked", "refused the credentials (HTTP 401)"),
        ("missing", "run `llwatch index init`"),
        ("slow", "did not answer within 2s"),
    ],
)
def test_cluster_faults_are_one_line_and_lose_nothing(
    cluster: FakeCluster,
    es_sources: Path,
    embedded: dict[str, str],
    tmp_path: Path,
    fault: str,
    said: str,
) -> None:
    if fault == "slow":
        cluster.slow = 3.0
    else:
        setattr(cluster, fault, True)
    run = es_crawl(tmp_path, es_sources, cluster.url, WATCH_ES_TIMEOUT="2")
    assert run.code == 0, run.stderr
    assert said in run.report["index"]
    assert "Traceback" not in run.stderr
    assert outbox(tmp_path) == sorted(embedded)
    assert cluster.docs == {}  # nothing written behind the alias's back (no auto-created index)
