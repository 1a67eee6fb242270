"""The Elasticsearch article store through the official client, against the stand-in cluster of
tests/esnode.py (bulk, mget, get, and a date-sorted search over a model of the query DSL): what
it sends, and that it keeps the store contract's counts. Its answers on a real cluster are the
WATCH_TEST_ES_URL leg of tests/test_store_contract.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from elasticsearch import Elasticsearch

from tests.esnode import FakeCluster
from watch.items import Article
from watch.query import parse
from watch.store import elastic as elastic_module
from watch.store import open_store
from watch.store.elastic import ElasticArticleStore


def article(n: int, **fields: object) -> Article:
    base = {"id": f"{n:032x}", "url": f"https://x.org/{n}", "canonical_url": f"https://x.org/{n}",
            "source_id": "s", "title": f"Story {n} on adult literacy", "text": "Evening classes.",
            "published_at": f"2026-11-{n + 1:02d}T10:00:00Z", "fetched_at": "2026-11-25T10:00:00Z",
            "language": "en", "content_hash": f"h{n}"}  # fmt: skip
    return Article(**(base | fields))  # type: ignore[arg-type]


@pytest.fixture
def es(tmp_path: Path) -> Iterator[tuple[ElasticArticleStore, FakeCluster]]:
    with FakeCluster.running() as server:
        local = open_store(tmp_path)
        client = Elasticsearch(f"http://127.0.0.1:{server.server_port}", max_retries=0)
        yield ElasticArticleStore(client, "llwatch", local.state, sleep=lambda _: None), server
        local.close()


def test_upsert_counts_like_sqlite_and_sends_only_changes(
    es: tuple[ElasticArticleStore, FakeCluster],
) -> None:
    store, cluster = es
    assert store.upsert([article(1), article(2)]) == ["new", "new"]
    bulks = [entry for entry in cluster.log if entry[1].endswith("/_bulk")]
    assert len(bulks) == 1
    lines = [json.loads(line) for line in bulks[0][2].splitlines()]
    assert lines[0] == {"index": {"_index": "llwatch-articles", "_id": article(1).id}}
    assert store.upsert([article(1), article(2, title="Changed")]) == ["unchanged", "updated"]
    bulks = [entry for entry in cluster.log if entry[1].endswith("/_bulk")]
    assert len(bulks) == 2
    sent = [json.loads(line) for line in bulks[1][2].splitlines()]
    assert len(sent) == 2  # one action, one document: the unchanged article was not sent again
    assert sent[0]["index"]["_id"] == article(2).id
    assert store.upsert([]) == []


def test_get_search_count_and_export(
    es: tuple[ElasticArticleStore, FakeCluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, cluster = es
    store.upsert([article(n) for n in range(1, 8)])
    got = store.get(article(3).id)
    assert got is not None
    assert (got.title, got.published_at) == (article(3).title, article(3).published_at)
    assert store.get("missing") is None
    page = store.search(parse("literacy"), sort="date", limit=3, offset=2)
    assert page.total == 7
    assert [h.article.id for h in page.hits] == [article(n).id for n in (5, 4, 3)]
    monkeypatch.setattr(elastic_module, "PAGE", 3)  # several search_after pages
    assert [a.id for a in store.iter_articles(None)] == [article(n).id for n in range(7, 0, -1)]
    searches = [json.loads(body) for _, path, body in cluster.log if path.endswith("/_search")]
    assert [s["search_after"] for s in searches if "search_after" in s] == [
        ["2026-11-06T10:00:00Z", article(5).id],
        ["2026-11-03T10:00:00Z", article(2).id],
    ]
    duplicate = store.find_duplicate("unknown-id", "h4")
    assert duplicate is not None
    assert (duplicate.id, duplicate.reason) == (article(4).id, "content")
    same_url = store.find_duplicate(article(2).id, "")
    assert same_url is not None
    assert same_url.reason == "url"


def test_an_unreachable_cluster_loses_nothing(tmp_path: Path) -> None:
    from tests.sitegen import free_port

    local = open_store(tmp_path)
    client = Elasticsearch(f"http://127.0.0.1:{free_port()}", max_retries=0)
    store = ElasticArticleStore(client, "llwatch", local.state, sleep=lambda _: None)
    outcomes = store.upsert([article(1)])
    assert outcomes == ["new"]
    assert local.state.outbox_status()["pending"] == 1
    local.close()
