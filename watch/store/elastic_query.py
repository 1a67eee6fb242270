"""Compile a query tree (watch.query) to the Elasticsearch query DSL, as plain dicts.

A pure module: no network, no client. The document fields are those of the shared ES contract
(``title``/``summary``/``text`` analysed by ``folded`` = standard tokenizer + lowercase +
asciifolding, the parity twin of SQLite's ``unicode61 remove_diacritics 2``; keyword filters;
``date``). The goal is the SAME RESULT SET as :mod:`watch.store.fts` for the same tree:

* A word (``Term``) must occur in title, summary or text: ``multi_match`` of type ``phrase``
  over the folded fields. For a one-token word ES builds a plain term query per field; for a
  word the tokenizer splits (``e-learning``) it is a phrase, as FTS5 reads a quoted string.
* A prefix (``educat*``) is ``multi_match`` of type ``bool_prefix`` with operator ``and``: ES
  analyses the text with the field's own analyzer (so folding is done by the very analyzer that
  indexed the field, never re-implemented here) and the last token becomes a ``prefix`` query,
  which has no expansion cap (unlike ``match_phrase_prefix``'s ``max_expansions``).
* A phrase is ``multi_match`` of type ``phrase`` (all its words in one field, in order), like
  an FTS5 phrase, which never spans columns.
* Fields are ``term``/``terms``/``range`` clauses in ``bool.filter`` (no effect on scores);
  And/Or/Not are ``bool`` must/should (``minimum_should_match`` 1)/must_not.

Where the result sets may still differ from SQLite's:

* Tokenisation (index side, fixed by the ``folded`` analyzer): unicode61 splits at every
  character that is not a letter, digit or private-use character; the standard tokenizer keeps
  ``l'éducation``, ``U.S.``, ``4.0``, ``2,000`` and ``foo_bar`` whole and cuts CJK text into
  single characters (unicode61 keeps a CJK run as one token). So ``education`` finds
  ``l'éducation`` in SQLite only, and a CJK word finds more in ES.
* asciifolding folds a little more than ``remove_diacritics 2`` (``ß``→``ss``, ``æ``→``ae``).
* A prefix word the tokenizer splits (``e-learn*``): FTS5 wants the parts adjacent, ES only in
  the same field (``bool_prefix`` has no positions).
* An article with no date at all matches ``until:`` in SQLite (``'' < '2024-03-01'``) but no
  ``range`` in ES; ``date`` is never empty for stored articles (fetched_at is always set).

User text only ever reaches analysed structured queries (``multi_match``), never
``query_string`` or ``simple_query_string``, so nothing typed is read as ES syntax.
The per-language fields (``title_english``...) are used only in one optional ``should`` clause
beside the compiled tree, to rank stemmed matches higher; they never widen the result set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Literal, get_args

from watch.errors import QuerySyntaxError
from watch.query import (
    REGIONS,
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    positive_terms,
    to_string,
)
from watch.store.base import FacetField, Sort
from watch.store.fts import query_codes

__all__ = [
    "LANGUAGE_ANALYZERS",
    "MAX_NESTED_DEPTH",
    "MAX_RESULT_WINDOW",
    "TEXT_FIELDS",
    "Interval",
    "compile_query",
    "count_body",
    "facets_aggs",
    "facets_body",
    "read_facets",
    "read_trend",
    "search_body",
    "trend_aggs",
    "trend_body",
]

Query = dict[str, Any]
Interval = Literal["day", "week", "month", "year"]

#: The folded parity fields with the weights of SQLite's bm25 (title 10, summary 3, text 1).
TEXT_FIELDS: tuple[str, ...] = ("title^10", "summary^3", "text")
#: The per-language analysers of the contract; their fields are used for ranking only.
LANGUAGE_ANALYZERS: tuple[str, ...] = (
    "english", "french", "spanish", "portuguese", "german", "italian", "arabic", "cjk",
)  # fmt: skip
#: ES's default ``index.max_result_window``: ``from + size`` may not exceed it.
MAX_RESULT_WINDOW = 10_000
#: ES's default ``indices.query.bool.max_nested_depth`` (8.x/9.x): deeper queries are refused.
MAX_NESTED_DEPTH = 30
#: At most this many words go into the ranking clause: each word is a clause in each of its 24
#: fields, and ES caps the clauses of a whole query (at least 1,024, more with a bigger heap).
MAX_RANKING_WORDS = 12
#: Characters of the highlighted passage, about the 16 tokens of the SQLite snippet.
SNIPPET_CHARS = 100

#: The document field of each facet.
FACET_SOURCES: dict[str, str] = {
    "topic": "topic_ids",
    "country": "countries",
    "language": "language",
    "source": "source_id",
    "source-country": "source_country",
}
_KEYWORD_FIELDS = {"lang": "language", "source": "source_id", "topic": "topic_ids"}


# ---------------------------------------------------------------------------------------------
# The query
# ---------------------------------------------------------------------------------------------


def compile_query(node: Node | None, *, ranking: bool = True) -> Query:
    """The ``query`` of a request for ``node``; None (empty query) is ``match_all``.

    With ``ranking`` the compiled tree goes in ``must`` and the words and phrases not under a
    NOT are matched again against the per-language fields in an optional ``should`` (score only).
    Raises QuerySyntaxError when the result would nest deeper than ES accepts
    (:data:`MAX_NESTED_DEPTH`; the parser allows a few more levels of ``(`` and NOT).
    """
    if node is None:
        return {"match_all": {}}
    core = _compile(node)
    clause = _ranking_clause(node) if ranking else None
    query = core
    if clause is not None:
        query = {"bool": {"must": [core], "should": [clause], "minimum_should_match": 0}}
    if (depth := _depth(query)) > MAX_NESTED_DEPTH:
        message = (
            f"query nested too deeply for Elasticsearch ({depth} levels, at most"
            f" {MAX_NESTED_DEPTH}): remove some parentheses or NOTs"
        )
        raise QuerySyntaxError(message, _text(node), 0)
    return query


def _depth(query: Query) -> int:
    """Levels of nested queries, the leaf included (how ES counts against its limit)."""
    ((kind, spec),) = query.items()
    if kind != "bool":
        return 1
    clauses = [c for key in ("must", "filter", "should", "must_not") for c in spec.get(key, [])]
    return 1 + max((_depth(clause) for clause in clauses), default=0)


def _text(node: Node) -> str:
    try:
        return to_string(node)
    except ValueError:  # a hand-built tree no query text gives
        return ""


def _compile(node: Node) -> Query:
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Phrase):
        return _multi_match(node.text, "phrase")
    if isinstance(node, Field):
        return {"bool": {"filter": [_filter(node)]}}
    if isinstance(node, Not):
        return _not(node)
    if isinstance(node, Or):
        should = [_compile(child) for child in node.children]
        return {"bool": {"should": should, "minimum_should_match": 1}}
    return _and(node)


def _term(node: Term) -> Query:
    if node.prefix:
        return _multi_match(node.text, "bool_prefix", operator="and")
    return _multi_match(node.text, "phrase")


def _multi_match(text: str, kind: str, **extra: str) -> Query:
    return {"multi_match": {"query": text, "type": kind, "fields": list(TEXT_FIELDS), **extra}}


def _not(node: Not) -> Query:
    """``NOT x``; ``NOT NOT x`` is ``x`` (one bool level less: ES caps the nesting depth)."""
    if isinstance(node.child, Not):
        return _compile(node.child.child)
    return {"bool": {"must_not": [_compile(node.child)]}}


def _and(node: And) -> Query:
    """Words and groups in ``must`` (scored), fields in ``filter``, negations in ``must_not``."""
    must: list[Query] = []
    filters: list[Query] = []
    must_not: list[Query] = []
    for child in node.children:
        if isinstance(child, Field):
            filters.append(_filter(child))
        elif isinstance(child, Not) and not isinstance(child.child, Not):
            must_not.append(_compile(child.child))
        else:
            must.append(_compile(child))
    parts = {"must": must, "filter": filters, "must_not": must_not}
    return {"bool": {key: value for key, value in parts.items() if value}}


def _filter(node: Field) -> Query:
    """The filter clause of a field, with the same values and bounds as watch.store.fts."""
    if node.name == "since":
        return {"range": {"date": {"gte": node.value}}}
    if node.name == "until":  # until: is the last day, included: before the next day
        following = date.fromisoformat(node.value) + timedelta(days=1)
        return {"range": {"date": {"lt": following.isoformat()}}}
    if node.name == "country":
        return {"terms": {"countries": query_codes(node.value)}}
    if node.name == "source-country":
        extra = query_codes(node.value) if node.value in REGIONS else []
        return {"terms": {"source_country": [node.value, *extra]}}
    return {"term": {_KEYWORD_FIELDS[node.name]: node.value}}


def _ranking_clause(node: Node) -> Query | None:
    """The positive words and phrases against the per-language (stemmed) fields, or None."""
    words = " ".join(positive_terms(node)).split()[:MAX_RANKING_WORDS]
    if not words:
        return None
    fields = [
        f"{part}_{language}{boost}"
        for language in LANGUAGE_ANALYZERS
        for part, boost in (("title", "^10"), ("summary", "^3"), ("text", ""))
    ]
    return {"multi_match": {"query": " ".join(words), "type": "best_fields", "fields": fields}}


# ---------------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------------


def search_body(
    node: Node | None,
    *,
    sort: Sort = "relevance",
    size: int = 20,
    search_after: Sequence[Any] | None = None,
    offset: int = 0,
    snippets: bool = True,
) -> dict[str, Any]:
    """The body of a ``_search`` request for one page of results.

    With ``snippets`` (and words in the query) each hit gets one highlighted passage of
    ``text``, matches between ``[`` and ``]``, and scores are kept when sorting by date; an
    export (``iter_articles``) passes ``snippets=False`` to skip both.

    Sort ``relevance``: ``_score`` desc, then ``date`` desc, then ``id`` asc; ``date``: ``date``
    desc then ``id`` asc (scores still computed with ``track_scores``). ``id`` makes the order
    total, which ``search_after`` needs.

    Paging: shallow pages use ``from`` = ``offset`` (ES refuses ``from + size`` above
    :data:`MAX_RESULT_WINDOW`, 10,000). Deep pages, and walking the whole result set (export,
    ``iter_articles``), pass ``search_after`` = the ``sort`` values of the last hit of the
    previous page; then ``offset`` must be 0. Raises ValueError for a page past the window
    without ``search_after``.
    """
    if size < 0 or offset < 0:
        raise ValueError("size and offset must not be negative")
    if search_after is None and offset + size > MAX_RESULT_WINDOW:
        raise ValueError(
            f"page {offset}+{size} is past Elasticsearch's {MAX_RESULT_WINDOW:,}-hit window:"
            " page on with search_after (the sort values of the previous page's last hit)"
        )
    if search_after is not None and offset:
        raise ValueError("give either offset or search_after, not both")
    body: dict[str, Any] = {
        "query": compile_query(node),
        "size": size,
        "sort": _sort(sort),
        "track_total_hits": True,
    }
    if snippets and sort == "date":
        body["track_scores"] = True
    if search_after is not None:
        body["search_after"] = list(search_after)
    elif offset:
        body["from"] = offset
    if snippets and node is not None and positive_terms(node):
        body["highlight"] = _highlight()
    return body


def _sort(sort: Sort) -> list[Any]:
    newest = {"date": {"order": "desc"}}
    tiebreak = {"id": {"order": "asc"}}
    if sort == "date":
        return [newest, tiebreak]
    if sort == "relevance":
        return [{"_score": {"order": "desc"}}, newest, tiebreak]
    raise ValueError(f"unknown sort {sort!r} (relevance or date)")


def _highlight() -> dict[str, Any]:
    """One passage of ``text`` with the matches between ``[`` and ``]`` (as the SQLite snippet)."""
    text = {
        "type": "unified",
        "fragment_size": SNIPPET_CHARS,
        "number_of_fragments": 1,
        "no_match_size": SNIPPET_CHARS,
    }
    return {"pre_tags": ["["], "post_tags": ["]"], "fields": {"text": text}}


def count_body(node: Node | None) -> dict[str, Any]:
    """The body of a ``_count`` request (no ranking clause: only the set matters)."""
    return {"query": compile_query(node, ranking=False)}


# ---------------------------------------------------------------------------------------------
# Aggregations
# ---------------------------------------------------------------------------------------------


def facets_aggs(fields: Sequence[FacetField], limit: int = 20) -> dict[str, Any]:
    """One aggregation per facet, named by the facet: most frequent values first, then by value
    (the order of SQLiteArticleStore.facets); ``year`` is a yearly ``date_histogram``."""
    aggs: dict[str, Any] = {}
    for name in fields:
        if name == "year":
            aggs[name] = {
                "date_histogram": {
                    "field": "date",
                    "calendar_interval": "year",
                    "format": "yyyy",
                    "min_doc_count": 1,
                }
            }
        elif name in FACET_SOURCES:
            order = [{"_count": "desc"}, {"_key": "asc"}]
            aggs[name] = {"terms": {"field": FACET_SOURCES[name], "size": limit, "order": order}}
        else:
            raise ValueError(f"unknown facet {name!r} (known: {', '.join(get_args(FacetField))})")
    return aggs


def facets_body(node: Node | None, fields: Sequence[FacetField], limit: int = 20) -> dict[str, Any]:
    """The body of a ``_search`` for the facets of the matching articles (no hits)."""
    query = compile_query(node, ranking=False)
    return {"query": query, "size": 0, "track_total_hits": True, "aggs": facets_aggs(fields, limit)}


def trend_body(node: Node | None, interval: Interval = "month") -> dict[str, Any]:
    """The body of a ``_search`` for the trend of the matching articles (no hits)."""
    query = compile_query(node, ranking=False)
    return {"query": query, "size": 0, "track_total_hits": True, "aggs": trend_aggs(interval)}


def trend_aggs(interval: Interval = "month") -> dict[str, Any]:
    """Articles per day/week/month/year on ``date`` ("attention over time"); empty periods
    between the first and the last are kept (count 0). Keys are the periods' first days."""
    if interval not in get_args(Interval):
        raise ValueError(f"unknown interval {interval!r} (day, week, month or year)")
    histogram = {
        "field": "date",
        "calendar_interval": interval,
        "format": "yyyy-MM-dd",
        "min_doc_count": 0,
    }
    return {"trend": {"date_histogram": histogram}}


def read_facets(
    aggregations: Mapping[str, Any], fields: Sequence[FacetField], limit: int = 20
) -> dict[str, list[tuple[str, int]]]:
    """A response's ``aggregations`` as SQLiteArticleStore.facets gives them:
    ``{facet: [(value, count), ...]}``, most first, then by value, at most ``limit``."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name in fields:
        pairs = [(_key(b), int(b["doc_count"])) for b in _buckets(aggregations, name)]
        pairs = [pair for pair in pairs if pair[1] > 0]
        out[name] = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:limit]
    return out


def read_trend(aggregations: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The buckets of :func:`trend_aggs` in time order: ``[(first day, count), ...]``."""
    return [(_key(b), int(b["doc_count"])) for b in _buckets(aggregations, "trend")]


def _buckets(aggregations: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    agg = aggregations.get(name) or {}
    return list(agg.get("buckets") or [])


def _key(bucket: Mapping[str, Any]) -> str:
    return str(bucket.get("key_as_string", bucket["key"]))
