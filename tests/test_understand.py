"""The understanding commands: analyze, retag, taxonomy check, and search by topic, country,
facets and across languages, on the shipped taxonomy."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import CORPORA, ROOT, llwatch
from tests.test_store import make
from watch.cli import cli
from watch.store import open_store
from watch.understand import Analyzer


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), input=stdin, prog_name="llwatch", catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.mark.parametrize(
    ("title", "text", "topic"),
    [
        (
            "Adult literacy classes open in Kisumu",
            "Evening adult literacy classes help women read.",
            "literacy",
        ),
        (
            "Les apprentis du BTP",
            "Les centres de formation d'apprentis accueillent plus d'apprentis.",
            "vocational-training",
        ),
        (
            "Ciudades del aprendizaje",
            "La red mundial de ciudades del aprendizaje de la UNESCO crece.",
            "learning-cities",
        ),
        (
            "Volkshochschule",
            "Die Volkshochschulen bieten Weiterbildung für Erwachsene an.",
            "adult-education",
        ),
    ],
)
def test_shipped_taxonomy_tags_real_subjects(
    analyzer: Analyzer, title: str, text: str, topic: str
) -> None:
    found = analyzer.analyze(title, text)
    assert topic in [t.id for t in found.topics]
    assert found.relevant


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Pre-season training camp",
            "The squad trained twice a day; the coach praised their skills on the ball.",
        ),
        ("New model", "Deep learning models need more training data and a lower learning rate."),
        ("Markets", "Shares fell as the central bank kept interest rates unchanged."),
        ("", ""),
        ("12345", "🙂🙂🙂 4567"),
    ],
)
def test_hard_negatives_are_not_relevant(analyzer: Analyzer, title: str, text: str) -> None:
    found = analyzer.analyze(title, text)
    assert not found.relevant
    assert found.topics == []


def test_bad_input_gets_a_sane_answer(analyzer: Analyzer) -> None:
    huge = (
        "Evening adult literacy classes in the river towns of Kenya have doubled their enrolment "
        "this year, and the learners say the community centre is the first place where reading "
        "felt possible. "
    ) * 30_000  # 5 MB
    found = analyzer.analyze("", huge, hints=["xx-invalid", "zz"])
    assert found.language == "en"
    assert "literacy" in [t.id for t in found.topics]
    html = "<html><body><p>Adult <b>literacy</b> classes in <i>Kenya</i>.</p></body></html>"
    assert analyzer.analyze("<h1>Adult literacy</h1>", html).countries == ["KE"]
    mixed = "Adult literacy classes. Des cours d'alphabétisation des adultes au Sénégal et au Mali."
    assert analyzer.analyze("", mixed).topics[0].id == "literacy"


def test_countries_and_language(analyzer: Analyzer) -> None:
    found = analyzer.analyze(
        "Alphabétisation au Sénégal", "Des cours au Sénégal et au Niger, pas au Nigeria."
    )
    assert found.language == "fr"
    assert found.countries[:3] == ["SN", "NE", "NG"]


def test_analyze_json_lines(tmp_path: Path) -> None:
    lines = "\n".join([
        json.dumps({"title": "Adult literacy in Kenya", "text": "Adult literacy classes in Kenya.", "url": "u1"}),
        "not json",
        json.dumps({"title": "Football", "text": "The team trained at the training camp.", "language_hint": "en"}),
        json.dumps(["a list"]),
    ])  # fmt: skip
    code, out, err = run("analyze", "-", stdin=lines)
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2
    assert rows[0]["url"] == "u1"
    assert rows[0]["relevant"] is True
    assert rows[0]["countries"] == ["KE"]
    assert rows[0]["topics"][0]["id"] == "literacy"
    assert "adult literacy" in rows[0]["topics"][0]["terms"]
    assert rows[1]["relevant"] is False
    assert set(rows[1]) == {
        "language",
        "language_confidence",
        "topics",
        "countries",
        "relevance",
        "relevant",
    }
    assert "line 2: not JSON" in err
    assert "line 4: not an object" in err


def test_analyze_explains_one_text() -> None:
    code, out, _ = run(
        "analyze",
        "--title",
        "Villes apprenantes",
        "--text",
        "Le réseau des villes apprenantes de l'UNESCO au Maroc.",
    )
    assert code == 0
    assert out.startswith("language   fr")
    assert "learning-cities" in out
    assert "MA (Maroc)" in out
    assert "relevant (threshold 0.5)" in out


def test_taxonomy_check() -> None:
    code, out, _ = run("taxonomy", "check")
    assert code == 0
    assert "15 topics" in out
    assert "no problems" in out


def test_taxonomy_check_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("version: 1\ntopics: []\n", "utf-8")
    code, _, err = run("taxonomy", "check", str(bad))
    assert code == 2
    assert f"{bad}:1: topics: missing or empty" in err


def test_bad_taxonomy_stops_the_crawl_loudly(tmp_path: Path, site_sources: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("version: 1\ntopics: []\n", "utf-8")
    done = llwatch("crawl", "--data-dir", str(tmp_path / "d"), "--sources", str(site_sources),
                   "--source", "atom", env={"WATCH_TAXONOMY": str(bad)})  # fmt: skip
    assert done.code == 2
    assert "topics: missing or empty" in done.stderr


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    store = open_store(tmp_path)
    store.articles.upsert([
        make(1, title="Adult literacy in Senegal", text="Adult literacy classes in Senegal."),
        make(2, title="Alphabétisation des adultes", text="Les cours d'alphabétisation des adultes au Niger.", language="fr"),
        make(3, title="Training camp", text="The team trained in Madrid."),
    ])  # fmt: skip
    store.close()
    return tmp_path


def test_retag_fills_topics_countries_relevance(corpus: Path) -> None:
    code, out, _ = run("retag", "--data-dir", str(corpus), "--jobs", "2", "--batch", "1")
    assert code == 0
    assert out.startswith("retagged 3 articles")
    assert out.strip().endswith("3 changed")
    conn = sqlite3.connect(corpus / "watch.sqlite3")
    topics = dict(conn.execute("SELECT article, topic FROM article_topics").fetchall())
    assert sorted(topics.values()) == ["literacy", "literacy"]
    assert (
        conn.execute("SELECT countries FROM articles WHERE id = 'id002'").fetchone()[0] == '["NE"]'
    )
    assert (
        conn.execute("SELECT relevance < 0.5 FROM articles WHERE id = 'id003'").fetchone()[0] == 1
    )
    code, out, _ = run("retag", "--data-dir", str(corpus), "--jobs", "1")
    assert out.strip().endswith("0 changed")


def test_retag_without_a_store_creates_nothing(tmp_path: Path) -> None:
    code, _, err = run("retag", "--data-dir", str(tmp_path / "typo"))
    assert code == 2
    assert "no store here yet" in err
    assert not (tmp_path / "typo").exists()


def test_declared_languages_of_the_watch_list(site_sources: Path, tmp_path: Path) -> None:
    from watch.sources import declared_languages

    assert declared_languages(site_sources)["atom"] == ["en"]
    assert declared_languages(tmp_path / "missing.yaml") == {}


def test_search_by_topic_country_facets_and_translingual(corpus: Path) -> None:
    run("retag", "--data-dir", str(corpus), "--jobs", "1")
    _, out, _ = run("search", "--data-dir", str(corpus), "--json", "topic:literacy country:NE")
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["id002"]
    _, out, _ = run("search", "--data-dir", str(corpus), "--json", "--facets", "topic:literacy")
    last = json.loads(out.splitlines()[-1])
    assert last["total"] == 2
    assert last["facets"]["topic"] == {"literacy": 2}
    assert last["facets"]["country"] == {"NE": 1, "SN": 1}
    assert last["facets"]["language"] == {"en": 1, "fr": 1}
    _, plain, _ = run("search", "--data-dir", str(corpus), "--json", "adult literacy")
    _, wide, _ = run(
        "search", "--data-dir", str(corpus), "--json", "--translingual", "adult literacy"
    )
    assert len(plain.splitlines()) == 1
    assert sorted(json.loads(line)["id"] for line in wide.splitlines()) == ["id001", "id002"]
    code, table, _ = run("search", "--data-dir", str(corpus), "--facets", "literacy")
    assert code == 0
    assert "topic: literacy 1" in table


@pytest.mark.skipif(
    not (CORPORA.parent / "vocabularies" / "unesco-thesaurus.ttl").exists(),
    reason="the UNESCO Thesaurus is not beside the repository",
)
def test_shipped_labels_match_the_thesaurus() -> None:
    pytest.importorskip("rdflib")
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", ROOT / "scripts" / "build_thesaurus.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    ttl = CORPORA.parent / "vocabularies" / "unesco-thesaurus.ttl"
    expected = build.render(build.rows(ttl))
    assert (ROOT / "watch" / "data" / "unesco-labels.tsv").read_text("utf-8") == expected
