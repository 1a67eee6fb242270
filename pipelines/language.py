"""Language: langdetect (seeded) helped by the feed's, page's and source's declared languages."""

from __future__ import annotations

from scrapy.crawler import Crawler

from watch.items import Article
from watch.language import detect_language

#: Characters of body text given to the detector: enough for a stable answer, half the cost of 2000.
SAMPLE_CHARS = 1000


class LanguagePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def process_item(self, item: Article) -> Article:
        sample = "\n".join((item.title, item.summary, item.text[:SAMPLE_CHARS]))
        item.language, item.language_confidence = detect_language(sample, item.declared_languages)
        self.stats.inc_value(f"watch/language/{item.language}")
        return item
