"""Delivery to Elasticsearch through the official client, against the stand-in cluster of
tests/esnode.py: retries with backoff, the outbox for what cannot be stored, nothing lost and
nothing duplicated when the cluster is down, rejects items, or comes back."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from elasticsearch import Elasticsearch

from tests.esnode import FakeCluster
from tests.sitegen import free_port
from watch.items import Article
from watch.store import Store, open_store
from watch.store.elastic_delivery import Delivery, deliver, sync_outbox

INDEX = "llwatch-articles"


def send(cluster: FakeCluster, store: Store) -> Callable[[Sequence[Article]], Delivery]:
    """Plain delivery to the stand-in cluster (what the store does after clustering)."""
    return lambda items: deliver(client(cluster), INDEX, items, store.state, sleep=lambda _: None)


def article(n: int, **fields: object) -> Article:
    base = {"id": f"{n:032x}", "url": f"https://x.org/{n}", "canonical_url": f"https://x.org/{n}",
            "source_id": "s", "title": f"Story {n}", "text": "Adult literacy classes.",
            "published_at": "2026-11-20T10:00:00Z", "fetched_at": "2026-11-21T10:00:00Z",
            "language": "en"}  # fmt: skip
    return Article(**(base | fields))  # type: ignore[arg-type]


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    with FakeCluster.running() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path)
    yield opened
    opened.close()


def client(cluster: FakeCluster) -> Elasticsearch:
    return Elasticsearch(f"http://127.0.0.1:{cluster.server_port}", max_retries=0)


def test_busy_items_are_retried_refused_ones_wait_for_a_person(
    cluster: FakeCluster, store: Store
) -> None:
    items = [article(n) for n in range(4)]
    cluster.busy = {items[1].id}
    waits: list[float] = []
    bad = article(9)
    cluster.refuse = {bad.id}  # a mapping conflict, as a real cluster reports it
    done = deliver(client(cluster), INDEX, [*items, bad], store.state, sleep=waits.append, seed=1)
    assert sorted(done.stored) == sorted(a.id for a in items)
    assert done.refused == [bad.id]
    assert len(waits) == 1  # one backoff, then the busy item went in
    status = store.state.outbox_status()
    assert (status["pending"], status["refused"]) == (1, 1)
    assert "failed to parse field [relevance]" in status["reasons"][0][0]
    assert set(cluster.docs) == {a.id for a in items}


def test_cluster_down_keeps_everything_then_sync_delivers_it_once(
    cluster: FakeCluster, store: Store
) -> None:
    items = [article(n) for n in range(3)]
    down = Elasticsearch(f"http://127.0.0.1:{free_port()}", max_retries=0)
    done = deliver(down, INDEX, items, store.state, sleep=lambda _: None)
    assert done.stored == []
    assert sorted(done.waiting) == sorted(a.id for a in items)
    assert done.reasons[0].startswith("cluster unreachable")
    assert store.state.outbox_status()["pending"] == 3
    synced = sync_outbox(store.state, send(cluster, store))
    assert sorted(synced.stored) == sorted(a.id for a in items)
    assert store.state.outbox_status()["pending"] == 0
    again = sync_outbox(store.state, send(cluster, store))
    assert again.stored == []
    assert len(cluster.docs) == 3  # keyed by id: nothing duplicated


def test_a_cluster_without_master_is_retried_then_waits(cluster: FakeCluster, store: Store) -> None:
    cluster.down = True
    waits: list[float] = []
    done = deliver(client(cluster), INDEX, [article(1)], store.state, sleep=waits.append, seed=2)
    assert done.waiting == [article(1).id]
    assert len(waits) == 3
    assert "no master" in done.reasons[0]
    cluster.down = False
    assert sync_outbox(store.state, send(cluster, store)).stored == [article(1).id]
