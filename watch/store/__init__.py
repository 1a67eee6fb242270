"""Stores: the article index (SQLite FTS5 by default) and the local crawl state.

``open_store(data_dir)`` gives a :class:`Store` with ``articles`` (an ArticleStore) and ``state``
(CrawlState) on the one SQLite file ``<data dir>/watch.sqlite3``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from watch.store.base import ArticleStore, SearchResult, SourceRun, SourceState
from watch.store.sqlite import Database, SQLiteArticleStore
from watch.store.state import CrawlState

__all__ = [
    "DB_NAME",
    "ArticleStore",
    "CrawlState",
    "SearchResult",
    "SourceRun",
    "SourceState",
    "Store",
    "open_store",
]

DB_NAME = "watch.sqlite3"


@dataclass
class Store:
    """The article index and the crawl state of one data dir."""

    db: Database
    articles: ArticleStore
    state: CrawlState

    def close(self) -> None:
        self.db.close()


def open_store(data_dir: str | Path, *, readonly: bool = False) -> Store:
    """Open (and create or migrate, unless read-only) the store of ``data_dir``."""
    db = Database(Path(data_dir) / DB_NAME, readonly=readonly)
    return Store(db=db, articles=SQLiteArticleStore(db), state=CrawlState(db))
