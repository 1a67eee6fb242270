"""The benchmarks keep working: each runs at a tiny size (figures printed, never judged here)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_crawl_benchmark_runs_at_tiny_size() -> None:
    done = subprocess.run(
        [sys.executable, "bench/crawl.py", "--feeds", "3", "--articles", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "articles/s" in done.stdout
    assert "feeds/s" in done.stdout
    assert "6 stored" in done.stdout
    assert "3 not modified" in done.stdout


def test_neardup_benchmark_runs() -> None:
    done = subprocess.run(
        [sys.executable, "bench/neardup.py", "--store-size", "100"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pairwise precision" in done.stdout
    assert "lookup against a store of 100:" in done.stdout
