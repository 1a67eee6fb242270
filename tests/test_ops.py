"""What the operator reads: ``llwatch runs`` (the history of runs, per source) and ``llwatch
metrics`` (Prometheus text format, for node_exporter's textfile collector), after a real crawl
of the local test site."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import CrawlRun, crawl, llwatch
from watch.metrics import HEALTH_STATES
from watch.sources import load_sources
from watch.store import open_store


@pytest.fixture(scope="module")
def crawled(site_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CrawlRun]:
    data_dir = tmp_path_factory.mktemp("ops")
    run = crawl(data_dir, site_sources)
    assert run.code == 1, run.stderr  # some of the test site's sources fail on purpose
    return data_dir, run


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip


def articles_in(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "watch.sqlite3")
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def test_runs_lists_the_history(crawled: tuple[Path, CrawlRun], site_sources: Path) -> None:
    data_dir, report = crawled
    args = ("--data-dir", str(data_dir), "--sources", str(site_sources))
    lines = llwatch("runs", *args, "--json").stdout.splitlines()
    assert len(lines) == 1
    run = json.loads(lines[0])
    assert run["id"] == report.report["run_id"]
    assert run["status"] == "partial"
    assert run["duration"] is not None
    assert run["duration"] >= 0
    assert {s["source_id"]: s["status"] for s in run["sources"]} == {
        sid: r["status"] for sid, r in report.by_source.items()
    }
    table = llwatch("runs", *args).stdout
    assert table.splitlines()[0].split()[:4] == ["run", "started", "seconds", "status"]
    one = llwatch("runs", *args, "--run", str(run["id"]))
    assert one.code == 0
    assert "connection refused" in one.stdout
    missing = llwatch("runs", *args, "--run", "999")
    assert missing.code == 2
    assert missing.stderr.strip().count("\n") == 0
    assert "no run 999" in missing.stderr


def test_metrics_in_the_prometheus_text_format(
    crawled: tuple[Path, CrawlRun], site_sources: Path, tmp_path: Path
) -> None:
    data_dir, report = crawled
    args = ("--data-dir", str(data_dir), "--sources", str(site_sources))
    done = llwatch("metrics", *args)
    assert done.code == 0, done.stderr
    found = samples(done.stdout)
    assert found[("llwatch_articles", ())] == articles_in(data_dir) > 0
    by_state = {s: found[("llwatch_sources", (("state", s),))] for s in HEALTH_STATES}
    assert sum(by_state.values()) == len(load_sources(site_sources))
    failed = sum(r["status"] == "failed" for r in report.by_source.values())
    assert by_state["failing"] + by_state["dead"] == failed
    assert found[("llwatch_last_run_failed_sources", ())] == failed
    assert found[("llwatch_last_run_ok", ())] == 0
    assert found[("llwatch_last_run_new_articles", ())] == articles_in(data_dir)
    assert found[("llwatch_last_run_duration_seconds", ())] >= 0
    assert 0 <= found[("llwatch_last_run_age_seconds", ())] < 3600
    assert found[("llwatch_crawl_running", ())] == 0
    assert found[("llwatch_outbox_pending", ())] == 0

    target = tmp_path / "llwatch.prom"
    assert llwatch("metrics", *args, "--textfile", str(target)).code == 0
    assert samples(target.read_text("utf-8")).keys() == found.keys()
    assert list(tmp_path.iterdir()) == [target]  # written atomically: no temporary file left
    bad = llwatch("metrics", *args, "--textfile", str(tmp_path / "no" / "such" / "dir.prom"))
    assert bad.code == 2
    assert "cannot write the metrics" in bad.stderr
    assert bad.stderr.strip().count("\n") == 0


def test_an_open_run_shows_as_running(
    crawled: tuple[Path, CrawlRun], site_sources: Path, tmp_path: Path
) -> None:
    """A crawl that is running (or was killed before closing its record): the gauge says so,
    and the last finished run's figures stay."""
    data_dir = tmp_path / "copy"
    data_dir.mkdir()
    source = sqlite3.connect(crawled[0] / "watch.sqlite3")
    copy = sqlite3.connect(data_dir / "watch.sqlite3")
    source.backup(copy)
    source.close()
    copy.close()
    store = open_store(data_dir)
    store.state.start_run()
    store.close()
    found = samples(llwatch("metrics", "--data-dir", str(data_dir), "--sources",
                            str(site_sources)).stdout)  # fmt: skip
    assert found[("llwatch_crawl_running", ())] == 1
    assert found[("llwatch_last_run_failed_sources", ())] > 0


def test_metrics_without_a_store_say_so(tmp_path: Path, site_sources: Path) -> None:
    done = llwatch("metrics", "--data-dir", str(tmp_path), "--sources", str(site_sources))
    assert done.code != 0
    assert "no store here yet" in done.stderr
    assert done.stderr.strip().count("\n") == 0


def test_json_logs_for_log_shippers(site_sources: Path, tmp_path: Path) -> None:
    run = crawl(tmp_path, site_sources, "-v", "--log-format", "json")
    assert run.code == 1, run.stderr
    records = [json.loads(line) for line in run.stderr.splitlines() if line.strip()]
    assert records
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert all(r["time"].endswith("Z") for r in records)
    assert any(r["logger"].startswith("scrapy") for r in records)
    assert any(r["level"] == "ERROR" and "connection refused" in r["message"].lower()
               for r in records)  # fmt: skip
    assert any(r["level"] == "INFO" for r in records)  # -v: from INFO up
    assert json.loads(run.stdout)["run_id"] == 1  # the report is still the report
