"""Store: batched, idempotent writes of articles and of the feed entries they came from.

The store gives each new article its near-duplicate cluster (watch.store.clusters); a new article
that joined another story's cluster is counted as ``watch/dedupe/near_duplicate``.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from watch.collect import DISK_FULL, STORE_ERROR, STORE_ERROR_REASON, STORE_LOCKED, stat_key
from watch.config import WatchConfig
from watch.errors import DiskFull, StoreLocked, StoreUnavailable
from watch.items import Article
from watch.store import Store, open_store
from watch.store.elastic_client import ES_OFFLINE

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.full = ""  # why nothing more can be written (disk full, store locked), once known
        self.config = WatchConfig.from_settings(crawler.settings)
        self.es_offline = str(crawler.settings.get(ES_OFFLINE) or "")
        self.store: Store | None = None
        self.batch: list[Article] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = open_store(self.config.data_dir, config=self.config, offline=self.es_offline)

    def close_spider(self) -> None:
        self.flush()
        if self.store:
            self.store.close()

    def process_item(self, item: Article) -> Article:
        self.batch.append(item)
        if len(self.batch) >= self.config.store_batch:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the batch: articles first, then their entries (a crash between is re-crawled)."""
        if not self.batch or self.store is None:
            return
        batch, self.batch = self.batch, []
        if self.full:  # not stored, entries not recorded: collected again by the next crawl
            self.stats.inc_value("watch/articles/failed", len(batch))
            return
        originals = [a for a in batch if not a.duplicate_of]
        try:
            stored = iter(self.store.articles.upsert(originals))
            self.store.state.record_entries(batch)
            outcomes = [next(stored) if not a.duplicate_of else "unchanged" for a in batch]
        except DiskFull as exc:
            self._stop(str(exc), DISK_FULL)
            outcomes = ["failed"] * len(batch)  # type: ignore[list-item]
        except StoreLocked as exc:  # a stuck writer: each batch would wait the busy timeout
            self._stop(str(exc), STORE_LOCKED)
            outcomes = ["failed"] * len(batch)  # type: ignore[list-item]
        except StoreUnavailable as exc:
            logger.error("could not store %d articles: %s", len(batch), exc)
            outcomes = ["failed"] * len(batch)  # type: ignore[list-item]
        for article, outcome in zip(batch, outcomes, strict=True):
            self.stats.inc_value(f"watch/articles/{outcome}")
            self.stats.inc_value(stat_key(article.source_id, outcome))
            if outcome == "new" and article.cluster_id not in {"", article.id}:
                self.stats.inc_value("watch/dedupe/near_duplicate")  # joined an earlier story

    def _stop(self, message: str, reason: str) -> None:
        """The disk is full, or another process holds the store: say so once, and close the
        crawl (what it fetches next could not be stored; the next crawl collects it)."""
        if self.full:
            return
        self.full = message
        logger.error("%s", message)
        self.stats.set_value(STORE_ERROR, message)
        self.stats.set_value(STORE_ERROR_REASON, reason)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
