"""Result-set parity of watch.store.elastic_query with the SQLite store, without a cluster.

A small model of how Elasticsearch evaluates the DSL subset that elastic_query emits (bool,
multi_match phrase/bool_prefix, term, terms, range on dates, match_all) runs the compiled query
over the documents of a real SQLite store; for queries built at random from the query language,
the ids must equal those the store's FTS5/SQL finds. The corpus keeps to words that the
standard tokenizer and unicode61 split alike (ASCII letters, hyphens, accents), so what is
compared is the boolean structure, the field filters and the date bounds.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watch.errors import QuerySyntaxError
from watch.items import Article, TopicTag
from watch.query import parse
from watch.store import Store, open_store
from watch.store.elastic_query import compile_query

_WORDS = [
    "adult", "adults", "learning", "e-learning", "Éducation", "education", "EDUCATIONAL",
    "literacy", "alphabétisation", "cities", "senegal", "school", "evening",
]  # fmt: skip
_DATES = [
    "2023-12-31T23:00:00Z", "2024-01-01T00:00:00Z", "2024-02-29T23:59:59Z",
    "2024-03-01T00:00:00Z", "2024-07-14T12:00:00Z", "2025-01-01T00:00:00Z",
]  # fmt: skip


def _corpus() -> list[Article]:
    rng = random.Random(20261126)
    articles = []
    for n in range(40):
        published = rng.choice([*_DATES, ""])
        articles.append(
            Article(
                id=f"id{n:03d}",
                url=f"https://news.example/{n}",
                canonical_url=f"https://news.example/{n}",
                source_id=rng.choice(["uil", "src", "fr-src"]),
                source_country=rng.choice(["SN", "FR", "KE", "africa", "global", ""]),
                title=" ".join(rng.choices(_WORDS, k=3)),
                summary=" ".join(rng.choices(_WORDS, k=rng.randint(0, 4))),
                text=" ".join(rng.choices(_WORDS, k=8)),
                published_at=published,
                fetched_at=rng.choice(_DATES),
                language=rng.choice(["en", "fr", "es", "und"]),
                countries=rng.sample(["SN", "FR", "KE", "BR", "DE"], k=rng.randint(0, 3)),
                topics=[TopicTag(t, 0.5) for t in rng.sample(["literacy", "adult-education"], k=1)],
            )
        )
    return articles


_ANALYZERS = {"en": "english", "fr": "french", "es": "spanish"}


def _document(article: Article) -> dict[str, Any]:
    """The ES document of the shared contract (the fields the query uses); the per-language
    fields only for the article's language (stemming is not modelled)."""
    analyzer = _ANALYZERS.get(article.language)
    per_language = (
        {f"{part}_{analyzer}": getattr(article, part) for part in ("title", "summary", "text")}
        if analyzer
        else {}
    )
    return per_language | {
        "id": article.id,
        "title": article.title,
        "summary": article.summary,
        "text": article.text,
        "language": article.language,
        "source_id": article.source_id,
        "source_country": article.source_country,
        "countries": article.countries,
        "topic_ids": [t.id for t in article.topics],
        "date": article.published_at or article.fetched_at,
    }


# --- the model of ES ------------------------------------------------------------------------


def _analyse(text: str) -> list[str]:
    """The ``folded`` analyzer on this corpus: lowercase + asciifolding, split at non-alnum."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", folded)


def _field_names(fields: list[str]) -> Iterator[str]:
    return (name.split("^")[0] for name in fields)


def _phrase_in(tokens: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(tokens[i : i + n] == words for i in range(len(tokens) - n + 1))


def _bool_prefix_in(tokens: list[str], words: list[str]) -> bool:
    *whole, last = words
    return all(w in tokens for w in whole) and any(t.startswith(last) for t in tokens)


def _multi_match(spec: dict[str, Any], doc: dict[str, Any]) -> bool:
    words = _analyse(spec["query"])
    if not words:
        return False  # zero_terms_query: none
    if spec["type"] == "best_fields":  # the ranking clause: any word, in a field the doc has
        names = [name for name in _field_names(spec["fields"]) if name in doc]
        return any(set(_analyse(doc[name])) & set(words) for name in names)
    test = _phrase_in if spec["type"] == "phrase" else _bool_prefix_in
    assert spec["type"] == "phrase" or spec.get("operator") == "and"
    return any(test(_analyse(doc[name]), words) for name in _field_names(spec["fields"]))


def _values(doc: dict[str, Any], name: str) -> list[Any]:
    value = doc.get(name)  # a field the document lacks matches no term
    return value if isinstance(value, list) else [] if value is None else [value]


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _range(spec: dict[str, Any], doc: dict[str, Any]) -> bool:
    ((name, bounds),) = spec.items()
    if not doc.get(name):
        return False  # a missing date matches no range
    value = _instant(doc[name])
    checks = {"gte": value.__ge__, "lt": value.__lt__}
    return all(checks[op](_instant(bound)) for op, bound in bounds.items())


def _bool(spec: dict[str, Any], doc: dict[str, Any]) -> bool:
    must = spec.get("must", []) + spec.get("filter", [])
    should = spec.get("should", [])
    wanted = spec.get("minimum_should_match", 0 if must else 1 if should else 0)
    return (
        all(matches(q, doc) for q in must)
        and not any(matches(q, doc) for q in spec.get("must_not", []))
        and sum(matches(q, doc) for q in should) >= wanted
    )


def matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "bool":
        return _bool(spec, doc)
    if kind == "multi_match":
        return _multi_match(spec, doc)
    if kind == "range":
        return _range(spec, doc)
    if kind == "ids":
        return doc.get("id") in spec["values"]
    if kind == "exists":
        return doc.get(spec["field"]) not in (None, "", [])
    ((name, wanted),) = spec.items()
    wanted = wanted if kind == "terms" else [wanted]
    return bool(set(_values(doc, name)) & set(wanted))


# --- the comparison ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[dict[str, Any]]]:
    articles = _corpus()
    store = open_store(tmp_path_factory.mktemp("parity"))
    store.articles.upsert(articles)
    return store, [_document(a) for a in articles]


def _same_ids(corpus: tuple[Store, list[dict[str, Any]]], text: str) -> None:
    store, documents = corpus
    tree = parse(text)
    expected = sorted(a.id for a in store.articles.iter_articles(tree))
    query = compile_query(tree)
    assert sorted(d["id"] for d in documents if matches(query, d)) == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "education",
        "educat*",
        "EDUC*",
        "alphabetisation",
        '"adult learning"',
        "e-learning",
        "adult -learning",
        "-adult",
        "--adult",
        "adult OR literacy lang:fr",
        "(adult OR lang:es) -country:SN",
        "country:africa",
        "source-country:africa",
        "topic:literacy since:2024-03",
        "until:2024-02",
        "since:2024 until:2024",
        "!!! OR school",
        "school -!!!",
    ],
)
def test_examples_have_the_same_results(
    corpus: tuple[Store, list[dict[str, Any]]], text: str
) -> None:
    _same_ids(corpus, text)


def test_the_examples_are_not_trivial(corpus: tuple[Store, list[dict[str, Any]]]) -> None:
    store, documents = corpus
    for text in ("education", "educat*", '"adult learning"', "until:2024-02", "country:africa"):
        found = store.articles.count(parse(text))
        assert 0 < found < len(documents), text


_PIECES = st.sampled_from(
    [
        *[w for w in _WORDS if "-" not in w], "e-learning", "educat*", "lit*", "adult*", "zzz",
        '"adult learning"', '"education literacy"', "AND", "OR", "NOT", "-", "(", ")",
        "lang:fr", "lang:en", "country:SN", "country:africa", "country:europe-north-america",
        "source-country:africa", "source-country:FR", "topic:literacy", "source:uil",
        "since:2024-03", "until:2024-02", "since:2024", "until:2023", "!!!",
    ]
)  # fmt: skip


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_PIECES, min_size=1, max_size=8).map(" ".join))
def test_random_queries_have_the_same_results(
    corpus: tuple[Store, list[dict[str, Any]]], text: str
) -> None:
    try:
        parse(text)
    except QuerySyntaxError:
        return
    _same_ids(corpus, text)
