"""A disk that fills up in the middle of a crawl: the crawl stops with one line (exit 74), the
store stays sound with everything stored before, and once there is room again the next crawl
collects the rest; no run record stays open (closed by the crawl itself as ended by "disk full",
or by the next one as interrupted). The data dir is a small tmpfs (root only)."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import crawl
from watch.backup import check_store
from watch.store import open_store


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_mid_crawl(small_disk: Path, site_sources: Path) -> None:
    data_dir = small_disk / "data"
    open_store(data_dir).close()
    filler = small_disk / "filler"
    free = 4 * 1024 * 1024 - sum(p.stat().st_size for p in data_dir.iterdir())
    filler.write_bytes(b"\0" * (free - 96 * 1024))  # room for a few articles, not all
    run = crawl(data_dir, site_sources, "--force")
    assert run.code == 74, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("llwatch: error:")]
    assert len(lines) == 1
    assert "the disk is full" in lines[0]
    assert "everything stored before is kept" in lines[0]
    filler.unlink()  # room again
    conn = sqlite3.connect(data_dir / "watch.sqlite3")
    assert check_store(conn) == "ok"
    before = {r[0] for r in conn.execute("SELECT id FROM articles")}
    conn.close()
    again = crawl(data_dir, site_sources, "--force")
    assert again.code in (0, 1), again.stderr
    conn = sqlite3.connect(data_dir / "watch.sqlite3")
    after = conn.execute("SELECT id, canonical_url FROM articles").fetchall()
    runs = conn.execute(
        "SELECT status, finish_reason, finished_at FROM runs ORDER BY id"
    ).fetchall()
    conn.close()
    assert before <= {r[0] for r in after}
    assert len(after) > len(before)  # the rest was collected
    assert len({r[1] for r in after}) == len(after)
    assert len(runs) == 2
    assert all(finished for _, _, finished in runs)  # no run record left open
    assert runs[0][:2] in {("partial", "disk full"), ("interrupted", runs[0][1])}
