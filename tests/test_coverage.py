"""``llwatch coverage``: articles per country (from its sources, mentioning it) over a period,
against the UN member states or a list of delegate countries; gaps flagged; bad lists and dates
refused in one line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import llwatch
from tests.test_store_contract import article
from watch.coverage import coverage, load_countries, un_members
from watch.errors import ConfigError
from watch.store import open_store

TODAY = date(2026, 3, 31)
ARTICLES = [
    article(1, "Literacy in Dakar", "Classes.", source_country="SN", countries=["SN", "ML"],
            published_at="2026-03-10T08:00:00Z"),
    article(2, "Skills in Lyon", "Training.", source_country="FR", countries=["FR"],
            published_at="2026-03-20T08:00:00Z"),
    article(3, "Old news from Bogotá", "Old.", source_country="CO", countries=["CO"],
            published_at="2025-01-05T08:00:00Z"),  # outside the default period
    article(4, "Learning in Mali and Senegal", "Both.", source_country="FR",
            countries=["ML", "SN"], published_at="2026-03-30T08:00:00Z"),
]  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = open_store(tmp_path / "data")
    store.articles.upsert(ARTICLES)
    store.close()
    return tmp_path / "data"


def test_the_un_members() -> None:
    members = un_members()
    assert len(members) == len(set(members)) == 193
    assert {"SN", "FR", "CO", "TV", "SS"} <= set(members)
    assert not {"VA", "PS", "TW", "XK", "GL"} & set(members)  # observers and territories


def test_counts_by_source_and_by_mention(data_dir: Path) -> None:
    store = open_store(data_dir, readonly=True)
    report = coverage(store.articles, today=TODAY)
    store.close()
    assert (report.since, report.until) == ("2026-03-02", "2026-03-31")
    rows = {r.code: r for r in report.rows}
    assert len(rows) == 193
    assert (rows["SN"].from_sources, rows["SN"].mentioned) == (1, 2)
    assert (rows["FR"].from_sources, rows["FR"].mentioned) == (2, 1)
    assert (rows["ML"].from_sources, rows["ML"].mentioned) == (0, 2)
    assert not rows["CO"].covered  # its article is older than the period
    assert len(report.uncovered) == 190
    assert [r.covered for r in report.rows[:190]] == [False] * 190  # the gaps come first
    wide = coverage(open_store(data_dir, readonly=True).articles, since="2025-01-01",
                    until="2026-12-31")  # fmt: skip
    assert {r.code for r in wide.rows if r.covered} == {"SN", "FR", "ML", "CO"}


def test_a_delegate_list(tmp_path: Path, data_dir: Path) -> None:
    listed = tmp_path / "delegates.txt"
    listed.write_text("# delegate countries\nsn\nSénégal\nMali, Bamako office\n\"BR\"\n"
                      "Colombia  # since 2024\n", "utf-8")  # fmt: skip
    assert load_countries(listed) == ["SN", "ML", "BR", "CO"]
    done = llwatch("coverage", "--data-dir", str(data_dir), "--countries", str(listed),
                   "--since", "2026-03-01", "--until", "2026-03-31", "--format", "csv")  # fmt: skip
    assert done.code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["code"], r["covered"]) for r in rows] == [
        ("BR", "no"), ("CO", "no"), ("ML", "yes"), ("SN", "yes")]  # fmt: skip
    table = llwatch("coverage", "--data-dir", str(data_dir), "--countries", str(listed),
                    "--since", "2026-03-01", "--until", "2026-03-31").stdout  # fmt: skip
    assert "NOTHING" in table
    assert "4 countries, 2026-03-01 to 2026-03-31: 2 covered, 2 with no article" in table
    as_json = json.loads(llwatch("coverage", "--data-dir", str(data_dir), "--countries",
                                 str(listed), "--json", "--since", "2026-03-01").stdout)  # fmt: skip
    assert as_json["uncovered"] == ["BR", "CO"]
    # the list can be a setting (as the web's coverage page reads it); --countries wins
    setting = {"WATCH_COUNTRIES": str(listed)}
    configured = json.loads(llwatch("coverage", "--data-dir", str(data_dir), "--json",
                                    env=setting).stdout)  # fmt: skip
    assert configured["countries"] == 4
    one = tmp_path / "one.txt"
    one.write_text("FR\n", "utf-8")
    chosen = json.loads(llwatch("coverage", "--data-dir", str(data_dir), "--json",
                                "--countries", str(one), env=setting).stdout)  # fmt: skip
    assert chosen["countries"] == 1


@pytest.mark.parametrize(("text", "line"), [("SN\nAtlantis\n", 2), ("XX\n", 1)])
def test_a_bad_list_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    listed = tmp_path / "countries.txt"
    listed.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=rf"countries.txt:{line}: unknown country"):
        load_countries(listed)


def test_bad_input_is_one_line(tmp_path: Path, data_dir: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n", "utf-8")
    for args, said in [(("--since", "2026-13-01"), "give a day as YYYY-MM-DD"),
                       (("--since", "2026-03-10", "--until", "2026-03-01"), "swap them"),
                       (("--countries", str(empty)), "no country in the list"),
                       (("--countries", str(tmp_path / "missing.txt")), "cannot read")]:  # fmt: skip
        done = llwatch("coverage", "--data-dir", str(data_dir), *args)
        assert done.code == 2, (args, done.stderr)
        assert said in done.stderr
        assert done.stderr.strip().count("\n") == 0


def test_the_same_report_from_elasticsearch(tmp_path: Path, data_dir: Path) -> None:
    """On the stand-in cluster (tests/esnode.py): one facets request, the same report."""
    pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")
    from tests.esnode import FakeCluster
    from watch.config import WatchConfig

    with FakeCluster.running() as cluster:
        config = WatchConfig.load({"WATCH_DATA_DIR": str(tmp_path / "es"),
                                   "WATCH_ES_URL": cluster.url}, env={})  # fmt: skip
        store = open_store(tmp_path / "es", config=config)
        store.articles.upsert(ARTICLES)
        before = len(cluster.log)
        on_es = coverage(store.articles, since="2025-01-01", until="2026-12-31")
        store.close()
        searches = [json.loads(body) for _, path, body in cluster.log[before:]
                    if path.endswith("/_search")]  # fmt: skip
    plain = open_store(data_dir, readonly=True)
    on_sqlite = coverage(plain.articles, since="2025-01-01", until="2026-12-31")
    plain.close()
    assert on_es.as_dict() == on_sqlite.as_dict()
    assert len(searches) == 1
    assert {a["terms"]["field"] for a in searches[0]["aggs"].values()} == {
        "source_country", "countries"}  # fmt: skip
