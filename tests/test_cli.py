"""The command line through click's runner, on real SQLite files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import llwatch
from tests.test_store import make
from watch.cli import cli
from watch.items import ARTICLE_FIELDS
from watch.store import open_store

GOOD = """sources:
  - id: uil
    name: UNESCO Institute for Lifelong Learning
    url: https://www.uil.unesco.org/en/feed
    country: global
    languages: [en, fr]
    org_type: un-agency
  - id: closed
    name: Disabled one
    url: https://example.org/feed
    country: FR
    languages: [fr]
    org_type: ngo
    enabled: false
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="llwatch", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = open_store(tmp_path)
    store.articles.upsert([
        make(1, title="Adult literacy in Senegal", text="Evening classes.", source_id="uil", authors=["A, B"]),
        make(2, title="Alphabétisation", text="Cours du soir, adult literacy.", language="fr", source_id="closed"),
        make(3, title="Unrelated", text="Nothing here."),
    ])  # fmt: skip
    store.close()
    return tmp_path


@pytest.fixture
def watch_list(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(GOOD, "utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [[], ["crawl"], ["search"], ["export"], ["stats"], ["demo"], ["sources"], ["sources", "check"],
     ["sources", "list"]],
)  # fmt: skip
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert "Usage: llwatch" in out
    assert len(out.splitlines()) > 5


def test_sources_check_ok(watch_list: Path) -> None:
    code, out, _ = run("sources", "check", str(watch_list))
    assert code == 0
    assert out.strip() == f"{watch_list}: 2 sources, 1 enabled, no problems"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources:\n  - id: a\n   name: x\n", ":3:4: YAML syntax error"),
        (GOOD.replace("id: closed", "id: uil"), ":8: source 'uil': duplicate id"),
        (GOOD.replace("    country: FR", "    contry: FR"), ":11: source 'closed': unknown key 'contry' — did you mean 'country'?"),
        (GOOD.replace("https://example.org/feed", "example.org/feed"), ":10: source 'closed':"),
    ],
)  # fmt: skip
def test_sources_check_reports_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, "utf-8")
    code, out, err = run("sources", "check", str(path))
    assert code == 2
    assert out == ""
    assert f"{path}{expected}" in err
    assert err.strip().splitlines()[-1].startswith(f"llwatch: error: {path}:")


def test_sources_check_missing_file(tmp_path: Path) -> None:
    code, _, err = run("sources", "check", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such file" in err
    assert "Traceback" not in err


def test_sources_list_table_and_json(watch_list: Path, tmp_path: Path) -> None:
    code, out, _ = run(
        "sources", "list", "--sources", str(watch_list), "--data-dir", str(tmp_path / "d")
    )
    assert code == 0
    assert out.splitlines()[0].split()[:4] == ["id", "name", "country", "langs"]
    assert "uil" in out
    assert "closed" not in out
    code, out, _ = run("sources", "list", "--all", "--json", "--sources", str(watch_list))
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["uil", "closed"]
    assert rows[0]["languages"] == ["en", "fr"]


def test_search_table(data_dir: Path) -> None:
    code, out, err = run("search", "--data-dir", str(data_dir), "adult", "literacy")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["title", "source", "lang", "date", "url"]
    assert lines[2].startswith("Adult literacy in Senegal")
    assert len(lines) == 4
    assert "2 of 2 results" in err


def test_search_json_lines(data_dir: Path) -> None:
    _code, out, _ = run(
        "search", "--data-dir", str(data_dir), "--json", "--sort", "date", "literacy"
    )
    hits = [json.loads(line) for line in out.splitlines()]
    assert [h["id"] for h in hits] == ["id002", "id001"]
    assert {"title", "url", "source_id", "language", "published_at", "score", "snippet"} <= hits[
        0
    ].keys()


def test_search_limit(data_dir: Path) -> None:
    _, out, _ = run("search", "--data-dir", str(data_dir), "--json", "--limit", "1", "literacy")
    assert len(out.splitlines()) == 1


@pytest.mark.parametrize(
    ("query", "position"),
    [('"adult literacy', "position 1"), ("adult AND", "position 7"), ("(adult", "position 1")],
)
def test_search_bad_syntax_is_one_line_exit_2(data_dir: Path, query: str, position: str) -> None:
    code, out, err = run("search", "--data-dir", str(data_dir), query)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"llwatch: error: query error at {position}:")


def test_search_without_store(tmp_path: Path) -> None:
    code, _, err = run("search", "--data-dir", str(tmp_path / "empty"), "x")
    assert code == 2
    assert "run `llwatch crawl` first" in err


def test_export_jsonl_every_field(data_dir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "out.jsonl"
    code, _, err = run("export", "--data-dir", str(data_dir), "--out", str(out_file))
    assert code == 0
    assert "exported 3 articles" in err
    rows = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
    assert len(rows) == 3
    assert list(rows[0]) == list(ARTICLE_FIELDS)


def test_export_csv_with_query(data_dir: Path) -> None:
    code, out, _ = run("export", "--data-dir", str(data_dir), "--format", "csv", "lang:fr")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["id"] for r in rows] == ["id002"]
    assert list(rows[0]) == list(ARTICLE_FIELDS)
    assert json.loads(rows[0]["authors"]) == []


def test_export_csv_lists_are_json(data_dir: Path) -> None:
    _, out, _ = run("export", "--data-dir", str(data_dir), "--format", "csv", "source:uil")
    assert json.loads(next(csv.DictReader(io.StringIO(out)))["authors"]) == ["A, B"]


def test_stats_json(data_dir: Path) -> None:
    code, out, _ = run("stats", "--data-dir", str(data_dir), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["articles"] == 3
    assert data["by_source"] == {"closed": 1, "src": 1, "uil": 1}
    assert data["by_language"] == {"en": 2, "fr": 1}
    assert data["by_topic"] == {}  # the fixture articles were stored without analysis
    assert data["runs"] == []


def test_stats_table(data_dir: Path) -> None:
    code, out, _ = run("stats", "--data-dir", str(data_dir))
    assert code == 0
    assert out.startswith("3 articles")


def test_stats_after_a_crawl_shows_the_runs(tmp_path: Path, site_sources: Path) -> None:
    llwatch(
        "crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources), "--source", "atom"
    )
    _code, out, _ = run("stats", "--data-dir", str(tmp_path), "--json")
    data = json.loads(out)
    assert data["runs"][0]["status"] == "ok"
    assert data["runs"][0]["sources"][0]["source_id"] == "atom"
    assert data["runs"][0]["sources"][0]["new"] == 3


def test_crawl_summary_table(tmp_path: Path, site_sources: Path) -> None:
    done = llwatch("crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources),
                   "--source", "json", "--source", "not-found")  # fmt: skip
    assert done.code == 1
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["source", "outcome", "entries"]
    assert any(line.startswith("not-found") and "HTTP 404" in line for line in lines)
    assert lines[-1].startswith("run 1: 2 sources, 3 new articles, 1 failed")
    assert done.stderr == ""  # quiet when not a terminal


def test_python_dash_m_watch() -> None:
    done = llwatch("--version")
    assert done.code == 0
    assert done.stdout.startswith("llwatch, version ")
