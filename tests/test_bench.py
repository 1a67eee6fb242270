"""The benchmarks keep working: each runs at a tiny size (figures printed, never judged here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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


def test_digest_benchmark_runs_at_tiny_size() -> None:
    done = subprocess.run(
        [sys.executable, "bench/digest.py", "--articles", "300", "--other", "30", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "300 articles →" in done.stdout
    assert "ratio to the 2 s target" in done.stdout


def test_web_benchmark_runs_at_tiny_size() -> None:
    done = subprocess.run(
        [sys.executable, "bench/web.py", "--articles", "500", "--rounds", "1", "--export", "200"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "/api/search with facets + /api/trends: p50" in done.stdout
    assert "/api/export: 200 rows" in done.stdout


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


def test_extraction_benchmark_runs_on_a_few_pages() -> None:
    corpus = CORPORA / "extraction"
    if not (corpus / "ground-truth.json").is_file():
        pytest.skip(f"extraction corpus not found at {corpus} (set LLWATCH_CORPORA)")
    done = subprocess.run(
        [sys.executable, "bench/extraction.py", "--limit", "4", "--repeat", "1", "--corpus", str(corpus)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "4 pages" in lines[0]
    for name in ("llwatch extract_article", "trafilatura.extract (this run)"):
        (line,) = [line for line in lines if line.startswith(name)]
        f1, precision, recall = (float(x) for x in re.findall(r" (\d\.\d{3}) ", line))
        assert 0 <= min(f1, precision, recall) <= max(f1, precision, recall) <= 1
        assert "ms/page" in line
    assert any(line.startswith("trafilatura 2.0.0 (published)   ") for line in lines)
    assert any(line.startswith("news-please 1.6.16 (published)") for line in lines)


def test_extraction_benchmark_names_a_missing_corpus(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "bench/extraction.py", "--corpus", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "ground-truth.json not found" in done.stderr


def test_neardup_benchmark_runs() -> None:
    done = subprocess.run(
        [sys.executable, "bench/neardup.py", "--store-size", "100"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pairwise precision" in done.stdout
    assert "lookup against a store of 100:" in done.stdout
