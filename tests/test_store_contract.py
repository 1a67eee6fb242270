"""One contract for every article store: the same corpus and the same queries give the same
answers (result sets, totals, date order, facets, streaming export) on the embedded SQLite store
and on Elasticsearch.

The SQLite leg always runs. The Elasticsearch leg needs a real cluster: set WATCH_TEST_ES_URL
(e.g. http://127.0.0.1:9200, see docker-compose.yml); without it the leg is skipped and says so.
The stand-in leg always runs the Elasticsearch store's code (requests, answers, aggregations)
against tests/esnode.py, whose search model is the query parity model.
Expected answers are written out here, not computed by one backend, so both are held to them.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from watch.items import Article, TopicTag
from watch.query import parse
from watch.store import open_store
from watch.store.base import ArticleStore


def article(n: int, title: str, text: str, **fields: object) -> Article:
    base: dict[str, object] = {
        "id": f"c{n:02d}",
        "url": f"https://news.example/{n}",
        "canonical_url": f"https://news.example/{n}",
        "source_id": "unesco",
        "source_country": "FR",
        "title": title,
        "text": text,
        "published_at": f"2026-03-{n:02d}T10:00:00Z",
        "fetched_at": "2026-04-01T00:00:00Z",
        "language": "en",
    }
    return Article(**(base | fields))  # type: ignore[arg-type]


CORPUS = [
    article(1, "Adult literacy in Senegal", "Evening literacy classes for adults in Dakar.",
            countries=["SN"], source_country="SN", source_id="senegal-news",
            topics=[TopicTag("literacy", 0.9, ["adult literacy"])]),
    article(2, "Alphabétisation des adultes au Niger", "Cours du soir pour les adultes.",
            language="fr", countries=["NE"], source_id="rfi",
            topics=[TopicTag("literacy", 0.8, ["alphabétisation des adultes"])]),
    article(3, "Alfabetización de adultos en Bolivia", "Clases nocturnas de alfabetización.",
            language="es", countries=["BO"], source_country="BO", source_id="bolivia",
            topics=[TopicTag("literacy", 0.8, ["alfabetización de adultos"])]),
    article(4, "Vocational training reform", "Apprenticeships and vocational education grow.",
            countries=["DE"], topics=[TopicTag("vocational-training", 0.9, ["apprenticeship"])],
            published_at="2025-11-20T10:00:00Z"),
    article(5, "Learning cities meet in Hamburg", "The learning cities network meets.",
            countries=["DE"], topics=[TopicTag("learning-cities", 0.9, ["learning cities"])]),
    article(6, "Football club training camp", "The squad trained in the valley.",
            source_id="sports", relevance=0.05),
    article(7, "Educational policy and SDG 4", "Education financing for SDG 4 in Kenya.",
            countries=["KE"], source_country="KE",
            topics=[TopicTag("education-policy-sdg4", 0.7, ["SDG 4"])]),
    article(8, "Éducation des adultes en Côte d'Ivoire", "Des centres d'éducation pour adultes.",
            language="fr", countries=["CI"], source_country="CI",
            topics=[TopicTag("adult-education", 0.9, ["éducation des adultes"])]),
]  # fmt: skip

#: query -> the ids it finds (any order), the same on every backend.
FINDS = {
    "literacy": {"c01"},
    "adults": {"c01"},
    "adult*": {"c01", "c02", "c03", "c08"},  # Adult, adults, adultes, adultos
    "educat*": {"c04", "c07", "c08"},
    '"learning cities"': {"c05"},
    "alphabetisation": {"c02"},  # accents folded
    "literacy OR alfabetización": {"c01", "c03"},
    "adult* -senegal": {"c02", "c03", "c08"},
    "training NOT football": {"c04"},
    "lang:fr": {"c02", "c08"},
    "topic:literacy": {"c01", "c02", "c03"},
    "topic:literacy lang:es": {"c03"},
    "country:DE": {"c04", "c05"},
    "country:africa": {"c01", "c02", "c07", "c08"},
    "source-country:SN": {"c01"},
    "source:rfi": {"c02"},
    "since:2026-03-05": {"c05", "c06", "c07", "c08"},
    "until:2026-03-02": {"c01", "c02", "c04"},
    "since:2026-03 until:2026-03-03 topic:literacy": {"c01", "c02", "c03"},
    "(literacy OR apprenticeships) country:DE": {"c04"},
    "nothing-matches-this": set(),
}


def _sqlite(tmp_path: Path) -> Iterator[ArticleStore]:
    store = open_store(tmp_path)
    store.articles.upsert(CORPUS)
    yield store.articles
    store.close()


def _sqlite_columns(tmp_path: Path) -> Iterator[ArticleStore]:
    """The embedded store as the web app reads it: facets, trends and date order from the
    in-memory columns (watch.store.columns), read-only, written by another connection."""
    from watch.store.columns import Columns

    writer = open_store(tmp_path)
    writer.articles.upsert(CORPUS)
    store = open_store(tmp_path, readonly=True, columns=Columns())
    yield store.articles
    store.close()
    writer.close()


def _elasticsearch(tmp_path: Path) -> Iterator[ArticleStore]:
    url = os.environ.get("WATCH_TEST_ES_URL", "")
    if not url:
        pytest.skip("Elasticsearch leg: WATCH_TEST_ES_URL is not set (no cluster can be installed "
                    "here; see docker-compose.yml)")  # fmt: skip
    from watch.config import WatchConfig
    from watch.store.elastic import ElasticArticleStore
    from watch.store.elastic_client import check_cluster, connect
    from watch.store.elastic_docs import load_mapping
    from watch.store.elastic_index import init_index

    prefix = f"llwatch-test-{uuid.uuid4().hex[:12]}"
    config = WatchConfig.load({"WATCH_ES_URL": url, "WATCH_ES_INDEX": prefix})
    client = connect(config)
    check_cluster(client, config)
    init_index(client, prefix, load_mapping())
    local = open_store(tmp_path)
    store = ElasticArticleStore(client, prefix, local.state)
    try:
        assert store.upsert(CORPUS) == ["new"] * len(CORPUS)
        assert local.state.outbox_status()["pending"] == 0, local.state.outbox_status()
        client.indices.refresh(index=store.alias)
        yield store
    finally:
        client.indices.delete(index=f"{prefix}-articles-*")
        local.close()
        client.close()


def _stand_in(tmp_path: Path) -> Iterator[ArticleStore]:
    """The Elasticsearch store's code path end to end, against the local stand-in cluster of
    tests/esnode.py (its search model is the query parity model: no scores, exact analysis)."""
    pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")
    from elasticsearch import Elasticsearch

    from tests.esnode import FakeCluster
    from watch.store.elastic import ElasticArticleStore

    with FakeCluster.running() as cluster:
        local = open_store(tmp_path)
        store = ElasticArticleStore(Elasticsearch(cluster.url, max_retries=0), "llwatch",
                                    local.state, sleep=lambda _: None)  # fmt: skip
        try:
            assert store.upsert(CORPUS) == ["new"] * len(CORPUS)
            yield store
        finally:
            store.close()
            local.close()


@pytest.fixture(params=["sqlite", "sqlite-columns", "elasticsearch", "stand-in"])
def articles(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArticleStore]:
    legs = {"sqlite": _sqlite, "sqlite-columns": _sqlite_columns,
            "elasticsearch": _elasticsearch, "stand-in": _stand_in}  # fmt: skip
    yield from legs[request.param](tmp_path)


@pytest.mark.parametrize(("query", "expected"), sorted(FINDS.items()))
def test_same_results(articles: ArticleStore, query: str, expected: set[str]) -> None:
    found = articles.search(parse(query), limit=50)
    assert {h.article.id for h in found.hits} == expected
    assert found.total == len(expected) == articles.count(parse(query))


def test_date_order_and_pages(articles: ArticleStore) -> None:
    everything = [h.article.id for h in articles.search(None, sort="date", limit=50).hits]
    assert everything == ["c08", "c07", "c06", "c05", "c03", "c02", "c01", "c04"]
    pages = [articles.search(None, sort="date", limit=3, offset=o).hits for o in (0, 3, 6)]
    assert [h.article.id for page in pages for h in page] == everything
    assert [a.id for a in articles.iter_articles(None)] == everything
    some = articles.search(
        parse("literacy OR learning OR training"), sort="date", limit=2, offset=1
    )
    assert [h.article.id for h in some.hits] == ["c05", "c01"]
    assert some.total == 4


def test_same_facets(articles: ArticleStore) -> None:
    facets = articles.facets(parse("adult* OR literacy OR alfabetización"))
    assert facets["language"] == [("fr", 2), ("en", 1), ("es", 1)]
    assert facets["topic"] == [("literacy", 3), ("adult-education", 1)]
    assert facets["country"] == [("BO", 1), ("CI", 1), ("NE", 1), ("SN", 1)]


def test_get_and_round_trip(articles: ArticleStore) -> None:
    got = articles.get("c02")
    assert got is not None
    assert (got.title, got.language, got.countries) == (CORPUS[1].title, "fr", ["NE"])
    assert [t.id for t in got.topics] == ["literacy"]
    assert articles.get("missing") is None


def test_counts_by_field(articles: ArticleStore) -> None:
    assert articles.count() == len(CORPUS)
    by_source = articles.count_by("source_id")
    assert by_source["unesco"] == sum(1 for a in CORPUS if a.source_id == "unesco")
    assert sum(by_source.values()) == len(CORPUS)
    assert articles.count_by("language") == dict(
        sorted(Counter(a.language for a in CORPUS).items(), key=lambda p: (-p[1], p[0]))
    )


def test_same_publishing_rates(articles: ArticleStore) -> None:
    from datetime import UTC, datetime

    stats = articles.publishing(now=datetime(2026, 3, 20, tzinfo=UTC))
    unesco = stats["unesco"]
    dated = sorted(a.published_at for a in CORPUS if a.source_id == "unesco")
    assert unesco.total == len(dated)
    assert unesco.newest == dated[-1]
    assert unesco.window_oldest == "2026-03-05T10:00:00Z"  # c04 is older than the window
    assert (unesco.recent, unesco.before, unesco.window) == (3, 0, 3)


def test_duplicates_by_url_and_by_text(articles: ArticleStore) -> None:
    found = articles.find_duplicate("c05", "")
    assert found is not None
    assert (found.id, found.reason) == ("c05", "url")
    assert articles.find_duplicate("new-id", "") is None


def test_same_trends(articles: ArticleStore) -> None:
    monthly = articles.trend(None, "month")
    assert monthly.periods == ["2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01",
                               "2026-03-01"]  # fmt: skip
    assert monthly.series == {"": [1, 0, 0, 0, 7]}
    weekly = articles.trend(parse("lang:fr"), "week")
    assert weekly.periods == ["2026-03-02"]  # c02 (Monday 2nd) and c08 (Sunday 8th)
    assert weekly.series == {"": [2]}
    spread = articles.trend(parse("source-country:FR"), "week")
    assert spread.periods[0] == "2025-11-17"  # c04 (Thursday 20 November 2025)
    assert len(spread.periods) == 16  # every Monday to 2 March 2026, none skipped
    assert sum(spread.series[""]) == 4  # c02, c04, c05, c06
    by_language = articles.trend(
        parse("adult* OR literacy OR alfabetización"), "year", by="language"
    )
    assert by_language.periods == ["2026-01-01"]
    assert by_language.series == {"fr": [2], "en": [1], "es": [1]}
    topics = articles.trend(None, "day", by="topic", limit=2)
    assert list(topics.series) == ["literacy", "adult-education"]  # 3, then 1 (the first by id)
    assert topics.series["literacy"][0] == 1  # c01 on 1 March
    assert len(topics.periods) == 8  # 1..8 March
    assert articles.trend(parse("nothing-matches-this")).periods == []
