"""Topics, countries and relevance: the taxonomy's topics (spaCy phrase matching), the countries
the article mentions, and its relevance to lifelong learning (see watch.understand)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from watch.config import WatchConfig
from watch.items import Article
from watch.sources import declared_languages


class TopicsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.config = WatchConfig.from_settings(crawler.settings)
        self.analyzer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TopicsPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.analyzer = self.config.analyzer()  # a bad taxonomy stops the crawl here, loudly
        declared = declared_languages(self.config.sources).values()
        for language in sorted({lang for langs in declared for lang in langs}):  # built now,
            if self.analyzer.tagger.supports(language):  # before any request, not mid-crawl
                self.analyzer.tagger.matcher(language)

    def process_item(self, item: Article) -> Article:
        self.analyzer.apply(item, detect=False)
        for topic in item.topics:
            self.stats.inc_value(f"watch/topics/{topic.id}")
        if not item.topics:
            self.stats.inc_value("watch/topics/none")
        return item
