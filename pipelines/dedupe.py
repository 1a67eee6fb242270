"""Dedupe: same canonical URL = the same article, updated in place; the same text at another URL
(a syndicated copy, a repost) = a duplicate of the article stored first, which it leaves unchanged.

Near-duplicates (the same story lightly edited, shortened or retitled) are kept as articles of
their own and grouped under one ``cluster_id`` by the store when it writes them
(watch.store.clusters), so that a lookup sees every article already written, across runs."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from watch.config import WatchConfig
from watch.errors import StoreUnavailable
from watch.items import Article
from watch.store import Store, open_store
from watch.store.elastic_client import ES_OFFLINE

logger = logging.getLogger(__name__)


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.config = WatchConfig.from_settings(crawler.settings)
        self.es_offline = str(crawler.settings.get(ES_OFFLINE) or "")
        self.store: Store | None = None
        self.seen_text: dict[str, tuple[str, str, str]] = {}  # this run: hash -> id, url, canonical
        self.unavailable = ""  # why the index could not be asked (said once)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = open_store(self.config.data_dir, config=self.config, offline=self.es_offline)

    def close_spider(self) -> None:
        if self.store:
            self.store.close()

    def process_item(self, item: Article) -> Article:
        assert self.store is not None
        try:
            found = self.store.articles.find_duplicate(item.id, item.content_hash)
        except StoreUnavailable as exc:  # the index cannot say: this run's own copies only
            if not self.unavailable:
                logger.warning("duplicate check against the index skipped: %s", exc)
            self.unavailable, found = str(exc), None
        if found and found.id != item.id:
            self._merge_into(item, found.id, found.url, found.canonical_url)
        elif not found and item.content_hash in self.seen_text:
            self._merge_into(item, *self.seen_text[item.content_hash])
        if item.content_hash:
            self.seen_text.setdefault(item.content_hash, (item.id, item.url, item.canonical_url))
        return item

    def _merge_into(self, item: Article, first_id: str, url: str, canonical: str) -> None:
        self.stats.inc_value("watch/dedupe/same_text")
        item.duplicate_of = first_id
        item.id, item.url, item.canonical_url = first_id, url, canonical
