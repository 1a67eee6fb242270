"""Stores: the article index (SQLite FTS5 by default, or Elasticsearch) and the local crawl state.

``open_store(data_dir)`` gives a :class:`Store` with ``articles`` (an ArticleStore) and ``state``
(CrawlState) on the one SQLite file ``<data dir>/watch.sqlite3``. Given a config whose
WATCH_ES_URL is set, ``articles`` is the Elasticsearch index instead; the crawl state, run
records and the outbox stay in the SQLite file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from watch.store.base import ArticleStore, SearchResult, SourceRun, SourceState
from watch.store.sqlite import Database, SQLiteArticleStore
from watch.store.state import CrawlState

if TYPE_CHECKING:
    from watch.config import WatchConfig
    from watch.store.columns import Columns

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
        if not isinstance(self.articles, SQLiteArticleStore):
            self.articles.close()
        self.db.close()


def open_store(
    data_dir: str | Path,
    *,
    readonly: bool = False,
    config: WatchConfig | None = None,
    offline: str = "",
    columns: Columns | None = None,
    busy_timeout: float | None = None,
) -> Store:
    """Open (and create or migrate, unless read-only) the store of ``data_dir``; with a
    ``config`` whose ``es_url`` is set, the articles are those of its Elasticsearch index (no
    request is sent yet: see watch.store.elastic_client.check_cluster). ``offline`` (why the
    cluster cannot be used now) sends its writes straight to the outbox without asking it.
    Read-only with a cluster, a missing local file (it holds only the crawl state then) is
    created. ``columns`` (a long-lived reader's in-memory facts, shared by its connections)
    serve the embedded store's facets, trends and date order. ``busy_timeout``: seconds a write
    waits for another process's lock (default: ``config``'s WATCH_STORE_BUSY_TIMEOUT, or 30)."""
    path = Path(data_dir) / DB_NAME
    if readonly and config is not None and config.es_url and not path.exists():
        readonly = False
    if busy_timeout is None:
        busy_timeout = config.store_busy_timeout if config is not None else 30.0
    db = Database(path, readonly=readonly, busy_timeout=busy_timeout)
    state = CrawlState(db)
    if config is None or not config.es_url:
        return Store(db=db, articles=SQLiteArticleStore(db, columns), state=state)
    from watch.store.elastic import ElasticArticleStore
    from watch.store.elastic_client import connect

    try:
        articles = ElasticArticleStore(connect(config), config.es_index, state)
        articles.offline = offline
    except BaseException:
        db.close()
        raise
    return Store(db=db, articles=articles, state=state)
