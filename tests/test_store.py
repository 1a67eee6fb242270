"""The embedded store on real SQLite files: upserts, FTS5 sync, query compilation, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from watch.errors import StoreUnavailable
from watch.items import Article, TopicTag
from watch.query import parse
from watch.store import Store, open_store
from watch.store.fts import compile_query, fts_quote
from watch.store.schema import MIGRATIONS


def make(n: int, **fields: object) -> Article:
    base = {
        "id": f"id{n:03d}",
        "url": f"https://news.example/{n}",
        "canonical_url": f"https://news.example/{n}",
        "source_id": "src",
        "title": f"Article {n}",
        "text": f"Body of article number {n}.",
        "published_at": f"2026-01-{n % 28 + 1:02d}T10:00:00Z",
        "fetched_at": "2026-02-01T00:00:00Z",
        "language": "en",
    }
    return Article(**(base | fields))  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path)
    s.articles.upsert(
        [
            make(1, title="Adult literacy in Senegal", text="Evening classes for adults.", source_country="SN", countries=["SN", "FR"]),
            make(2, title="Sport news", text="The team's training camp; adult literacy is mentioned once."),
            make(3, title="Alphabétisation des adultes", text="Cours du soir.", language="fr", source_id="fr-src"),
            make(4, title="Educational policy", text="Education financing and SDG 4.", published_at="2025-06-01T00:00:00Z"),
            make(5, title="Learning cities", text="The learning cities network meets.",
                 topics=[TopicTag("learning-cities", 0.9, ["learning cities"])]),
        ]
    )  # fmt: skip
    return s


def ids(store: Store, query: str, **kw: object) -> list[str]:
    return [h.article.id for h in store.articles.search(parse(query), **kw).hits]  # type: ignore[arg-type]


def test_upsert_outcomes_and_update_in_place(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    assert s.articles.upsert([make(1), make(2)]) == ["new", "new"]
    assert s.articles.upsert([make(1), make(2, title="Changed")]) == ["unchanged", "updated"]
    assert s.articles.count() == 2
    assert s.articles.get("id002").title == "Changed"  # type: ignore[union-attr]
    assert [h.article.id for h in s.articles.search(parse("changed")).hits] == ["id002"]
    assert s.articles.search(parse('"article 2"')).total == 0  # the old title left the index


def test_round_trip_of_every_field(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    original = make(7, authors=["A. B", "C D"], topics=[TopicTag("literacy", 0.5, ["literacy"])],
                    countries=["SN", "FR"], relevance=0.75, language_confidence=0.99, summary="S")  # fmt: skip
    s.articles.upsert([original])
    assert s.articles.get("id007") == original


def test_ranking_puts_title_matches_first(store: Store) -> None:
    assert ids(store, '"adult literacy"') == ["id001", "id002"]


def test_diacritics_fold(store: Store) -> None:
    assert ids(store, "alphabetisation") == ["id003"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lang:fr", ["id003"]),
        ("source:fr-src", ["id003"]),
        ("country:SN", ["id001"]),
        ("country:FR", ["id001"]),
        ("country:africa", ["id001"]),
        ("source-country:SN", ["id001"]),
        ("source-country:africa", ["id001"]),
        ("source-country:FR", []),
        ("adult -sport", ["id001"]),
        ("adult NOT sport", ["id001"]),
        ("-adult", ["id005", "id004", "id003"]),
        ("educat*", ["id004"]),
        ("since:2026-01-01 until:2026-12", ["id005", "id003", "id002", "id001"]),
        ("until:2025", ["id004"]),
        ("topic:learning-cities", ["id005"]),
        ("literacy OR financing", ["id001", "id002", "id004"]),
        ("(lang:fr OR country:SN) -evening", ["id003"]),
        ("lang:fr OR literacy", ["id003", "id002", "id001"]),
        ("sport -(lang:fr OR adult)", []),
    ],
)
def test_query_operators(store: Store, query: str, expected: list[str]) -> None:
    assert sorted(ids(store, query, sort="date")) == sorted(expected)


def test_sort_by_date_and_pagination(store: Store) -> None:
    every = ids(store, "since:2000", sort="date")
    assert every == ["id005", "id003", "id002", "id001", "id004"]
    page = store.articles.search(parse("since:2000"), sort="date", limit=2, offset=2)
    assert [h.article.id for h in page.hits] == every[2:4]
    assert page.total == 5


def test_user_text_never_reaches_fts_syntax(store: Store) -> None:
    for hostile in [
        "NEAR(adult literacy)",
        "title:adult",
        '"a" OR "b',
        "adult*)",
        "^adult",
        "x'; DROP TABLE articles;--",
    ]:
        try:
            tree = parse(hostile)
        except Exception:
            continue
        store.articles.search(tree)  # must not raise an FTS5 syntax error
    assert store.articles.count() == 5
    assert fts_quote('say "hi"') == '"say ""hi"""'


def test_compiled_match_quotes_every_term() -> None:
    compiled = compile_query(parse('adult "learning cities" educat* -sport lang:fr'))
    assert compiled.match == '("adult" AND "learning cities" AND "educat"*) NOT ("sport")'
    assert compiled.where == ["a.language = ?"]
    assert compiled.params == ["fr"]


def test_facets_count_the_matching_articles(store: Store) -> None:
    facets = store.articles.facets(parse("since:2000"), ["topic", "country", "language", "year"])
    assert facets["topic"] == [("learning-cities", 1)]
    assert facets["country"] == [("FR", 1), ("SN", 1)]
    assert facets["language"] == [("en", 4), ("fr", 1)]
    assert facets["year"] == [("2026", 4), ("2025", 1)]
    assert store.articles.facets(parse("lang:fr"), ["language"]) == {"language": [("fr", 1)]}
    assert store.articles.facets(parse("adult"), ["country"])["country"] == [("FR", 1), ("SN", 1)]


def test_topic_and_country_rows_follow_the_article(store: Store) -> None:
    store.articles.upsert(
        [make(5, title="Learning cities", text="Changed.", topics=[], countries=["KE"])]
    )
    assert ids(store, "topic:learning-cities") == []
    assert ids(store, "country:KE") == ["id005"]


def test_snippet_marks_matches(store: Store) -> None:
    hit = store.articles.search(parse("network"))
    assert "[network]" in hit.hits[0].snippet


def test_export_iterates_everything_newest_first(store: Store) -> None:
    assert [a.id for a in store.articles.iter_articles(None)] == [
        "id005",
        "id003",
        "id002",
        "id001",
        "id004",
    ]
    assert [a.id for a in store.articles.iter_articles(parse("literacy"))] == ["id002", "id001"]


def test_find_duplicate_by_url_then_text(store: Store) -> None:
    store.articles.upsert([make(9, content_hash="abc")])
    assert store.articles.find_duplicate("id009", "zzz").reason == "url"  # type: ignore[union-attr]
    found = store.articles.find_duplicate("other", "abc")
    assert found is not None
    assert (found.id, found.reason) == ("id009", "content")
    assert store.articles.find_duplicate("other", "") is None


def test_schema_is_migrated_and_versioned(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "watch.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreUnavailable, match="newer than this llwatch"):
        open_store(tmp_path)


def test_read_only_store(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="run `llwatch crawl` first"):
        open_store(tmp_path, readonly=True)
    open_store(tmp_path).articles.upsert([make(1)])
    ro = open_store(tmp_path, readonly=True)
    assert ro.articles.count() == 1
    with pytest.raises(sqlite3.OperationalError):
        ro.db.conn.execute("DELETE FROM articles")


def test_unwritable_data_dir(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreUnavailable, match="--data-dir or WATCH_DATA_DIR"):
        open_store(tmp_path / "file" / "data")


def test_crawl_state_and_runs(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    state = s.state.source_state("x")
    assert state.consecutive_failures == 0
    assert state.etag == ""
    state.etag, state.consecutive_failures = '"e1"', 3
    s.state.save_source_states([state])
    assert s.state.source_states()["x"].etag == '"e1"'
    s.state.record_entries([make(1, entry_key="k1", entry_hash="h1", source_id="x")])
    assert s.state.entry("x", "k1") == ("id001", "h1")
    assert s.state.entry("x", "k2") is None


def test_a_v2_store_gains_source_health_and_keeps_its_state(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "watch.sqlite3")
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO source_state (source_id, etag, consecutive_failures, last_error)"
        " VALUES ('uil', '\"v1\"', 2, 'HTTP 404')"
    )
    conn.commit()
    conn.close()
    store = open_store(tmp_path)
    state = store.state.source_state("uil")
    assert (state.etag, state.consecutive_failures, state.last_error) == ('"v1"', 2, "HTTP 404")
    assert (state.failure_score, state.unchanged_polls, state.interval) == (2.0, 0, 0)
    store.close()


def test_article_facts_follow_the_articles(tmp_path: Path) -> None:
    """The narrow table that facets and trends count (store v7) stays in step, by triggers."""
    store = open_store(tmp_path)
    one = Article(id="a" * 32, url="https://x.org/1", canonical_url="https://x.org/1",
                  source_id="s1", source_country="FR", title="Adult literacy", text="Evening.",
                  language="en", published_at="2026-03-01T10:00:00Z")  # fmt: skip
    store.articles.upsert([one])
    changed = Article(**{**one.to_dict(), "language": "fr", "text": "Le soir."})  # type: ignore[arg-type]
    changed.topics = []
    store.articles.upsert([changed])
    facts = store.db.conn.execute("SELECT language, source_id, source_country, date "
                                  "FROM article_facts").fetchall()  # fmt: skip
    assert [tuple(r) for r in facts] == [("fr", "s1", "FR", "2026-03-01T10:00:00Z")]
    assert store.articles.facets(None, ["language"]) == {"language": [("fr", 1)]}
    store.db.conn.execute("DELETE FROM articles")
    assert store.db.conn.execute("SELECT count(*) FROM article_facts").fetchone()[0] == 0
    store.close()


def test_a_store_older_than_llwatch_is_not_read_half_migrated(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "watch.sqlite3")
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    with pytest.raises(
        StoreUnavailable, match=r"schema v6 is older than this llwatch .* run `llwatch crawl` once"
    ):
        open_store(tmp_path, readonly=True)


def test_facets_and_trend_of_a_query_follow_new_articles(tmp_path: Path) -> None:
    """A query's matches are kept between its facets and its trend, never past a change."""
    store = open_store(tmp_path)

    def add(n: int, language: str) -> None:
        store.articles.upsert([Article(
            id=f"{n:032x}", url=f"https://x.org/{n}", canonical_url=f"https://x.org/{n}",
            source_id="s", title="Adult literacy", text=f"Evening classes {n}.",
            language=language, published_at=f"2026-03-0{n}T10:00:00Z")])  # fmt: skip

    add(1, "en")
    query = parse("literacy")
    assert store.articles.facets(query, ["language", "source"])["language"] == [("en", 1)]
    assert store.articles.trend(query, "day").series == {"": [1]}
    add(2, "fr")
    assert store.articles.facets(query, ["language", "source"])["language"] == [
        ("en", 1),
        ("fr", 1),
    ]
    assert store.articles.trend(query, "day").series == {"": [1, 1]}
    store.close()
