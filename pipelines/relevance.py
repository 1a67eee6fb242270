"""Relevance: articles of ``focus: general`` sources are kept only at or above the threshold;
``focus: lifelong-learning`` sources keep everything, scored. Drops are counted with their reason."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from watch.collect import stat_key
from watch.config import WatchConfig
from watch.items import Article


class RelevancePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.threshold = WatchConfig.from_settings(crawler.settings).relevance_threshold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        score = item.relevance or 0.0
        if item.source_focus == "general" and score < self.threshold:
            self.stats.inc_value("watch/dropped/not_relevant")
            self.stats.inc_value(stat_key(item.source_id, "not_relevant"))
            raise DropItem(f"{item.url}: relevance {score:.2f} < {self.threshold} (general source)")
        return item
