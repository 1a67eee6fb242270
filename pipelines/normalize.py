"""Normalize: canonical URL and stable id, clean text, UTC dates, content hash."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from watch.items import Article
from watch.normalize import normalize_article


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        problem = normalize_article(item)
        if problem:
            self.stats.inc_value(f"watch/dropped/{problem}")
            raise DropItem(f"{item.url}: {problem}")
        return item
