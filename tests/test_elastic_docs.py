"""The Elasticsearch mapping, documents and bulk protocol, checked without a cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from tests.esnode import FakeCluster
from watch.items import Article, TopicTag
from watch.store import elastic_docs as ed

NOW = "2026-11-26T12:00:00Z"
LANGUAGE_SUFFIXES = ("english", "french", "spanish", "portuguese", "german", "italian", "arabic",
                     "cjk")  # fmt: skip


def article(**changes: Any) -> Article:
    base = Article(
        id="0123456789abcdef0123456789abcdef",
        url="https://example.org/news/1?utm_source=x",
        canonical_url="https://example.org/news/1",
        source_id="uil",
        source_name="UNESCO Institute for Lifelong Learning",
        source_country="DE",
        source_org_type="un-agency",
        feed_url="https://example.org/feed.xml",
        title="Adult literacy in Senegal",
        summary="A summary.",
        text="First paragraph.\n\nSecond paragraph.",
        authors=["Ana Pérez", "Li Wei"],
        published_at="2026-11-20T08:30:00Z",
        fetched_at="2026-11-21T09:00:00Z",
        language="en",
        language_confidence=0.97,
        topics=[TopicTag("adult-literacy", 0.8, ["adult literacy", "literacy"])],
        countries=["SN", "DE"],
        relevance=0.9,
        simhash="0f0f0f0f0f0f0f0f",
        cluster_id="0123456789abcdef0123456789abcdef",
        content_hash="ab" * 32,
        extraction="page",
        extraction_note="",
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def mapped_paths(properties: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Every field path of a mapping, sub-fields (``fields``) included."""
    for name, spec in properties.items():
        yield prefix + name
        yield from mapped_paths(spec.get("properties", {}), f"{prefix}{name}.")
        yield from mapped_paths(spec.get("fields", {}), f"{prefix}{name}.")


# --- the mapping ---------------------------------------------------------------------------


def test_mapping_file_is_packaged_json() -> None:
    text = resources.files("watch.store").joinpath("elastic_mapping.json").read_text("utf-8")
    assert json.loads(text) == ed.load_mapping()


def test_mapping_is_strict_and_versioned() -> None:
    body = ed.load_mapping()
    assert set(body) == {"settings", "mappings"}
    assert body["mappings"]["dynamic"] is False
    assert isinstance(ed.MAPPING_VERSION, int)
    assert body["mappings"]["_meta"]["llwatch_mapping_version"] == ed.MAPPING_VERSION
    assert ed.index_name("llwatch") == f"llwatch-articles-v{ed.MAPPING_VERSION}"
    assert ed.alias_name("news") == "news-articles"


def test_load_mapping_gives_a_fresh_dict() -> None:
    ed.load_mapping()["settings"]["index"]["number_of_shards"] = 9
    assert ed.load_mapping()["settings"]["index"]["number_of_shards"] == 1


def test_mapping_fields_follow_the_contract() -> None:
    body = ed.load_mapping()
    props = body["mappings"]["properties"]
    for name in ("id", "source_id", "language", "topic_ids", "countries", "authors",
                 "canonical_url", "cluster_id", "content_hash"):  # fmt: skip
        assert props[name] == {"type": "keyword", "ignore_above": ed.KEYWORD_MAX}, name
    assert props["topics"] == {"type": "object", "enabled": False}
    assert props["source_name"]["fields"]["keyword"]["type"] == "keyword"
    for name in ("date", "published_at", "fetched_at", "updated_at"):
        assert props[name] == {"type": "date", "format": "strict_date_optional_time"}
    for name in ("title", "summary", "text"):
        assert props[name]["analyzer"] == "folded"
        for suffix in LANGUAGE_SUFFIXES:
            assert props[f"{name}_{suffix}"] == {"type": "text", "analyzer": suffix}
    folded = body["settings"]["analysis"]["analyzer"]["folded"]
    assert folded["tokenizer"] == "standard"
    assert folded["filter"] == ["lowercase", "asciifolding"]
    for char_filter in folded.get("char_filter", []):
        assert char_filter in body["settings"]["analysis"]["char_filter"]


def test_every_keyword_is_bounded_below_the_lucene_term_limit() -> None:
    body = ed.load_mapping()
    for path in mapped_paths(body["mappings"]["properties"]):
        spec = body["mappings"]["properties"]
        for part in path.split("."):
            spec = spec.get("properties", spec.get("fields", spec))[part]
        if spec.get("type") == "keyword" and spec.get("index", True):
            # ignore_above counts UTF-16 units: at most 3 UTF-8 bytes each (4 for a pair)
            assert spec["ignore_above"] * 3 < 32766, path


def test_total_fields_limit_leaves_room() -> None:
    body = ed.load_mapping()
    limit = body["settings"]["index"]["mapping"]["total_fields"]["limit"]
    assert len(list(mapped_paths(body["mappings"]["properties"]))) < limit


def unmapped(doc: dict[str, Any], properties: dict[str, Any], prefix: str = "") -> list[str]:
    """The paths of ``doc`` the mapping does not know (an ``enabled: false`` object is opaque)."""
    missing = []
    for name, value in doc.items():
        spec = properties.get(name)
        if spec is None:
            missing.append(prefix + name)
            continue
        if spec.get("enabled", True) is False:
            continue
        objects = [
            v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)
        ]
        for obj in objects:
            missing += unmapped(obj, spec.get("properties", {}), f"{prefix}{name}.")
    return missing


def test_the_walk_sees_unmapped_nested_fields() -> None:
    props = {"a": {"properties": {"b": {"type": "keyword"}}}, "t": {"enabled": False}}
    doc = {"a": [{"b": "x", "c": "y"}], "t": {"z": 1}, "d": 1}
    assert unmapped(doc, props) == ["a.c", "d"]


@pytest.mark.parametrize("language", [*ed.LANGUAGE_FIELDS, "und", "sw", "ru"])
def test_every_emitted_field_is_mapped(language: str) -> None:
    properties = ed.load_mapping()["mappings"]["properties"]
    doc = ed.to_document(article(language=language), now=NOW)
    assert unmapped(doc, properties) == []


def test_every_stored_article_field_reaches_the_document() -> None:
    doc = ed.to_document(article(), now=NOW)
    for name in Article().to_dict():
        assert name in doc, name


# --- documents -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "suffix"),
    [("en", "english"), ("fr", "french"), ("es", "spanish"), ("pt", "portuguese"),
     ("de", "german"), ("it", "italian"), ("ar", "arabic"), ("zh", "cjk"), ("ja", "cjk"),
     ("ko", "cjk"), ("pt-BR", "portuguese"), ("EN", "english")],
)  # fmt: skip
def test_one_language_field_set(language: str, suffix: str) -> None:
    doc = ed.to_document(article(language=language), now=NOW)
    per_language = {k for k in doc if k.rsplit("_", 1)[-1] in LANGUAGE_SUFFIXES}
    assert per_language == {f"title_{suffix}", f"summary_{suffix}", f"text_{suffix}"}
    assert doc[f"title_{suffix}"] == doc["title"]
    assert doc[f"text_{suffix}"] == doc["text"]


@pytest.mark.parametrize("language", ["und", "sw", "ru", "hi", ""])
def test_no_language_field_set_for_other_languages(language: str) -> None:
    doc = ed.to_document(article(language=language), now=NOW)
    assert not [k for k in doc if k.rsplit("_", 1)[-1] in LANGUAGE_SUFFIXES]


def test_document_values() -> None:
    doc = ed.to_document(article(), now=NOW)
    assert doc["date"] == "2026-11-20T08:30:00Z"
    assert doc["updated_at"] == NOW
    assert doc["topic_ids"] == ["adult-literacy"]
    assert doc["topics"] == [
        {"id": "adult-literacy", "score": 0.8, "terms": ["adult literacy", "literacy"]}
    ]
    json.dumps(doc, allow_nan=False)  # what the client sends


def test_dates_without_publication_fall_back_to_fetched() -> None:
    doc = ed.to_document(article(published_at=""), now=NOW)
    assert "published_at" not in doc
    assert doc["date"] == "2026-11-21T09:00:00Z"
    doc = ed.to_document(article(published_at="", fetched_at=""), now=NOW)
    assert not {"published_at", "fetched_at", "date"} & set(doc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T08:30:00Z", "2026-11-20T08:30:00Z"),
        ("2026-11-20T10:30:00+02:00", "2026-11-20T08:30:00Z"),
        ("2026-11-20T08:30:00.123456Z", "2026-11-20T08:30:00Z"),
        ("2026-11-20 08:30:00", "2026-11-20T08:30:00Z"),
        ("2026-11-20", "2026-11-20T00:00:00Z"),
        ("0800-01-01T00:00:00Z", "0800-01-01T00:00:00Z"),
        ("yesterday", None),
        ("2026-13-45T00:00:00Z", None),
        ("0001-01-01T00:00:00+01:00", None),
    ],
)
def test_dates_become_strict_iso_or_absent(value: str, expected: str | None) -> None:
    doc = ed.to_document(article(published_at=value, fetched_at=""), now=NOW)
    assert doc.get("published_at") == expected
    assert doc.get("date") == expected


def test_a_five_megabyte_text_is_cut() -> None:
    doc = ed.to_document(article(text="lifelong learning " * 300_000), now=NOW)
    assert len(doc["text"]) == ed.TEXT_MAX
    assert len(doc["text_english"]) == ed.TEXT_MAX


def test_a_40_kb_author_name_is_cut_below_every_limit() -> None:
    name = "Ñ" * 20_000 + "𝔸" * 10_000  # 2- and 4-byte UTF-8 characters, 80 KB
    doc = ed.to_document(article(authors=[name]), now=NOW)
    (author,) = doc["authors"]
    assert len(author.encode("utf-16-le")) // 2 <= ed.KEYWORD_MAX
    assert len(author.encode("utf-8")) < 32766
    assert author == "Ñ" * ed.KEYWORD_MAX


def test_astral_characters_count_twice_and_are_never_split() -> None:
    doc = ed.to_document(article(source_name="😀" * 2000), now=NOW)
    assert doc["source_name"] == "😀" * (ed.KEYWORD_MAX // 2)


def test_500_countries_and_topics_are_cut_to_100() -> None:
    topics = [TopicTag(f"topic-{i}", 0.5, [f"term {j}" for j in range(300)]) for i in range(500)]
    doc = ed.to_document(article(countries=["SN"] * 500, topics=topics), now=NOW)
    assert len(doc["countries"]) == ed.ARRAY_MAX
    assert len(doc["topic_ids"]) == ed.ARRAY_MAX
    assert len(doc["topics"]) == ed.ARRAY_MAX
    assert all(len(t["terms"]) == ed.ARRAY_MAX for t in doc["topics"])


def test_long_urls_stay_whole_up_to_their_own_limit() -> None:
    long_url = "https://example.org/?q=" + "a" * 3000
    doc = ed.to_document(article(url=long_url, canonical_url=long_url), now=NOW)
    assert doc["url"] == doc["canonical_url"] == long_url
    huge = ed.to_document(article(url=long_url * 10), now=NOW)["url"]
    assert len(huge) == ed.URL_MAX


def test_bad_values_never_make_invalid_json() -> None:
    doc = ed.to_document(
        article(
            title="broken \udcff bytes",
            relevance=float("nan"),
            language_confidence=float("inf"),
            topics=[TopicTag("t", float("nan"))],
        ),
        now=NOW,
    )
    assert doc["title"] == "broken \ufffd bytes"
    assert doc["relevance"] is None
    assert doc["language_confidence"] == 0.0
    assert doc["topics"][0]["score"] == 0.0
    json.dumps(doc, allow_nan=False).encode("utf-8")


def test_round_trip() -> None:
    original = article(relevance=None, extraction_note="page: HTTP 404")
    assert ed.from_document(ed.to_document(original, now=NOW)) == original
    other = article(language="ja", topics=[], countries=[], published_at="", authors=[])
    assert ed.from_document(ed.to_document(other, now=NOW)) == other


def test_round_trip_through_json() -> None:
    original = article()
    source = json.loads(json.dumps(ed.to_document(original, now=NOW)))
    assert ed.from_document(source) == original


def test_from_document_leaves_crawl_only_and_derived_fields_out() -> None:
    original = article(entry_key="guid-1", duplicate_of="x", declared_languages=["en"])
    back = ed.from_document(ed.to_document(original, now=NOW))
    assert (back.entry_key, back.duplicate_of, back.declared_languages) == ("", "", [])
    assert back.to_dict() == original.to_dict()


def test_from_document_reads_sparse_and_odd_documents() -> None:
    back = ed.from_document(
        {"id": "abc", "title": "T", "authors": "One Author", "topics": [{"id": "x"}, "junk", {}],
         "relevance": None, "unknown_field_of_a_newer_mapping": 1}
    )  # fmt: skip
    assert back.id == "abc"
    assert back.language == "und"
    assert back.authors == ["One Author"]
    assert back.topics == [TopicTag("x", 0.0, [])]
    assert back.published_at == ""
    assert back.relevance is None


# --- bulk actions --------------------------------------------------------------------------


def test_bulk_actions_shape() -> None:
    items = [article(), article(id="f" * 32, language="fr")]
    actions = ed.bulk_actions(items, "llwatch-articles-v1", now=NOW)
    assert [a["_id"] for a in actions] == ["0123456789abcdef0123456789abcdef", "f" * 32]
    for action, item in zip(actions, items, strict=True):
        assert set(action) == {"_op_type", "_index", "_id", "_source"}
        assert action["_op_type"] == "index"
        assert action["_index"] == "llwatch-articles-v1"
        assert action["_source"] == ed.to_document(item, now=NOW)


def test_bulk_actions_are_idempotent() -> None:
    items = [article()]
    assert ed.bulk_actions(items, "i", now=NOW) == ed.bulk_actions(items, "i", now=NOW)


def test_bulk_actions_as_the_client_expands_them() -> None:
    helpers = pytest.importorskip("elasticsearch.helpers")
    (action,) = ed.bulk_actions([article()], "llwatch-articles-v1", now=NOW)
    header, source = helpers.expand_action(action)
    assert header == {"index": {"_id": article().id, "_index": "llwatch-articles-v1"}}
    assert source == action["_source"]


@pytest.mark.parametrize("bad_id", ["", "x" * 513])
def test_bulk_actions_refuse_an_article_without_usable_id(bad_id: str) -> None:
    with pytest.raises(ValueError, match=r"example\.org/news/1"):
        ed.bulk_actions([article(id=bad_id)], "i")


# --- bulk responses ------------------------------------------------------------------------


def ok_item(doc_id: str, result: str, status: int = 200) -> dict[str, Any]:
    return {"index": {"_index": "llwatch-articles-v1", "_id": doc_id, "_version": 2,
                      "result": result, "_shards": {"total": 2, "successful": 1, "failed": 0},
                      "_seq_no": 7, "_primary_term": 1, "status": status}}  # fmt: skip


def error_item(doc_id: str, status: int, error: dict[str, Any]) -> dict[str, Any]:
    return {"index": {"_index": "llwatch-articles-v1", "_id": doc_id, "status": status,
                      "error": error}}  # fmt: skip


REJECTED = {
    "type": "es_rejected_execution_exception",
    "reason": "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
    "replica_bytes=0, all_bytes=0, coordinating_operation_bytes=107374182, "
    "max_coordinating_and_primary_bytes=104857600]",
}
MAPPING_CONFLICT = {
    "type": "document_parsing_exception",
    "reason": "[1:215] failed to parse field [published_at] of type [date] in document with id "
    "'c'. Preview of field's value: 'yesterday'",
    "caused_by": {
        "type": "illegal_argument_exception",
        "reason": "failed to parse date field [yesterday] with format [strict_date_optional_time]",
        "caused_by": {"type": "date_time_parse_exception", "reason": "Text 'yesterday'\n..."},
    },
}
TOO_LARGE = {
    "type": "illegal_argument_exception",
    "reason": 'Document contains at least one immense term in field="authors" (whose UTF8 '
    "encoding is longer than the max length 32766), all of which were skipped.",
}


def test_created_updated_noop() -> None:
    outcome = ed.read_bulk_response(
        [ok_item("a", "created", 201), ok_item("b", "updated"), ok_item("c", "noop")]
    )
    assert (outcome.new, outcome.updated, outcome.unchanged) == (["a"], ["b"], ["c"])
    assert outcome.ok
    assert outcome.stored_ids == ["a", "b", "c"]
    assert outcome.outbox() == []


def test_rejected_and_unavailable_are_retried() -> None:
    unavailable = {"type": "unavailable_shards_exception", "reason": "[llwatch][0] primary "
                   "shard is not active Timeout: [1m]"}  # fmt: skip
    breaker = {"type": "circuit_breaking_exception", "reason": "[parent] Data too large"}
    outcome = ed.read_bulk_response(
        [
            ok_item("a", "created", 201),
            error_item("b", 429, REJECTED),
            error_item("c", 503, unavailable),
            error_item("d", 429, breaker),
            error_item("e", 504, {"type": "timeout", "reason": "gateway"}),
        ]
    )
    assert outcome.new == ["a"]
    assert outcome.retry_ids == ["b", "c", "d", "e"]
    assert outcome.failed == []
    assert not outcome.ok
    assert outcome.retry[0].reason.startswith("HTTP 429 es_rejected_execution_exception: ")


def test_mapping_conflict_and_too_large_fail_for_good_with_one_line() -> None:
    outcome = ed.read_bulk_response(
        [
            error_item("c", 400, MAPPING_CONFLICT),
            error_item("t", 400, TOO_LARGE),
            error_item("m", 413, {"type": "content_too_long", "reason": "too long"}),
            error_item("x", 400, {"type": "mapper_parsing_exception", "reason": "failed"}),
        ]
    )
    assert outcome.retry == []
    assert [f.id for f in outcome.failed] == ["c", "t", "m", "x"]
    conflict = outcome.failed[0]
    assert conflict.error_type == "document_parsing_exception"
    assert conflict.status == 400
    assert not conflict.retryable
    assert "failed to parse field [published_at]" in conflict.reason
    assert "caused by illegal_argument_exception" in conflict.reason
    for failure in outcome.failed:
        assert "\n" not in failure.reason
        assert len(failure.reason) <= 300
    assert [f.id for f in outcome.outbox()] == ["c", "t", "m", "x"]


def test_nothing_is_dropped() -> None:
    sent = ["a", "b", "c"]
    outcome = ed.read_bulk_response([ok_item("a", "created", 201), {"index": {"status": 201,
                                     "result": "created"}}], ids=sent)  # fmt: skip
    assert outcome.new == ["a", "b"]
    assert outcome.retry_ids == ["c"]
    assert outcome.retry[0].error_type == "missing"


def test_garbage_items_become_failures() -> None:
    outcome = ed.read_bulk_response(["nonsense"], ids=["a"])
    assert outcome.retry_ids == ["a"]
    assert outcome.retry[0].error_type == "bad_response"


def test_streaming_bulk_pairs_are_read_too() -> None:
    # streaming_bulk(raise_on_error=False, raise_on_exception=False) yields (ok, item); a
    # request that failed as a whole gives every action the error as a string
    pairs = [
        (True, ok_item("a", "updated")),
        (False, error_item("b", 400, MAPPING_CONFLICT)),
        (False, {"index": {"_id": "c", "_index": "i", "status": 503,
                           "error": "ApiError(503, 'unavailable')"}}),
    ]  # fmt: skip
    outcome = ed.read_bulk_response(pairs)
    assert outcome.updated == ["a"]
    assert [f.id for f in outcome.failed] == ["b"]
    assert outcome.retry_ids == ["c"]
    assert outcome.retry[0].reason == "HTTP 503 error: ApiError(503, 'unavailable')"


def test_retry_then_merge() -> None:
    first = ed.read_bulk_response(
        [ok_item("a", "created", 201), error_item("b", 429, REJECTED),
         error_item("c", 400, MAPPING_CONFLICT)]
    )  # fmt: skip
    second = ed.read_bulk_response([ok_item("b", "created", 201)], ids=first.retry_ids)
    total = first.merge(second)
    assert total.new == ["a", "b"]
    assert total.retry == []
    assert [f.id for f in total.outbox()] == ["c"]


def test_a_whole_request_failure_covers_every_id() -> None:
    outcome = ed.BulkOutcome.request_failed(["a", "b"], "ConnectionError(\nrefused)")
    assert outcome.retry_ids == ["a", "b"]
    assert outcome.retry[0].reason == "ConnectionError( refused)"
    refused = ed.BulkOutcome.request_failed(["a"], "401 security_exception", retryable=False)
    assert [f.id for f in refused.failed] == ["a"]


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [(429, "es_rejected_execution_exception", True), (503, "", True), (502, "", True),
     (504, "", True), (0, "", True), (500, "es_rejected_execution_exception", True),
     (400, "mapper_parsing_exception", False), (400, "document_parsing_exception", False),
     (413, "", False), (400, "illegal_argument_exception", False), (409, "", False)],
)  # fmt: skip
def test_is_retryable(status: int, kind: str, expected: bool) -> None:
    assert ed.is_retryable(status, kind) is expected


# --- backoff -------------------------------------------------------------------------------


def test_backoff_is_deterministic_with_a_seed() -> None:
    assert ed.backoff_delays(6, seed=42) == ed.backoff_delays(6, seed=42)
    assert ed.backoff_delays(6, seed=42) != ed.backoff_delays(6, seed=43)


def test_backoff_grows_within_bounds() -> None:
    delays = ed.backoff_delays(10, base=0.5, cap=8.0, seed=1)
    assert len(delays) == 10
    for attempt, delay in enumerate(delays):
        step = min(8.0, 0.5 * 2**attempt)
        assert step / 2 <= delay <= step
    assert max(delays) <= 8.0
    assert ed.backoff_delays(0, seed=1) == []


# --- through the real client, against a local stand-in for the cluster ---------------------


@pytest.fixture
def cluster() -> Iterator[FakeCluster]:
    with FakeCluster.running() as server:
        yield server


def send(cluster: FakeCluster, actions: list[dict[str, Any]]) -> ed.BulkOutcome:
    elasticsearch = pytest.importorskip("elasticsearch")
    from elasticsearch import helpers

    client = elasticsearch.Elasticsearch(f"http://127.0.0.1:{cluster.server_port}")
    try:
        pairs = helpers.streaming_bulk(
            client, actions, raise_on_error=False, raise_on_exception=False
        )
        return ed.read_bulk_response(list(pairs), ids=[a["_id"] for a in actions])
    finally:
        client.close()


def test_bulk_through_the_client_with_retry(cluster: FakeCluster) -> None:
    items = [article(id=f"{i:032x}") for i in range(5)]
    actions = ed.bulk_actions(items, "llwatch-articles-v1", now=NOW)
    actions[4]["_source"]["published_at"] = "yesterday"  # what an older, buggy llwatch sent
    cluster.busy = {items[1].id, items[2].id}
    outcome = send(cluster, actions)
    assert outcome.new == [items[0].id, items[3].id]
    assert outcome.retry_ids == [items[1].id, items[2].id]
    assert [f.id for f in outcome.failed] == [items[4].id]
    assert "failed to parse field [published_at]" in outcome.failed[0].reason
    for _delay in ed.backoff_delays(3, seed=0):  # the store sleeps here
        retried = [a for a in actions if a["_id"] in outcome.retry_ids]
        outcome = outcome.merge(send(cluster, retried))
        if not outcome.retry:
            break
    assert sorted(outcome.new) == sorted(i.id for i in items[:4])
    assert [f.id for f in outcome.outbox()] == [items[4].id]
    stored = ed.from_document(cluster.docs[items[0].id])
    assert stored == items[0]
    again = send(cluster, ed.bulk_actions(items[:1], "llwatch-articles-v1", now=NOW))
    assert again.updated == [items[0].id]


def test_a_cluster_without_master_leaves_every_id_to_retry(cluster: FakeCluster) -> None:
    cluster.down = True
    items = [article(id=f"{i:032x}") for i in range(3)]
    outcome = send(cluster, ed.bulk_actions(items, "llwatch-articles-v1", now=NOW))
    assert outcome.retry_ids == [i.id for i in items]
    assert outcome.retry[0].status == 503
    assert "no master" in outcome.retry[0].reason
    assert cluster.docs == {}
