"""Versioned indices behind one alias: init, migrate (reindex + atomic alias swap), status —
through the official client, against the stand-in node of tests/esnode.py (what is sent is
checked; a real cluster runs them in the WATCH_TEST_ES_URL suite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from elasticsearch import Elasticsearch

from tests.esnode import FakeNode
from watch.store.elastic_index import init_index, migrate_index, read_status


def mapping(version: int) -> dict[str, Any]:
    return {
        "settings": {"number_of_shards": 1},
        "mappings": {"dynamic": False, "_meta": {"llwatch_mapping_version": version},
                     "properties": {"id": {"type": "keyword"}}},
    }  # fmt: skip


@pytest.fixture
def node() -> Iterator[FakeNode]:
    with FakeNode() as fake:
        yield fake


def test_init_creates_the_versioned_index_behind_the_alias(node: FakeNode) -> None:
    client = Elasticsearch(node.url)
    assert init_index(client, "llw", mapping(1)) == (
        "created llw-articles-v1 with llw-articles pointing at it"
    )
    created = [(m, p, b) for m, p, b in node.requests if m == "PUT"]
    assert created[0][1] == "/llw-articles-v1"
    assert created[0][2]["aliases"] == {"llw-articles": {"is_write_index": True}}
    assert created[0][2]["mappings"]["dynamic"] is False
    assert init_index(client, "llw", mapping(1)).endswith("nothing to do")
    status = read_status(client, "llw", mapping(1))
    assert (status.index, status.version, status.health, status.problem) == (
        "llw-articles-v1",
        1,
        "green",
        "",
    )


def test_migrate_copies_then_swaps_the_alias_in_one_call(node: FakeNode) -> None:
    client = Elasticsearch(node.url)
    init_index(client, "llw", mapping(1))
    node.indices["llw-articles-v1"]["docs"] = 42
    assert read_status(client, "llw", mapping(2)).problem == (
        "llw-articles-v1 has mapping v1, this llwatch wants v2 — run `llwatch index migrate`"
    )
    said = migrate_index(client, "llw", mapping(2))
    assert said.startswith("copied 42 documents from llw-articles-v1 to llw-articles-v2")
    swaps = [b for m, p, b in node.requests if p.startswith("/_aliases")]
    assert swaps == [{"actions": [
        {"remove": {"index": "llw-articles-v1", "alias": "llw-articles"}},
        {"add": {"index": "llw-articles-v2", "alias": "llw-articles", "is_write_index": True}},
    ]}]  # fmt: skip
    reindex = next(b for m, p, b in node.requests if p.startswith("/_reindex"))
    assert reindex["source"] == {"index": "llw-articles-v1"}
    status = read_status(client, "llw", mapping(2))
    assert (status.index, status.documents, status.problem) == ("llw-articles-v2", 42, "")


def test_status_without_an_index_says_what_to_run(node: FakeNode) -> None:
    status = read_status(Elasticsearch(node.url), "llw", mapping(1))
    assert status.problem == "no index behind llw-articles — run `llwatch index init`"
