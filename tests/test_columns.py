"""The web app's in-memory columns (watch.store.columns) give exactly what SQL gives: facets,
trends and date order, on a generated store, and still after the store changes under them
(new, updated, retagged and deleted articles; a log trimmed past the reader)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watch.errors import QuerySyntaxError
from watch.items import Article, TopicTag
from watch.query import Node, parse
from watch.store import Store, open_store
from watch.store import columns as columns_module
from watch.store.base import FACET_FIELDS, FacetField
from watch.store.columns import Columns

WORDS = [
    "literacy",
    "adult",
    "education",
    "learning",
    "skills",
    "training",
    "women",
    "rural",
    "digital",
    "city",
]
TOPICS = ["literacy", "vocational-training", "learning-cities", "digital-skills", "sdg4"]
COUNTRIES = ["SN", "FR", "DE", "BR", "IN", "KE"]
ALL_FIELDS: tuple[FacetField, ...] = ("topic", "country", "language", "source",
                                      "source-country", "year")  # fmt: skip
QUERIES = [None, "literacy", "adult education", "lang:fr", "topic:literacy",
           "literacy country:SN", "-literacy", "learn*", "since:2021 topic:digital-skills",
           "women OR rural", "nothingmatches"]  # fmt: skip


def generated(n: int, seed: int, start: int = 0) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(start, start + n):
        day = f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        stamp = f"{day}T{rng.choice(['08', '12'])}:00:00Z"  # many equal dates: ties
        out.append(Article(
            id=f"g{i:05d}", url=f"https://s{i % 7}.example/{i}",
            canonical_url=f"https://s{i % 7}.example/{i}", source_id=f"src-{i % 7}",
            source_country=COUNTRIES[i % 5], title=" ".join(rng.sample(WORDS, 3)),
            text=" ".join(rng.choices(WORDS, k=25)) + f" unique{i}",
            published_at=stamp if rng.random() > 0.05 else "",
            fetched_at="2026-01-02T00:00:00Z", language=rng.choice(["en", "en", "fr", "es"]),
            topics=[TopicTag(t, 0.8, []) for t in rng.sample(TOPICS, rng.randint(0, 2))],
            countries=rng.sample(COUNTRIES, rng.randint(0, 3)),
        ))  # fmt: skip
    return out


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store, Columns]]:
    """A writer (plain SQL reads) and a read-only reader with columns, on one file."""
    writer = open_store(tmp_path)
    writer.articles.upsert(generated(400, seed=7))
    columns = Columns()
    reader = open_store(tmp_path, readonly=True, columns=columns)
    yield writer, reader, columns
    reader.close()
    writer.close()


def assert_same(plain: Store, fast: Store) -> None:
    for text in QUERIES:
        query = parse(text) if text else None
        assert fast.articles.facets(query, ALL_FIELDS, 50) == plain.articles.facets(
            query, ALL_FIELDS, 50), text  # fmt: skip
        assert fast.articles.facets(query, FACET_FIELDS, 2) == plain.articles.facets(
            query, FACET_FIELDS, 2), text  # fmt: skip
        for interval in ("day", "week", "month", "year"):
            for by in (None, *ALL_FIELDS):
                want = plain.articles.trend(query, interval, by, 4)  # type: ignore[arg-type]
                got = fast.articles.trend(query, interval, by, 4)  # type: ignore[arg-type]
                assert got == want, (text, interval, by)
        assert_same_pages(plain, fast, query, text)


def assert_same_pages(plain: Store, fast: Store, query: Node | None, text: str | None) -> None:
    assert fast.articles.count(query) == plain.articles.count(query), text
    for sort in ("relevance", "date"):
        for offset in (0, 7, 150):
            want = plain.articles.search(query, sort=sort, limit=13, offset=offset)  # type: ignore[arg-type]
            got = fast.articles.search(query, sort=sort, limit=13, offset=offset)  # type: ignore[arg-type]
            assert got.total == want.total, text
            assert [(h.article.id, h.score, h.snippet, h.cluster_size) for h in got.hits] == [
                (h.article.id, h.score, h.snippet, h.cluster_size) for h in want.hits
            ], (text, sort, offset)


def test_columns_answer_as_sql_does(stores: tuple[Store, Store, Columns]) -> None:
    writer, reader, columns = stores
    assert_same(writer, reader)
    assert columns.loads == 1
    top = reader.articles.search(parse("literacy"), sort="date", limit=5)
    assert len(top.hits) == 5  # scores and snippets: as SQL gives them (assert_same)
    assert any("[literacy]" in h.snippet for h in top.hits)


def test_columns_follow_the_store(
    stores: tuple[Store, Store, Columns], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader, columns = stores
    assert_same(writer, reader)
    writer.articles.upsert(generated(60, seed=8, start=400))  # new
    changed = generated(30, seed=9)  # the same ids, other facts: updated in place
    writer.articles.upsert(changed)
    with writer.db.transaction() as conn:  # retagged (as llwatch retag writes) and deleted
        conn.execute("UPDATE articles SET topics = ?, countries = ? WHERE id IN "
                     "('g00100', 'g00101', 'g00102')",
                     (json.dumps([{"id": "sdg4", "score": 0.9, "terms": []}]), '["BR"]'))  # fmt: skip
        conn.execute("DELETE FROM articles WHERE id IN ('g00200', 'g00201', 'g00420')")
    assert_same(writer, reader)
    assert columns.loads == 1  # the changes were applied, not everything read again
    facts = reader.articles.facets(parse("unique100"), ("topic", "country"), 9)
    assert facts == {"topic": [("sdg4", 1)], "country": [("BR", 1)]}
    assert reader.articles.facets(parse("unique200"), ("language",), 9) == {"language": []}

    monkeypatch.setattr(columns_module, "TRIM_KEEP", 5)
    writer.articles.upsert(generated(20, seed=10, start=500))  # the log trimmed past the reader
    assert_same(writer, reader)
    assert columns.loads == 2


def test_new_rowids_beyond_the_arrays(tmp_path: Path) -> None:
    """A store that grows far past the columns' room still answers in full."""
    writer = open_store(tmp_path)
    writer.articles.upsert(generated(3, seed=1))
    columns = Columns()
    reader = open_store(tmp_path, readonly=True, columns=columns)
    assert reader.articles.facets(None, ("language",), 5)["language"]
    writer.articles.upsert(generated(3000, seed=2, start=3))
    assert_same(writer, reader)
    assert columns.loads == 1
    reader.close()
    writer.close()


PIECES = [*WORDS, "liter*", '"adult education"', "lang:fr", "lang:es", "topic:literacy",
          "topic:sdg4", "country:SN", "country:africa", "source-country:FR", "source:src-3",
          "since:2022", "until:2020-06", "unique17", "nothing"]  # fmt: skip


@st.composite
def queries(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4))
    out = []
    for part in parts:
        out.append(draw(st.sampled_from(["", "-", "NOT "])) + part)
        out.append(draw(st.sampled_from(["", "OR", "AND"])))
    text = " ".join(out[:-1])
    return f"({text}) {draw(st.sampled_from(PIECES))}" if draw(st.booleans()) else text


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    folder = tmp_path_factory.mktemp("columns")
    writer = open_store(folder)
    writer.articles.upsert(generated(300, seed=11))
    reader = open_store(folder, readonly=True, columns=Columns())
    yield writer, reader
    reader.close()
    writer.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=queries())
def test_any_query_answers_as_sql_does(shared: tuple[Store, Store], text: str) -> None:
    plain, fast = shared
    try:
        query = parse(text)
    except QuerySyntaxError:
        return
    assert_same_pages(plain, fast, query, text)
    assert fast.articles.facets(query, ALL_FIELDS, 9) == plain.articles.facets(query, ALL_FIELDS, 9)
    assert fast.articles.trend(query, "month", "topic") == plain.articles.trend(
        query, "month", "topic"
    )


def test_ties_past_the_first_rows(tmp_path: Path) -> None:
    """Two hundred reposts of one text score the same: their order (newest, then last stored)
    is SQL's on every page, also past the rows the index sorts first."""
    writer = open_store(tmp_path)
    same = [Article(id=f"t{i:03d}", url=f"https://r{i}.example/a", canonical_url=f"https://r{i}.example/a",
                    source_id=f"r{i % 9}", title="Literacy week", text="Adult literacy classes open.",
                    published_at=f"2026-0{1 + i % 3}-0{1 + i % 2}T10:00:00Z",
                    fetched_at="2026-04-01T00:00:00Z", language="en") for i in range(200)]  # fmt: skip
    writer.articles.upsert([*generated(50, seed=3), *same])
    reader = open_store(tmp_path, readonly=True, columns=Columns())
    for text in ("literacy", "literacy week", "literacy lang:en"):
        query = parse(text)
        for offset in (0, 60, 130, 195):
            want = writer.articles.search(query, limit=20, offset=offset)
            got = reader.articles.search(query, limit=20, offset=offset)
            assert [h.article.id for h in got.hits] == [h.article.id for h in want.hits]
            assert got.total == want.total
    reader.close()
    writer.close()
