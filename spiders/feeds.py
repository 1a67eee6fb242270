"""The ``feeds`` spider: one request per due source, each new feed entry followed to its page.

Scrapy downloads (robots.txt, AutoThrottle, retries, conditional GET); watch.feeds parses the
bytes, watch.extract reads the article page, and when the page fails the feed's own text is used.
The run record and the crawl state are written when the spider closes (after the pipelines have
flushed every article).

Arguments (``scrapy crawl feeds -a name=value``): ``sources`` (watch-list file, default the
WATCH_SOURCES setting), ``source`` (comma-separated ids: only these, even if disabled or not
due), ``force`` (``1``: poll every selected source now, due or not).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.failures import describe_failure
from watch.collect import RunTracker, article_from_entry, body_hash, is_due, with_page
from watch.config import WatchConfig
from watch.errors import ConfigError, SourceError
from watch.extract import extract_article
from watch.feeds import ParsedFeed, parse_feed
from watch.items import Article
from watch.sources import Source, load_sources, select_sources
from watch.store import SourceState, Store, open_store

logger = logging.getLogger(__name__)

#: At most this many entries of one feed are followed in one run (newest first in most feeds).
MAX_ENTRIES = 300


class FeedsSpider(scrapy.Spider):
    name = "feeds"

    def __init__(
        self,
        sources: str | None = None,
        source: str | None = None,
        force: str | bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources_file = sources
        self.only = [s.strip() for s in (source or "").split(",") if s.strip()]
        self.force = str(force).lower() in {"1", "true", "yes"}
        self.config = WatchConfig.load()  # replaced by the crawler's settings in from_crawler
        self.tracker = RunTracker()
        self.store: Store | None = None
        self.run_id = 0
        self._requested: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = WatchConfig.from_settings(crawler.settings)
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        return spider

    def spider_opened(self) -> None:
        self.store = open_store(self.config.data_dir)
        self.run_id = self.store.state.start_run()
        self.crawler.stats.set_value("watch/run_id", self.run_id)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self._due_sources():
            yield self._feed_request(source)

    # --- sources -------------------------------------------------------------------------------

    def _due_sources(self) -> Iterator[Source]:
        assert self.store is not None
        try:
            chosen = select_sources(
                load_sources(self.sources_file or self.config.sources), self.only or None
            )
        except ConfigError as exc:
            logger.error("%s", exc)
            for problem in exc.problems:
                logger.error("%s", problem)
            self.crawler.stats.set_value("watch/config_error", str(exc))
            return
        states = self.store.state.source_states()
        for source in chosen:
            state = states.get(source.id) or SourceState(source.id)
            if source.kind != "feed":
                self.tracker.skip(source.id, state, f"kind {source.kind!r} is not supported yet")
            elif self.force or self.only or is_due(source, state):
                self.tracker.begin(source.id, state)
                yield source
            else:
                self.tracker.skip(source.id, state, "not due yet")

    def _feed_request(self, source: Source) -> scrapy.Request:
        state = self.tracker.state(source.id)
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                   "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"}  # fmt: skip
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return scrapy.Request(
            source.url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            headers=headers,
            dont_filter=True,
            meta={"handle_httpstatus_list": [304]},
            cb_kwargs={"source": source},
        )

    # --- feeds ---------------------------------------------------------------------------------

    def parse_feed(self, response: Response, source: Source) -> Iterator[Any]:
        stats = self.crawler.stats
        validators = _validators(response)
        state = self.tracker.state(source.id)
        if response.status == 304 or validators["body_hash"] == state.body_hash:
            stats.inc_value("watch/feeds/not_modified")
            self.tracker.not_modified(source.id, validators)
            return
        try:
            feed = parse_feed(response.body, response.url, _content_type(response))
        except SourceError as exc:
            self._fail(source, str(exc))
            return
        if feed.warning:
            stats.inc_value("watch/feeds/bozo")
        stats.inc_value("watch/feeds/ok")
        self.tracker.feed_ok(source.id, len(feed.entries), validators)
        yield from self._follow_entries(source, feed, response.url)

    def feed_failed(self, failure: Failure) -> None:
        source: Source = failure.request.cb_kwargs["source"]  # type: ignore[attr-defined]
        self._fail(source, describe_failure(failure, self.config.download_timeout))

    def _fail(self, source: Source, reason: str) -> None:
        self.crawler.stats.inc_value("watch/feeds/failed")
        logger.info("source %s failed: %s", source.id, reason)
        self.tracker.failed(source.id, reason)

    def _follow_entries(self, source: Source, feed: ParsedFeed, feed_url: str) -> Iterator[Any]:
        assert self.store is not None
        for entry in feed.entries[:MAX_ENTRIES]:
            seen = self.store.state.entry(source.id, entry.key)
            if seen and seen[1] == entry.fingerprint:
                self.crawler.stats.inc_value("watch/entries/seen")
                continue
            article = article_from_entry(source, feed, entry, feed_url)
            if seen:
                article.id = seen[0]  # the feed changed this entry: update the same article
            if not entry.link or article.canonical_url in self._requested:
                continue
            self._requested.add(article.canonical_url)
            yield self._article_request(article)

    # --- articles ------------------------------------------------------------------------------

    def _article_request(self, article: Article) -> scrapy.Request:
        return scrapy.Request(
            article.url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"article": article},
        )

    def parse_article(self, response: Response, article: Article) -> Iterator[Article]:
        self.crawler.stats.inc_value("watch/articles/fetched")
        self.tracker.record(article.source_id).fetched += 1
        self.tracker.touch(article.source_id)
        page = extract_article(response.body, response.url) if _is_html(response) else None
        if page is None:
            yield self._fallback(article, "page: no article text found")
            return
        yield with_page(article, page, response.url)

    def article_failed(self, failure: Failure) -> Iterator[Article]:
        article: Article = failure.request.cb_kwargs["article"]  # type: ignore[attr-defined]
        self.tracker.touch(article.source_id)
        yield self._fallback(
            article, "page: " + describe_failure(failure, self.config.download_timeout)
        )

    def _fallback(self, article: Article, note: str) -> Article:
        self.crawler.stats.inc_value("watch/articles/feed_text")
        self.tracker.record(article.source_id).fallback += 1
        article.extraction = "feed"
        article.extraction_note = note
        return article

    # --- end of run ----------------------------------------------------------------------------

    def closed(self, reason: str) -> None:
        if self.store is None:
            return
        records, states = self.tracker.finish(self.crawler.stats.get_stats())
        self.store.state.save_source_states(states)
        self.store.state.finish_run(self.run_id, records, reason)
        self.store.close()


def _header(response: Response, name: str) -> str:
    return (response.headers.get(name) or b"").decode("latin-1")


def _validators(response: Response) -> dict[str, str]:
    return {
        "etag": _header(response, "ETag"),
        "last_modified": _header(response, "Last-Modified"),
        "body_hash": body_hash(response.body) if response.status != 304 else "",
    }


def _content_type(response: Response) -> str:
    return _header(response, "Content-Type")


def _is_html(response: Response) -> bool:
    ctype = _content_type(response).lower()
    return not ctype or "html" in ctype or "xml" in ctype
