"""Near-duplicate clusters on Elasticsearch (watch.store.elastic_clusters) against the stand-in
cluster of tests/esnode.py: the same clusters as the embedded store on the real near-duplicate
set, heads that move to an earlier arrival, and the one-line messages of a failing cluster."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError, AuthenticationException, Elasticsearch, NotFoundError

from tests.esnode import FakeCluster
from tests.test_elastic_crawl import partition
from watch.errors import StoreUnavailable
from watch.items import Article
from watch.store import open_store
from watch.store.elastic import ElasticArticleStore
from watch.store.elastic_client import cluster_problem

SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "neardup.jsonl"
STORY = (
    "The city council opened twelve new evening classes for adults who want to finish school, "
    "with free childcare, bus passes and a mentor for every learner, the education office said "
    "on Monday, adding that two hundred places are still open for the spring term in Lisbon."
)


@pytest.fixture
def es(tmp_path: Path) -> Iterator[tuple[ElasticArticleStore, FakeCluster]]:
    with FakeCluster.running() as server:
        local = open_store(tmp_path)
        client = Elasticsearch(server.url, max_retries=0)
        yield ElasticArticleStore(client, "llwatch", local.state, sleep=lambda _: None), server
        local.close()


def corpus() -> list[Article]:
    items = [json.loads(line) for line in SET.read_text("utf-8").splitlines()]
    random.Random(7).shuffle(items)
    return [
        Article(id=item["id"], url=f"https://x.invalid/{item['id']}", title=item.get("title", ""),
                text=item["text"], published_at=item.get("published_at", ""),
                fetched_at=f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z")
        for n, item in enumerate(items)
    ]  # fmt: skip


def test_the_same_clusters_as_the_embedded_store(
    es: tuple[ElasticArticleStore, FakeCluster], tmp_path: Path
) -> None:
    store, cluster = es
    articles = corpus()
    embedded = open_store(tmp_path / "embedded")
    for start in range(0, len(articles), 40):
        embedded.articles.upsert(corpus()[start : start + 40])
        store.upsert(articles[start : start + 40])
    rows = embedded.db.conn.execute("SELECT id, cluster_id FROM articles").fetchall()
    expected = partition({r[0]: r[1] for r in rows})
    embedded.close()
    got = partition({i: d["cluster_id"] for i, d in cluster.docs.items()})
    assert sum(1 for g in expected if len(g) > 1) > 50  # the set is not trivial
    assert got == expected
    # every member of a cluster names its head, the earliest member
    for group in got:
        heads = {cluster.docs[i]["cluster_id"] for i in group}
        assert len(heads) == 1
        assert heads <= group


def story(n: int, published: str, tail: str = "") -> Article:
    return Article(id=f"a{n}", url=f"https://x.org/{n}", title="Evening classes",
                   text=STORY + tail, published_at=published,
                   fetched_at="2026-11-20T00:00:00Z")  # fmt: skip


def test_an_earlier_arrival_becomes_the_head(es: tuple[ElasticArticleStore, FakeCluster]) -> None:
    store, cluster = es
    assert store.upsert([story(2, "2026-11-10T00:00:00Z")]) == ["new"]
    assert store.upsert([story(3, "2026-11-12T00:00:00Z", " More soon.")]) == ["new"]
    assert {d["cluster_id"] for d in cluster.docs.values()} == {"a2"}
    assert store.upsert([story(1, "2026-11-01T00:00:00Z", " Sign up now.")]) == ["new"]
    assert {i: d["cluster_id"] for i, d in cluster.docs.items()} == {
        "a1": "a1", "a2": "a1", "a3": "a1"
    }  # fmt: skip
    moved = [json.loads(e[2]) for e in cluster.log if e[1].endswith("/_update_by_query")]
    assert moved == [{
        "conflicts": "proceed",
        "query": {"term": {"cluster_id": "a2"}},
        "script": {"source": "ctx._source.cluster_id = params.head", "lang": "painless",
                   "params": {"head": "a1"}},
    }]  # fmt: skip
    hits = store.search(None, sort="date").hits
    assert {h.article.id: h.cluster_size for h in hits} == {"a1": 3, "a2": 3, "a3": 3}


def test_an_unchanged_article_keeps_its_cluster_and_is_not_sent(
    es: tuple[ElasticArticleStore, FakeCluster],
) -> None:
    store, cluster = es
    store.upsert([story(2, "2026-11-10T00:00:00Z"), story(1, "2026-11-01T00:00:00Z", " Now.")])
    again = story(2, "2026-11-10T00:00:00Z")  # as the crawl brings it: no cluster_id yet
    sent = len(cluster.log)
    assert store.upsert([again]) == ["unchanged"]
    assert again.cluster_id == "a1"
    assert not [e for e in cluster.log[sent:] if e[1].endswith("/_bulk")]


def test_a_dead_cluster_is_not_asked_again(es: tuple[ElasticArticleStore, FakeCluster]) -> None:
    store, cluster = es
    cluster.dead = True
    assert store.upsert([story(1, "2026-11-01T00:00:00Z")]) == ["new"]
    assert store.state.outbox_status()["pending"] == 1
    assert store.offline.startswith("cannot reach Elasticsearch")
    asked = cluster.requests
    assert store.upsert([story(2, "2026-11-02T00:00:00Z")]) == ["new"]
    with pytest.raises(StoreUnavailable, match="cannot reach Elasticsearch"):
        store.get("a1")
    assert cluster.requests == asked  # straight to the outbox
    assert store.state.outbox_status()["pending"] == 2


def _api_error(cls: type[ApiError], status: int, body: dict[str, Any]) -> ApiError:
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(),
                           duration=0.0, node=NodeConfig("http", "127.0.0.1", 9200))  # fmt: skip
    return cls(message=body["error"]["type"], meta=meta, body=body)


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (_api_error(NotFoundError, 404, {"error": {"type": "index_not_found_exception",
                                                   "reason": "no such index [llw]"}}),
         "the index llw-articles does not exist — run `llwatch index init`"),
        (_api_error(ApiError, 400, {"error": {"type": "search_phase_execution_exception",
                                              "caused_by": {"type": "too_many_nested_clauses",
                                                            "reason": "Query contains too many "
                                                            "nested clauses; maxClauseCount is "
                                                            "set to 4096"}}}),
         "the query expands to more terms than the cluster allows"),
        (_api_error(AuthenticationException, 401, {"error": {"type": "security_exception"}}),
         "Elasticsearch refused the credentials (HTTP 401)"),
    ],
)  # fmt: skip
def test_failed_requests_read_as_one_line(error: ApiError, line: str) -> None:
    said = cluster_problem(error, "llw-articles")
    assert said.startswith(line)
    assert "\n" not in said
