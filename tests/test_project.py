"""The project as a whole: packaging, the Scrapy project at the repository root, the demo."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import CRAWL_ENV, ROOT, llwatch
from watch import errors


def scrapy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True,
        env=os.environ | CRAWL_ENV | (env or {}), timeout=120, check=False,
    )  # fmt: skip


def test_pyproject_packaging() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    project = meta["project"]
    assert project["name"] == "llwatch"
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"] == {"llwatch": "watch.cli:main"}
    deps = " ".join(project["dependencies"]).lower()
    for name in ("scrapy>=2.18", "feedparser", "lingua-language-detector", "spacy", "spacy-lookups-data",
                 "trafilatura", "lxml_html_clean", "pyyaml"):  # fmt: skip
        assert name in deps, name
    assert all(">=" in d for d in project["dependencies"])
    assert "elasticsearch" not in deps
    assert project["optional-dependencies"]["elasticsearch"][0].startswith("elasticsearch>=")
    packages = meta["tool"]["setuptools"]["packages"]
    assert {"watch", "spiders", "pipelines"} <= set(packages)


def test_top_level_layout() -> None:
    for name in ("watch", "spiders", "pipelines", "feeds.yaml", "scrapy.cfg", "tests", "README.md",
                 "bench", ".ci/run"):  # fmt: skip
        assert (ROOT / name).exists(), name


def test_error_hierarchy() -> None:
    for cls in (errors.ConfigError, errors.SourceError, errors.QuerySyntaxError,
                errors.StoreUnavailable, errors.CrawlLocked, errors.DiskFull,
                errors.StoreLocked):  # fmt: skip
        assert issubclass(cls, errors.WatchError)
    assert issubclass(errors.DiskFull, errors.StoreUnavailable)
    assert issubclass(errors.StoreLocked, errors.StoreUnavailable)
    assert errors.StoreLocked.exit_code == errors.CrawlLocked.exit_code == 75
    assert set(errors.__all__) == {"WatchError", "ConfigError", "SourceError", "QuerySyntaxError",
                                   "StoreUnavailable", "CrawlLocked", "DiskFull",
                                   "StoreLocked"}  # fmt: skip


def test_scrapy_list_from_the_repository_root() -> None:
    done = scrapy("list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["feeds"]


def test_scrapy_crawl_from_the_repository_root(tmp_path: Path, site_sources: Path) -> None:
    env = {"WATCH_DATA_DIR": str(tmp_path), "WATCH_SOURCES": str(site_sources)}
    done = scrapy("crawl", "feeds", "-a", "source=atom,json", "-s", "LOG_LEVEL=WARNING", env=env)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(tmp_path / "watch.sqlite3")
    assert (
        conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    )  # a1, a5, a6, n1 and its repost (+ copy of a1)
    statuses = conn.execute(
        "SELECT source_id, status FROM run_sources ORDER BY source_id"
    ).fetchall()
    assert statuses == [("atom", "ok"), ("json", "ok")]


def test_demo_runs_offline(tmp_path: Path) -> None:
    keep = tmp_path / "demo"
    done = llwatch("demo", "--keep", str(keep))
    assert done.code == 0, done.stderr
    out = done.stdout
    assert "run 1: 4 sources, 15 new articles, 1 failed" in out
    assert "retired-feed" in out
    assert "HTML page" in out
    for source in ("lifelong-news", "actualites-formation", "noticias-aprendizaje"):
        assert any(line.startswith(source) and " ok " in line for line in out.splitlines()), source
    assert "$ llwatch search '\"adult literacy\" OR alphabétisation OR alfabetización'    (" in out
    assert "$ llwatch search 'apprentissage lang:fr'    (5 results)" in out
    assert "topic: " in out
    assert "vocational-training" in out
    assert "country: " in out
    formats = (
        sqlite3.connect(keep / "watch.sqlite3")
        .execute("SELECT language, count(*) FROM articles GROUP BY language ORDER BY language")
        .fetchall()
    )
    assert formats == [("en", 5), ("es", 5), ("fr", 5)]
    again = llwatch("search", "--data-dir", str(keep), "--json", "literacy lang:en")
    assert again.code == 0
    assert again.stdout.strip()
