"""Tests of watch.store.elastic_query: the exact DSL of every operator and field, request bodies,
aggregations and reading them back, and that no user text reaches an ES query-syntax parser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watch.countries import codes_in_region
from watch.errors import QuerySyntaxError
from watch.query import parse, to_string
from watch.store.elastic_query import (
    MAX_NESTED_DEPTH,
    MAX_RESULT_WINDOW,
    _depth,
    compile_query,
    count_body,
    facets_aggs,
    facets_body,
    read_facets,
    read_trend,
    search_body,
    trend_aggs,
    trend_body,
)
from watch.translingual import Expander

FIELDS = ["title^10", "summary^3", "text"]


def core(query: str) -> dict[str, Any]:
    """The compiled tree without the ranking clause."""
    return compile_query(parse(query), ranking=False)


def word(text: str) -> dict[str, Any]:
    return {"multi_match": {"query": text, "type": "phrase", "fields": FIELDS}}


def prefix(text: str) -> dict[str, Any]:
    return {
        "multi_match": {"query": text, "type": "bool_prefix", "fields": FIELDS, "operator": "and"}
    }


def only_filter(clause: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"filter": [clause]}}


# --- one test per operator --------------------------------------------------------------------


def test_empty_query_matches_everything() -> None:
    assert compile_query(None) == {"match_all": {}}
    assert compile_query(parse("   ")) == {"match_all": {}}


def test_word_must_occur_in_title_summary_or_text() -> None:
    assert core("Éducation") == word("Éducation")  # folded by the field's analyzer in ES


def test_word_the_tokenizer_splits_is_a_phrase_as_in_fts5() -> None:
    assert core("e-learning") == word("e-learning")


def test_prefix_is_an_analysed_bool_prefix() -> None:
    assert core("educat*") == prefix("educat")
    assert core("Educ**") == prefix("Educ")


def test_phrase() -> None:
    assert core('"adult   learning"') == word("adult learning")


def test_and_puts_words_in_must() -> None:
    assert core("adult AND learning") == {"bool": {"must": [word("adult"), word("learning")]}}
    assert core("adult learning") == core("adult AND learning")


def test_or_needs_one_child() -> None:
    assert core("adult OR youth") == {
        "bool": {"should": [word("adult"), word("youth")], "minimum_should_match": 1}
    }


def test_not_alone() -> None:
    assert core("-adult") == {"bool": {"must_not": [word("adult")]}}
    assert core("NOT adult") == core("-adult")


def test_not_inside_and_is_must_not() -> None:
    assert core("adult -youth") == {"bool": {"must": [word("adult")], "must_not": [word("youth")]}}


def test_double_negation_is_dropped() -> None:
    assert core("--adult") == word("adult")
    assert core("literacy --adult") == {"bool": {"must": [word("literacy"), word("adult")]}}


def test_nested_groups() -> None:
    assert core("(adult OR youth) -(lang:fr OR school)") == {
        "bool": {
            "must": [
                {"bool": {"should": [word("adult"), word("youth")], "minimum_should_match": 1}}
            ],
            "must_not": [
                {
                    "bool": {
                        "should": [only_filter({"term": {"language": "fr"}}), word("school")],
                        "minimum_should_match": 1,
                    }
                }
            ],
        }
    }


def _nested(levels: int) -> str:
    """``(w0 OR (w1 (w2 OR (...))))``: one bool level per pair of parentheses."""
    text = "last"
    for level in reversed(range(levels)):
        text = f"(w{level} {'OR ' if level % 2 == 0 else ''}{text})"
    return text


def test_nesting_within_es_limit_compiles() -> None:
    query = compile_query(parse(_nested(28)))
    assert _depth(query) == MAX_NESTED_DEPTH


def test_nesting_past_es_limit_is_a_clear_error() -> None:
    tree = parse(_nested(29))
    with pytest.raises(QuerySyntaxError, match="31 levels, at most 30") as error:
        compile_query(tree)
    assert error.value.query == to_string(tree)  # type: ignore[arg-type]
    assert error.value.pos == 0


# --- one test per field -----------------------------------------------------------------------


def test_fields_in_and_go_to_filter() -> None:
    assert core("literacy lang:FR source:UIL") == {
        "bool": {
            "must": [word("literacy")],
            "filter": [{"term": {"language": "fr"}}, {"term": {"source_id": "uil"}}],
        }
    }


def test_field_alone_is_a_filter() -> None:
    assert core("lang:und") == only_filter({"term": {"language": "und"}})


def test_topic() -> None:
    assert core("topic:adult-education") == only_filter({"term": {"topic_ids": "adult-education"}})


def test_country() -> None:
    assert core("country:sn") == only_filter({"terms": {"countries": ["SN"]}})


def test_country_region_is_its_countries() -> None:
    codes = sorted(codes_in_region("africa"))
    assert "SN" in codes
    assert core("country:Africa") == only_filter({"terms": {"countries": codes}})


def test_source_country_region_is_itself_and_its_countries() -> None:
    codes = sorted(codes_in_region("africa"))
    assert core("source-country:africa") == only_filter(
        {"terms": {"source_country": ["africa", *codes]}}
    )
    assert core("source-country:fr") == only_filter({"terms": {"source_country": ["FR"]}})


def test_since_is_inclusive_from_the_first_day() -> None:
    assert core("since:2024-02") == only_filter({"range": {"date": {"gte": "2024-02-01"}}})


def test_until_includes_the_last_day() -> None:
    assert core("until:2024-02") == only_filter({"range": {"date": {"lt": "2024-03-01"}}})
    assert core("until:2024") == only_filter({"range": {"date": {"lt": "2025-01-01"}}})


def test_negated_field() -> None:
    assert core("literacy -lang:en") == {
        "bool": {
            "must": [word("literacy")],
            "must_not": [only_filter({"term": {"language": "en"}})],
        }
    }


# --- ranking, translingual --------------------------------------------------------------------


def test_ranking_clause_is_optional_and_uses_positive_terms_only() -> None:
    query = compile_query(parse('literacy "adult learning" -youth'))
    assert query["bool"]["must"] == [core('literacy "adult learning" -youth')]
    assert query["bool"]["minimum_should_match"] == 0  # never widens the result set
    (ranking,) = query["bool"]["should"]
    assert ranking["multi_match"]["query"] == "literacy adult learning"
    assert "title_english^10" in ranking["multi_match"]["fields"]
    assert "text_cjk" in ranking["multi_match"]["fields"]
    assert len(ranking["multi_match"]["fields"]) == 24


def test_no_ranking_clause_without_positive_words() -> None:
    assert compile_query(parse("-youth lang:fr")) == core("-youth lang:fr")


def test_translingual_expansion_compiles_to_or_of_phrases(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "concept\tlang\tlabel\nc1\ten\tadult literacy\nc1\tfr\talphabétisation des adultes\n",
        encoding="utf-8",
    )
    tree = Expander(labels_file=labels).expand(parse("adult literacy lang:fr"))
    assert compile_query(tree, ranking=False) == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [
                            {"bool": {"must": [word("adult"), word("literacy")]}},
                            word("alphabétisation des adultes"),
                        ],
                        "minimum_should_match": 1,
                    }
                }
            ],
            "filter": [{"term": {"language": "fr"}}],
        }
    }


# --- request bodies ---------------------------------------------------------------------------


def test_search_body_relevance_first_page() -> None:
    body = search_body(parse("literacy"), size=20)
    assert body["query"] == compile_query(parse("literacy"))
    assert body["size"] == 20
    assert "from" not in body
    assert "search_after" not in body
    assert body["track_total_hits"] is True
    assert body["sort"] == [
        {"_score": {"order": "desc"}},
        {"date": {"order": "desc"}},
        {"id": {"order": "asc"}},
    ]
    assert body["highlight"] == {
        "pre_tags": ["["],
        "post_tags": ["]"],
        "fields": {
            "text": {
                "type": "unified",
                "fragment_size": 100,
                "number_of_fragments": 1,
                "no_match_size": 100,
            }
        },
    }


def test_search_body_by_date_keeps_scores() -> None:
    body = search_body(parse("literacy"), sort="date", size=10, offset=30)
    assert body["sort"] == [{"date": {"order": "desc"}}, {"id": {"order": "asc"}}]
    assert body["from"] == 30
    assert body["track_scores"] is True


def test_export_pages_skip_snippets_and_scores() -> None:
    body = search_body(parse("literacy"), sort="date", size=500, snippets=False)
    assert "highlight" not in body
    assert "track_scores" not in body


def test_ranking_clause_takes_at_most_twelve_words() -> None:
    query = compile_query(parse(" ".join(f"w{n}" for n in range(20))))
    assert query["bool"]["should"][0]["multi_match"]["query"] == " ".join(
        f"w{n}" for n in range(12)
    )


def test_no_highlight_without_words() -> None:
    assert "highlight" not in search_body(parse("lang:fr -youth"))
    assert "highlight" not in search_body(None)


def test_shallow_page_up_to_the_window() -> None:
    body = search_body(None, size=100, offset=MAX_RESULT_WINDOW - 100)
    assert body["from"] == 9_900


def test_deep_page_needs_search_after() -> None:
    with pytest.raises(ValueError, match="search_after"):
        search_body(None, size=100, offset=MAX_RESULT_WINDOW)
    after = [1.5, "2024-03-01T00:00:00Z", "abc"]
    body = search_body(parse("literacy"), size=100, search_after=after)
    assert body["search_after"] == after
    assert "from" not in body
    with pytest.raises(ValueError, match="not both"):
        search_body(None, size=10, offset=10, search_after=after)


def test_bad_sort_and_sizes() -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        search_body(None, sort="newest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        search_body(None, size=-1)


def test_count_body_has_no_ranking_clause() -> None:
    assert count_body(parse("literacy")) == {"query": word("literacy")}


# --- aggregations -----------------------------------------------------------------------------


def test_facets_aggs() -> None:
    order = [{"_count": "desc"}, {"_key": "asc"}]
    aggs = facets_aggs(["topic", "country", "language", "source", "source-country", "year"], 5)
    assert aggs == {
        "topic": {"terms": {"field": "topic_ids", "size": 5, "order": order}},
        "country": {"terms": {"field": "countries", "size": 5, "order": order}},
        "language": {"terms": {"field": "language", "size": 5, "order": order}},
        "source": {"terms": {"field": "source_id", "size": 5, "order": order}},
        "source-country": {"terms": {"field": "source_country", "size": 5, "order": order}},
        "year": {
            "date_histogram": {
                "field": "date",
                "calendar_interval": "year",
                "format": "yyyy",
                "min_doc_count": 1,
            }
        },
    }
    with pytest.raises(ValueError, match="unknown facet"):
        facets_aggs(["colour"])  # type: ignore[list-item]


def test_facets_and_trend_bodies_ask_for_no_hits() -> None:
    tree = parse("literacy lang:fr")
    assert facets_body(tree, ["topic"], 3) == {
        "query": compile_query(tree, ranking=False),
        "size": 0,
        "track_total_hits": True,
        "aggs": facets_aggs(["topic"], 3),
    }
    assert trend_body(None, "week") == {
        "query": {"match_all": {}},
        "size": 0,
        "track_total_hits": True,
        "aggs": trend_aggs("week"),
    }


@pytest.mark.parametrize("interval", ["day", "week", "month", "year"])
def test_trend_aggs(interval: str) -> None:
    assert trend_aggs(interval) == {  # type: ignore[arg-type]
        "trend": {
            "date_histogram": {
                "field": "date",
                "calendar_interval": interval,
                "format": "yyyy-MM-dd",
                "min_doc_count": 0,
            }
        }
    }


def test_trend_aggs_rejects_other_intervals() -> None:
    with pytest.raises(ValueError, match="interval"):
        trend_aggs("hour")  # type: ignore[arg-type]


#: The ``aggregations`` of a real-shaped ES 8/9 search response.
RESPONSE_AGGS: dict[str, Any] = {
    "topic": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 4,
        "buckets": [
            {"key": "adult-education", "doc_count": 12},
            {"key": "literacy", "doc_count": 7},
            {"key": "digital-skills", "doc_count": 7},
        ],
    },
    "language": {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": "en", "doc_count": 15}, {"key": "fr", "doc_count": 3}],
    },
    "year": {
        "buckets": [
            {"key_as_string": "2024", "key": 1704067200000, "doc_count": 5},
            {"key_as_string": "2025", "key": 1735689600000, "doc_count": 0},
            {"key_as_string": "2026", "key": 1767225600000, "doc_count": 13},
        ]
    },
    "trend": {
        "buckets": [
            {"key_as_string": "2026-01-01", "key": 1767225600000, "doc_count": 4},
            {"key_as_string": "2026-02-01", "key": 1769904000000, "doc_count": 0},
            {"key_as_string": "2026-03-01", "key": 1772323200000, "doc_count": 9},
        ]
    },
}


def test_read_facets_gives_the_sqlite_shape() -> None:
    facets = read_facets(RESPONSE_AGGS, ["topic", "language", "year", "country"], limit=2)
    assert facets == {
        "topic": [("adult-education", 12), ("digital-skills", 7)],  # ties by value, as SQLite
        "language": [("en", 15), ("fr", 3)],
        "year": [("2026", 13), ("2024", 5)],  # most first; empty years left out
        "country": [],  # no aggregation in the response: no values
    }


def test_read_trend_keeps_empty_periods_in_time_order() -> None:
    assert read_trend(RESPONSE_AGGS) == [("2026-01-01", 4), ("2026-02-01", 0), ("2026-03-01", 9)]
    assert read_trend({}) == []


# --- any accepted query compiles to plain JSON with no ES query-syntax parser -----------------

_FORBIDDEN = {"query_string", "simple_query_string"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


_PIECES = st.sampled_from(
    [
        "adult", "Éducation", "educat*", '"adult learning"', "AND", "OR", "NOT", "-", "(", ")",
        '"', "*", "lang:fr", "country:africa", "source-country:SN", "topic:literacy",
        "since:2024", "until:2025-02", "source:uil", "e-learning", "https://x.org", "10:30",
        "query_string", "{", "}", ":", "\\", "~2", "^3", "/re/", "&&", "||",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(_PIECES, max_size=12).map(" ".join),
        st.text(max_size=60),
        st.integers(0, 32).map(_nested),
    )
)
def test_any_parsed_query_compiles_to_safe_json(text: str) -> None:
    try:
        tree = parse(text)
    except QuerySyntaxError:
        return
    refused = ""
    try:
        bodies = [search_body(tree), count_body(tree), search_body(tree, sort="date")]
    except QuerySyntaxError as error:
        refused = str(error)
    if refused:  # only for nesting past ES's limit
        assert "nested too deeply for Elasticsearch" in refused
        return
    for body in bodies:
        encoded = json.loads(json.dumps(body, ensure_ascii=False))
        assert encoded == body
        assert not _keys(body) & _FORBIDDEN


# --- the official client's DSL knows every query and aggregation used ---------------------------


@pytest.mark.parametrize(
    "text",
    ["", "educat*", '(adult OR lit*) -"x y" lang:fr until:2024', "country:africa -source:uil"],
)
def test_bodies_read_back_through_the_client_dsl(text: str) -> None:
    dsl = pytest.importorskip("elasticsearch.dsl")
    body = search_body(parse(text), size=5, offset=5)
    body["aggs"] = facets_aggs(["topic", "country", "year"]) | trend_aggs("week")
    assert dsl.Search.from_dict(body).to_dict() == body  # unknown query/agg names would raise
