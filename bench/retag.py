"""Retag benchmark: ``llwatch retag`` throughput on two cores over a generated store.

A temporary store is filled with N articles of about 4,000 characters built from the labelled dev
set's real texts (repeated to length, in their languages), then ``watch.retag.retag`` analyses
them all again with one process per core. Prints articles/s for the whole run and for the steady
state (after every worker has built its language pipelines), and the number of articles changed.

    python bench/retag.py [--articles 10000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from watch.config import WatchConfig  # noqa: E402
from watch.items import Article  # noqa: E402
from watch.retag import RetagReport, retag  # noqa: E402
from watch.store import open_store  # noqa: E402

DEV = ROOT / "bench" / "data" / "topics-dev.jsonl"


def articles(n: int) -> list[Article]:
    items = [json.loads(line) for line in DEV.read_text("utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        item = items[i % len(items)]
        text = ((item["text"] + "\n\n") * (4000 // len(item["text"]) + 1))[:4000]
        url = f"https://bench.example/{i}"
        out.append(Article(id=f"{i:08d}", url=url, canonical_url=url, source_id="bench",
                           title=item["title"], text=f"{text} ({i})", language=item["language"],
                           fetched_at="2026-11-01T00:00:00Z"))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="llwatch-retag-") as tmp:
        store = open_store(tmp)
        batch = articles(args.articles)
        for start in range(0, len(batch), 500):
            store.articles.upsert(batch[start : start + 500])
        marks: list[tuple[float, int]] = []

        def progress(report: RetagReport) -> None:
            marks.append((time.perf_counter(), report.seen))

        report = retag(store, WatchConfig.load({"WATCH_DATA_DIR": tmp}), jobs=args.jobs,
                       batch=args.batch, progress=progress)  # fmt: skip
        store.close()
    steady = _steady_rate(marks, args.jobs)
    print(f"retag: {report.seen} articles (4,000 characters) in {report.seconds:.1f}s with "
          f"{args.jobs} processes = {report.seen / report.seconds:.0f} articles/s; "
          f"steady state {steady:.0f} articles/s; {report.changed} changed")  # fmt: skip
    return 0


def _steady_rate(marks: list[tuple[float, int]], jobs: int) -> float:
    """Articles/s after the first 2 × jobs batches (the workers' warm-up)."""
    skip = min(2 * jobs, len(marks) - 2)
    if skip < 0 or len(marks) < 2:
        return 0.0
    (t0, n0), (t1, n1) = marks[skip], marks[-1]
    return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


if __name__ == "__main__":
    sys.exit(main())
