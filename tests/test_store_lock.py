"""A store whose SQLite write lock is held by a stuck process (a writer that began a
transaction and hangs): a crawl gives up after WATCH_STORE_BUSY_TIMEOUT with one line naming the
process (exit 75, as for the crawl lock), also when the lock is taken in the middle of a crawl
(what was stored is kept, the next crawl collects the rest); the daemon skips its round with
that line, keeps running, and crawls once the process has let go."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import Spawn, crawl, llwatch
from tests.test_daemon import daemon_args, query, wait_for
from watch.backup import check_store
from watch.store import open_store

#: A writer that takes the store's write lock and never lets go.
STUCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE runs SET status = status")
print("held", flush=True)
time.sleep(600)
"""
BUSY = {"WATCH_STORE_BUSY_TIMEOUT": "1"}


@contextmanager
def stuck_writer(data_dir: Path) -> Iterator[int]:
    """A process holding the write lock of ``data_dir``'s store; yields its pid."""
    holder = subprocess.Popen([sys.executable, "-c", STUCK, str(data_dir / "watch.sqlite3")],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def sound(data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / "watch.sqlite3")
    try:
        assert check_store(conn) == "ok"
    finally:
        conn.close()


def test_a_crawl_says_who_holds_the_store(site_sources: Path, tmp_path: Path) -> None:
    open_store(tmp_path).close()
    with stuck_writer(tmp_path) as pid:
        blocked = llwatch("crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources),
                          env=BUSY)  # fmt: skip
    assert blocked.code == 75, blocked.stderr
    line = blocked.stderr.strip().splitlines()[-1]
    assert line.startswith("llwatch: error: ")
    assert "another process held the store's lock for 1 s (open in pid " in line
    assert f"pid {pid} (" in line
    assert "nothing stored is lost" in line
    assert query(tmp_path, "SELECT count(*) FROM runs") == [(0,)]  # nothing half-written
    done = crawl(tmp_path, site_sources)
    assert done.code in (0, 1), done.stderr
    assert query(tmp_path, "SELECT count(*) FROM articles")[0][0] > 0


def test_a_lock_taken_in_the_middle_of_a_crawl(
    site_sources: Path, tmp_path: Path, spawn: Spawn
) -> None:
    log = tmp_path / "crawl.log"
    args = ["crawl", "--data-dir", str(tmp_path), "--sources", str(site_sources)]
    running = spawn(args, log, WATCH_STORE_BATCH="1", **BUSY)
    wait_for(lambda: bool(query(tmp_path, "SELECT 1 FROM articles LIMIT 1")),
             what="the first stored article")  # fmt: skip
    with stuck_writer(tmp_path):  # the slow source keeps the crawl going past this point
        assert running.wait(timeout=120) == 75, log.read_text("utf-8")[-3000:]
        before = {r[0] for r in query(tmp_path, "SELECT id FROM articles")}
    said = log.read_text("utf-8").strip().splitlines()
    assert said[-1].startswith("llwatch: error: ")
    assert "another process held the store's lock" in said[-1]
    assert before
    sound(tmp_path)
    again = crawl(tmp_path, site_sources, "--force")
    assert again.code in (0, 1), again.stderr
    after = query(tmp_path, "SELECT id, canonical_url FROM articles")
    assert before < {r[0] for r in after}  # nothing lost, the rest collected
    assert len({r[1] for r in after}) == len(after)  # nothing doubled
    runs = query(tmp_path, "SELECT status, finished_at FROM runs ORDER BY id")
    assert runs[0][0] == "interrupted"  # its record could not be closed while the lock was held
    assert all(r[1] for r in runs)
    sound(tmp_path)


def test_the_daemon_waits_out_a_stuck_writer(
    site_sources: Path, tmp_path: Path, spawn: Spawn
) -> None:
    open_store(tmp_path).close()
    log = tmp_path / "daemon.log"
    with stuck_writer(tmp_path) as pid:
        daemon = spawn(daemon_args(tmp_path, site_sources), log, **BUSY)
        wait_for(lambda: "round skipped, tried again when due: " in log.read_text("utf-8"),
                 what="the skipped round")  # fmt: skip
        assert daemon.poll() is None  # still running
        skipped = next(line for line in log.read_text("utf-8").splitlines()
                       if "round skipped" in line)  # fmt: skip
        assert f"another process held the store's lock for 1 s (open in pid {pid} (" in skipped
    wait_for(lambda: bool(query(tmp_path, "SELECT id FROM runs WHERE finished_at != ''")),
             what="a crawl once the writer is gone")  # fmt: skip
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=60) == 0, log.read_text("utf-8")[-3000:]
    assert query(tmp_path, "SELECT count(*) FROM articles")[0][0] > 0
    sound(tmp_path)
