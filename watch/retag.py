"""``llwatch retag``: run language, topics, countries and relevance again over the stored corpus
(after the taxonomy or the detector changed), in batches, on every core, counting what changed.

On the embedded store the rows are read and updated in place; on Elasticsearch the articles are
walked in date order (search_after) and the changed ones written back through the store's upsert
(the same bulk path as the crawl, so nothing is lost when the cluster stumbles: the outbox)."""

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
from watch.items import Article, TopicTag
from watch.store import Store
from watch.store.columns import trim_changes
from watch.store.sqlite import SQLiteArticleStore

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


class _IndexWalk:
    """Batches of an article index that is not the embedded one, and the write back."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: dict[str, Article] = {}

    def batches(self, hints: dict[str, list[str]], size: int) -> Iterator[list[Row]]:
        rows: list[Row] = []
        for article in self.store.articles.iter_articles(None, sort="date"):
            self.pending[article.id] = article
            hint = hints.get(article.source_id, [])
            rows.append((article.id, article.title, article.summary, article.text, hint))
            if len(rows) >= size:
                yield rows
                rows = []
        if rows:
            yield rows

    def write(self, results: list[Result]) -> int:
        changed = []
        for article_id, lang, conf, topics, countries, rel in results:
            article = self.pending.pop(article_id)
            tags = [TopicTag(**t) for t in json.loads(topics)]
            new = (lang, tags, json.loads(countries), rel)
            if new != (article.language, article.topics, article.countries, article.relevance):
                article.language, article.language_confidence = lang, conf
                article.topics, article.countries, article.relevance = new[1], new[2], rel
                changed.append(article)
        outcomes = self.store.articles.upsert(changed)
        return sum(1 for o in outcomes if o != "unchanged")


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
        trim_changes(conn)
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
        report.changed += write(results)
        if progress:
            progress(report)

    if isinstance(store.articles, SQLiteArticleStore):
        batches, write = _batches(store, hints or {}, batch), lambda r: _write(store, r)
    else:
        walk = _IndexWalk(store)
        batches, write = walk.batches(hints or {}, batch), walk.write
    with multiprocessing.get_context("spawn").Pool(jobs, _init_worker, (config,)) as pool:
        for rows in batches:  # at most 2 batches a worker in flight
            pending.append(pool.apply_async(_analyse_batch, (rows,)))
            if len(pending) >= 2 * jobs:
                collect()
        while pending:
            collect()
    report.seconds = round(time.perf_counter() - started, 2)
    return report
