"""``llwatch retag``: run language, topics, countries and relevance again over the stored corpus
(after the taxonomy or the detector changed), in batches, on every core, counting what changed."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.pool import AsyncResult
from typing import Any

from watch.config import WatchConfig
from watch.store import Store

__all__ = ["RetagReport", "retag"]

Row = tuple[str, str, str, str, list[str]]  # id, title, summary, text, language hints
Result = tuple[
    str, str, float, str, str, float
]  # id, language, confidence, topics, countries, relevance

_analyzer: Any = None


@dataclass
class RetagReport:
    seen: int = 0
    changed: int = 0
    seconds: float = 0.0


def _init_worker(config: WatchConfig) -> None:
    global _analyzer
    _analyzer = config.analyzer()


def _analyse_batch(rows: list[Row]) -> list[Result]:
    out: list[Result] = []
    for article_id, title, summary, text, hints in rows:
        found = _analyzer.analyze(title, text, summary, hints)
        topics = json.dumps([asdict(t) for t in found.topics], ensure_ascii=False)
        countries = json.dumps(found.countries)
        out.append(
            (
                article_id,
                found.language,
                found.language_confidence,
                topics,
                countries,
                found.relevance,
            )
        )
    return out


def _batches(store: Store, hints: dict[str, list[str]], size: int) -> Iterator[list[Row]]:
    last = 0
    sql = "SELECT rowid, id, title, summary, text, source_id FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?"
    while True:
        rows = store.db.conn.execute(sql, (last, size)).fetchall()
        if not rows:
            return
        last = rows[-1]["rowid"]
        yield [
            (r["id"], r["title"], r["summary"], r["text"], hints.get(r["source_id"], []))
            for r in rows
        ]


def _write(store: Store, results: list[Result]) -> int:
    """Store the new analysis where it differs; the number of articles that changed."""
    sql = (
        "UPDATE articles SET language = ?, language_confidence = ?, topics = ?, countries = ?, "
        "relevance = ? WHERE id = ? AND (language IS NOT ? OR topics IS NOT ? OR countries IS NOT ? "
        "OR relevance IS NOT ?)"
    )
    changed = 0
    with store.db.transaction() as conn:
        for article_id, lang, conf, topics, countries, rel in results:
            cursor = conn.execute(
                sql, (lang, conf, topics, countries, rel, article_id, lang, topics, countries, rel)
            )
            changed += cursor.rowcount
    return changed


def retag(
    store: Store,
    config: WatchConfig,
    *,
    hints: dict[str, list[str]] | None = None,
    jobs: int = 0,
    batch: int = 200,
    progress: Callable[[RetagReport], None] | None = None,
) -> RetagReport:
    """Re-analyse every stored article with ``jobs`` processes (0 = one per core)."""
    report = RetagReport()
    started = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    pending: deque[AsyncResult[list[Result]]] = deque()

    def collect() -> None:
        results = pending.popleft().get()
        report.seen += len(results)
        report.changed += _write(store, results)
        if progress:
            progress(report)

    with multiprocessing.get_context("spawn").Pool(jobs, _init_worker, (config,)) as pool:
        for rows in _batches(store, hints or {}, batch):  # at most 2 batches a worker in flight
            pending.append(pool.apply_async(_analyse_batch, (rows,)))
            if len(pending) >= 2 * jobs:
                collect()
        while pending:
            collect()
    report.seconds = round(time.perf_counter() - started, 2)
    return report
