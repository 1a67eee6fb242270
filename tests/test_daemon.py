"""``llwatch daemon`` and crawls that end badly: the daemon crawls what is due, sleeps, never
runs two crawls at once, stops cleanly on SIGTERM (also in the middle of a crawl: the run record
is closed); a crawl killed with SIGKILL is recovered by the next one (nothing lost, nothing
doubled, its run record closed as interrupted)."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Spawn, crawl
from watch.backup import check_store
from watch.crawl import crawl_lock


def query(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    path = data_dir / "watch.sqlite3"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # the schema is being created
    finally:
        conn.close()


def wait_for(check: Callable[[], bool], timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def daemon_args(data_dir: Path, sources: Path) -> list[str]:
    return ["daemon", "--data-dir", str(data_dir), "--sources", str(sources), "--min-sleep",
            "0.3", "--max-sleep", "2"]  # fmt: skip


def test_it_crawls_what_is_due_then_sleeps_and_stops(
    site_sources: Path, tmp_path: Path, spawn: Spawn
) -> None:
    log = tmp_path / "daemon.log"
    daemon = spawn(daemon_args(tmp_path, site_sources), log)
    wait_for(lambda: len(query(tmp_path, "SELECT id FROM runs WHERE finished_at != ''")) == 1,
             what="the first run")  # fmt: skip
    time.sleep(2.5)  # nothing is due again for an hour: no second run
    assert len(query(tmp_path, "SELECT id FROM runs")) == 1
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    said = log.read_text("utf-8")
    assert "next crawl in" in said
    assert "SIGTERM received: stopping" in said
    assert "daemon stopped after 1 crawl run(s)" in said


def test_sigterm_in_the_middle_of_a_crawl_closes_its_run(
    site_sources: Path, tmp_path: Path, spawn: Spawn
) -> None:
    log = tmp_path / "daemon.log"
    daemon = spawn(daemon_args(tmp_path, site_sources), log, WATCH_STORE_BATCH="1")
    wait_for(lambda: bool(query(tmp_path, "SELECT id FROM runs WHERE finished_at = ''")),
             what="a run in progress")  # fmt: skip
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=60) == 0, log.read_text("utf-8")
    runs = query(tmp_path, "SELECT finished_at, finish_reason FROM runs")
    assert len(runs) == 1
    assert runs[0][0], runs  # closed by the crawl itself
    assert runs[0][1] == "shutdown", runs


def test_a_held_lock_is_waited_out(site_sources: Path, tmp_path: Path, spawn: Spawn) -> None:
    log = tmp_path / "daemon.log"
    with crawl_lock(tmp_path):  # a stuck process holds the data dir
        daemon = spawn(daemon_args(tmp_path, site_sources), log)
        wait_for(lambda: "round skipped, tried again when due: another crawl is running on "
                 f"{tmp_path} (pid {os.getpid()}" in log.read_text("utf-8"),
                 what="the lock message naming its holder")  # fmt: skip
        assert daemon.poll() is None  # still running, waiting
    daemon.send_signal(signal.SIGINT)
    assert daemon.wait(timeout=60) == 0


def test_a_killed_crawl_is_recovered(site_sources: Path, tmp_path: Path, spawn: Spawn) -> None:
    log = tmp_path / "crawl.log"
    args = ["crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources)]
    killed = spawn(args, log, WATCH_STORE_BATCH="1")
    wait_for(lambda: bool(query(tmp_path, "SELECT count(*) FROM articles WHERE 1")[:1])
             and query(tmp_path, "SELECT count(*) FROM articles")[0][0] > 0,
             what="the first stored article")  # fmt: skip
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    before = {r[0] for r in query(tmp_path, "SELECT id FROM articles")}
    assert before
    again = crawl(tmp_path, site_sources, "--force")
    assert again.code in (0, 1), again.stderr
    assert "closed as interrupted" in again.stderr
    after = query(tmp_path, "SELECT id, canonical_url FROM articles")
    assert before <= {r[0] for r in after}  # nothing lost
    assert len({r[1] for r in after}) == len(after)  # nothing doubled
    runs = query(tmp_path, "SELECT status, finished_at FROM runs ORDER BY id")
    assert [r[0] for r in runs] == ["interrupted", "partial"]
    assert all(r[1] for r in runs)
    conn = sqlite3.connect(tmp_path / "watch.sqlite3")
    assert check_store(conn) == "ok"
    conn.close()
