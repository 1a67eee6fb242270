"""The benchmarks keep working: each runs at a tiny size (figures printed, never judged here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import CORPORA, ROOT


def test_crawl_benchmark_runs_at_tiny_size() -> None:
    done = subprocess.run(
        [sys.executable, "bench/crawl.py", "--feeds", "3", "--articles", "2", "--hosts", "2",
         "--scrapy-bench", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "articles/s" in done.stdout
    assert "feeds/s" in done.stdout
    assert "6 stored" in done.stdout
    assert "3 not modified" in done.stdout
    assert "unchanged-feed polling ÷ scrapy bench page rate: " in done.stdout


def test_pdf_benchmark_runs_at_tiny_size() -> None:
    done = subprocess.run(
        [sys.executable, "bench/pdf.py", "--pages", "1,2", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pages/s" in done.stdout


def test_feeds_corpus_benchmark_runs_at_tiny_size() -> None:
    if not (CORPORA / "feeds-real" / "manifest.json").is_file():
        pytest.skip(f"feed corpora not found in {CORPORA} (set LLWATCH_CORPORA)")
    done = subprocess.run(
        [sys.executable, "bench/feeds_corpus.py", "--limit", "20", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "feeds-wild: 20 files" in done.stdout
    assert "feeds-real: 20 files" in done.stdout
    assert "files/s" in done.stdout
