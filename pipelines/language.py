"""Language: script, then Lingua's models, helped by the entry's, feed's, page's and source's
declared languages (watch.language)."""

from __future__ import annotations

from scrapy.crawler import Crawler

from watch.items import Article
from watch.understand import Analyzer


class LanguagePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        item.language, item.language_confidence = Analyzer.detect(
            item.title, item.summary, item.text, item.declared_languages
        )
        self.stats.inc_value(f"watch/language/{item.language}")
        return item
