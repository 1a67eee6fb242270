"""Topics, countries and relevance: the taxonomy's topics (spaCy phrase matching), the countries
the article mentions, and its relevance to lifelong learning (see watch.understand)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from watch.config import WatchConfig
from watch.errors import ConfigError
from watch.items import Article
from watch.sources import load_sources


def _watch_list_languages(config: WatchConfig) -> list[str]:
    """The languages the enabled sources of the watch list declare (none if it cannot be read)."""
    try:
        sources = load_sources(config.sources)
    except ConfigError:
        return []
    return sorted({lang for s in sources if s.enabled for lang in s.languages})


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
        for language in _watch_list_languages(self.config):  # built now, before any request,
            if self.analyzer.tagger.supports(language):  # rather than mid-crawl
                self.analyzer.tagger.matcher(language)

    def process_item(self, item: Article) -> Article:
        self.analyzer.apply(item, detect=False)
        for topic in item.topics:
            self.stats.inc_value(f"watch/topics/{topic.id}")
        if not item.topics:
            self.stats.inc_value("watch/topics/none")
        return item
