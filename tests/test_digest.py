"""The weekly digest (watch.digest, watch.digest_render, watch.picks) on the fixed corpus of
tests/digest_corpus.py: periods, ranking, variety, the editors' pins, drops and notes, hostile
content, and golden files for every format (``UPDATE_GOLDEN=1 pytest tests/test_digest.py``
rewrites them after a deliberate change; review the diff)."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import llwatch
from tests.digest_corpus import WEEK, build, by_slug
from watch.digest import (
    Digest,
    DigestOptions,
    build_digest,
    feedback_factor,
    last_complete_week,
    parse_period,
    source_factor,
    story_part,
)
from watch.digest_render import render
from watch.errors import ConfigError
from watch.picks import Picks
from watch.sources import load_sources
from watch.store import open_store
from watch.taxonomy import default_taxonomy

GOLDEN = Path(__file__).parent / "golden" / "digest"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("digest")
    build(data_dir)
    return data_dir


def make(data_dir: Path, **options: object) -> Digest:
    store = open_store(data_dir)
    try:
        chosen = DigestOptions(parse_period(WEEK, None, None), **options)  # type: ignore[arg-type]
        return build_digest(store, load_sources(data_dir / "feeds.yaml"), chosen,
                            default_taxonomy())  # fmt: skip
    finally:
        store.close()


def slugs(digest: Digest) -> dict[str, list[str]]:
    return {s.key: [p.article.canonical_url.rsplit("/", 1)[1] for p in s.picks]
            for s in digest.sections}  # fmt: skip


# --- periods -----------------------------------------------------------------------------------


def test_periods() -> None:
    week = parse_period("2026-W47", None, None)
    assert (week.first, week.last, week.since, week.until) == (
        date(2026, 11, 16), date(2026, 11, 22), "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z")  # fmt: skip
    assert parse_period("2020-W53", None, None).first == date(2020, 12, 28)  # a 53-week year
    assert last_complete_week(datetime(2026, 11, 26, 12, tzinfo=UTC)).week == "2026-W47"
    assert last_complete_week(datetime(2026, 11, 23, 0, tzinfo=UTC)).week == "2026-W47"  # Monday
    assert last_complete_week(datetime(2026, 11, 22, 23, tzinfo=UTC)).week == "2026-W46"
    free = parse_period(None, "2026-11-01", "2026-11-10")
    assert (free.week, free.label) == ("", "2026-11-01..2026-11-10")


@pytest.mark.parametrize(
    ("week", "since", "until", "said"),
    [
        ("2026-W54", None, None, "--week 2026-W54: not an ISO week"),
        ("47", None, None, "e.g. 2026-W47"),
        ("2026-W47", "2026-11-01", None, "not both"),
        (None, "2026-11-31", None, "--since 2026-11-31: not a date"),
        (None, "2026-11-20", "2026-11-01", "is after --until"),
        (None, "2020-01-01", "2026-01-01", "more than a year"),
    ],
)
def test_bad_periods_are_one_line(week: str, since: str, until: str, said: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(said)):
        parse_period(week, since, until)


# --- ranking -----------------------------------------------------------------------------------


def test_score_parts() -> None:
    assert [story_part(n) for n in (1, 2, 8, 50)] == [0.0, pytest.approx(1 / 3), 1.0, 1.0]
    assert (source_factor(1), source_factor(3), source_factor(0)) == (1.0, 1.5, 0.0)
    assert (feedback_factor(0), feedback_factor(4), feedback_factor(100)) == (1.0, 0.5, 0.25)


def test_the_digest_of_the_week(corpus_dir: Path) -> None:
    digest = make(corpus_dir)
    got = slugs(digest)
    assert list(got) == ["africa", "arab-states", "europe-north-america",
                         "latin-america-caribbean", "global"]  # fmt: skip
    # one story covered by three sources: one pick, the weightier source's, ranked first
    assert got["africa"][0] == "nairobi-pledge"
    first = digest.sections[0].picks[0]
    assert (first.story_size, sorted(first.story_sources)) == (3, ["Daily Nation", "RFI Afrique"])
    every = [s for picks in got.values() for s in picks]
    assert not {"nairobi-literacy", "nairobi-rfi"} & set(every)
    assert "dropped" not in every  # dropped by an editor
    assert "wrong-week" not in every  # outside the week
    assert got["global"] == ["old-pin"]  # pinned: outside the week, shown all the same
    assert digest.considered == 19  # 21 articles, one earlier (the pin), one next week
    assert digest.stories == 16  # the Nairobi story counts once, the dropped one is out


def test_variety_keeps_one_wire_from_filling_a_section(corpus_dir: Path) -> None:
    europe = slugs(make(corpus_dir, per_section=5))["europe-north-america"]
    assert len(europe) == 5
    floods = [s for s in europe if s.startswith("flood-")]
    assert len(floods) <= 2, europe  # 8 of the 12 candidates come from one wire
    assert {"hamburg-cities", "toronto"} <= set(europe)


def test_per_section_and_languages(corpus_dir: Path) -> None:
    digest = make(corpus_dir, per_section=1, languages=("fr", "es"))
    assert slugs(digest) == {"africa": ["dakar-alpha"], "latin-america-caribbean": ["bogota-fp"],
                             "global": ["old-pin"]}  # a pin shows whatever the filter  # fmt: skip
    assert all(len(s.picks) == 1 for s in make(corpus_dir, per_section=1).sections)


def test_group_by_topic(corpus_dir: Path) -> None:
    digest = make(corpus_dir, group_by="topic")
    keys = [s.key for s in digest.sections]
    order = [t.id for t in default_taxonomy().topics]
    assert keys == sorted(keys, key=order.index)
    assert slugs(digest)["literacy"][0] == "nairobi-pledge"


def test_the_same_inputs_give_the_same_digest(corpus_dir: Path) -> None:
    one = render(make(corpus_dir), "json", explain=True)
    assert render(make(corpus_dir), "json", explain=True) == one


def test_drops_weigh_a_source_down(tmp_path: Path) -> None:
    build(tmp_path)
    before = {p.article.id: p for p in make(tmp_path).picks}
    flood = next(p for p in before.values() if p.article.source_id == "flood-wire")
    store = open_store(tmp_path)
    for n in range(4):
        Picks(store.db).drop(by_slug(f"flood-{n}"))
    store.close()
    after = make(tmp_path, per_section=10)
    again = [p for p in after.picks if p.article.source_id == "flood-wire"]
    assert again
    assert all(p.parts["feedback"] == 0.5 for p in again)
    assert max(p.score for p in again) < flood.score
    assert not {f"flood-{n}" for n in range(4)} & {s for v in slugs(after).values() for s in v}


def test_a_pin_goes_to_its_week_only_and_a_drop_unpins(tmp_path: Path) -> None:
    build(tmp_path)
    store = open_store(tmp_path)
    Picks(store.db).pin(by_slug("toronto"), "2026-W40")
    store.close()
    assert "toronto" in slugs(make(tmp_path, per_section=5))["europe-north-america"]
    store = open_store(tmp_path)
    Picks(store.db).drop(by_slug("old-pin"))
    store.close()
    assert "global" not in slugs(make(tmp_path))


def test_the_same_digest_on_elasticsearch(corpus_dir: Path, tmp_path: Path) -> None:
    """The digest reads the article index through the store contract: on the Elasticsearch
    store (against the stand-in cluster) it is the same, byte for byte."""
    pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")
    from elasticsearch import Elasticsearch

    from tests.esnode import FakeCluster
    from watch.store import Store
    from watch.store.elastic import ElasticArticleStore

    expected = render(make(corpus_dir), "json", explain=True)
    build(tmp_path)
    local = open_store(tmp_path)
    with FakeCluster.running() as cluster:
        es = ElasticArticleStore(Elasticsearch(cluster.url, max_retries=0), "llwatch",
                                 local.state, sleep=lambda _: None)  # fmt: skip
        es.upsert(list(local.articles.iter_articles(None)))
        store = Store(db=local.db, articles=es, state=local.state)
        chosen = DigestOptions(parse_period(WEEK, None, None))
        digest = build_digest(store, load_sources(tmp_path / "feeds.yaml"), chosen,
                              default_taxonomy())  # fmt: skip
        es.close()
    local.close()
    assert render(digest, "json", explain=True) == expected


# --- hostile content ---------------------------------------------------------------------------


def test_hostile_content_is_data_in_html(corpus_dir: Path) -> None:
    page = render(make(corpus_dir, per_section=10), "html", explain=True)
    assert "<script" not in page
    assert "onerror=" not in page.replace("onerror=alert(1)&gt;", "")  # only as escaped text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "javascript:" not in page
    assert "Hostile &lt;b&gt;Feed&lt;/b&gt;" in page
    assert 'lang="ar" dir="auto"' in page
    assert "\u202e" not in page  # a bidi override cannot reverse what follows it
    assert "evil" in page


def test_hostile_content_is_data_in_markdown_and_atom(corpus_dir: Path) -> None:
    digest = make(corpus_dir, per_section=10)
    text = render(digest, "md")
    assert "javascript:" not in text
    assert r"\# Not a heading \*bold\* \[link\](https://evil.example) \| table" in text
    assert r"\- not a list \> not a quote \`code\`" in text
    feed = ET.fromstring(render(digest, "atom"))
    links = [e.get("href") for e in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert links
    assert all(str(href).startswith("https://") for href in links)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "<script>window.__pwned = 1</script>Free courses <img src=x onerror=alert(1)>" in titles


# --- golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "ui", "explain"),
    [
        ("week-en.html", "html", "en", False),
        ("week-fr.html", "html", "fr", True),
        ("week-en.md", "md", "en", True),
        ("week-es.md", "md", "es", False),
        ("week-en.json", "json", "en", True),
        ("week-fr.atom", "atom", "fr", False),
    ],
)
def test_golden(corpus_dir: Path, name: str, fmt: str, ui: str, explain: bool) -> None:
    text = render(make(corpus_dir, per_section=4), fmt, ui, explain=explain,  # type: ignore[arg-type]
                  taxonomy=default_taxonomy())  # fmt: skip
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    assert text == path.read_text("utf-8"), (
        f"{name} changed: UPDATE_GOLDEN=1 to accept, then review"
    )


def test_json_is_complete(corpus_dir: Path) -> None:
    data = json.loads(render(make(corpus_dir), "json", "es", explain=True))
    assert data["period"] == {"week": WEEK, "first": "2026-11-16", "last": "2026-11-22"}
    first = data["sections"][0]
    assert first["title"] == "África"
    pick = first["picks"][0]
    assert set(pick["why"]) == {"relevance", "freshness", "story", "source", "feedback", "variety"}
    assert pick["story_size"] == 3
    noted = [p for s in data["sections"] for p in s["picks"] if p["note"]]
    assert [p["note"] for p in noted] == ["Senegal's national-language classes, in figures."]


# --- the commands ------------------------------------------------------------------------------


def test_digest_and_picks_commands(tmp_path: Path) -> None:
    sources = build(tmp_path)
    env = {"WATCH_DATA_DIR": str(tmp_path), "WATCH_SOURCES": str(sources)}
    out = tmp_path / "picks.html"
    done = llwatch("digest", "--week", WEEK, "--format", "html", "--ui", "fr", "--out", str(out),
                   env=env)  # fmt: skip
    assert done.code == 0, done.stderr
    assert done.stderr.startswith(f"{WEEK}: ")
    assert "Semaine 2026-W47" in out.read_text("utf-8")
    toronto = by_slug("toronto")
    pin = llwatch("picks", "pin", toronto.url, "--week", WEEK, env=env)
    assert pin.code == 0, pin.stderr
    assert pin.stdout.startswith(f"pinned to {WEEK}: Toronto libraries")
    note = llwatch("picks", "note", toronto.id, "Libraries as  learning\n places.", env=env)
    assert note.stdout.endswith(": Libraries as learning places.\n")
    listed = json.loads(llwatch("picks", "list", "--week", WEEK, "--json", env=env).stdout)
    assert {(p["action"], p["title"][:16]) for p in listed} >= {
        ("pin", "Toronto librarie"), ("note", "Toronto librarie"), ("drop", "A story the edit")}  # fmt: skip
    md = llwatch("digest", "--week", WEEK, "--per-section", "1", env=env).stdout
    assert "Libraries as learning places." in md
    assert "Toronto libraries teach digital skills" in md
    cleared = llwatch("picks", "clear", toronto.id, env=env)
    assert cleared.stdout == f"cleared 2 decision(s) on {toronto.id}\n"
    assert "Toronto" not in llwatch("digest", "--week", WEEK, "--per-section", "1", env=env).stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["picks", "pin", "https://nowhere.example/x"],
            "no stored article https://nowhere.example/x",
        ),
        (["picks", "drop", "not-an-id"], "is neither an article id"),
        (["picks", "note", "0" * 32, "   "], "no stored article"),
        (["digest", "--week", "2026-W99"], "--week 2026-W99: not an ISO week"),
        (["digest", "--lang", "en,f r"], "is not a language code"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], said: str) -> None:
    sources = build(tmp_path)
    done = llwatch(*args, env={"WATCH_DATA_DIR": str(tmp_path), "WATCH_SOURCES": str(sources)})
    assert done.code == 2, done.stderr
    assert said in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_empty_week_and_a_missing_store(tmp_path: Path) -> None:
    sources = build(tmp_path)
    env = {"WATCH_DATA_DIR": str(tmp_path), "WATCH_SOURCES": str(sources)}
    done = llwatch("digest", "--week", "2026-W10", "--format", "html", env=env)
    assert done.code == 0, done.stderr
    assert "No article in this period." in done.stdout
    assert done.stderr == "2026-W10: 0 picks in 0 sections from 0 stories (0 articles)\n"
    missing = llwatch("digest", env={"WATCH_DATA_DIR": str(tmp_path / "none")})
    assert missing.code == 2
    assert "no store here yet — run `llwatch crawl` first" in missing.stderr
