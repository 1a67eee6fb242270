"""The ``feeds`` spider: one request per due source, each new entry followed to its page.

Every kind of source goes through it, so one run has one record: ``feed`` (RSS/Atom/JSON Feed,
read by watch.feeds), ``sitemap`` (sitemaps, sitemap indexes, news sitemaps, robots.txt; read by
watch.sitemaps, only entries newer than the last success are taken) and ``page`` (a listing page
read with the source's selectors by watch.listing, ``next`` followed up to ``max_pages`` while it
still shows new links). Scrapy downloads (robots.txt, AutoThrottle, retries, conditional GET);
watch.extract reads the article page, and when the page fails a feed's own text is used (a
sitemap or listing entry, which has no text of its own, is tried again next run).
The run record and the crawl state are written when the spider closes (after the pipelines have
flushed every article).

Arguments (``scrapy crawl feeds -a name=value``): ``sources`` (watch-list file, default the
WATCH_SOURCES setting), ``source`` (comma-separated ids: only these, even if disabled or not
due), ``force`` (``1``: poll every selected source now, due or not), ``shard`` (``K/N``: only
the sources of share K of N, see watch.sources.Shard; several crawl servers split the list).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from spiders.failures import describe_failure
from watch.collect import (
    DISK_FULL,
    STORE_ERROR,
    STORE_ERROR_REASON,
    STORE_LOCKED,
    RunTracker,
    article_from_entry,
    article_from_link,
    body_hash,
    is_due,
    send_validators,
    stat_key,
    with_page,
)
from watch.config import WatchConfig
from watch.errors import ConfigError, DiskFull, SourceError, StoreLocked, StoreUnavailable
from watch.extract import extract_article
from watch.feeds import ParsedFeed, iso_utc, parse_feed
from watch.health import PublishingStats, adaptive_interval, parse_iso
from watch.items import Article
from watch.language import warm_up
from watch.listing import parse_listing
from watch.pdf import extract_pdf
from watch.sitemaps import Sitemap, is_robots_url, newest_first, parse_robots, parse_sitemap
from watch.sources import Shard, Source, load_sources, select_sources
from watch.store import SourceState, Store, open_store
from watch.store.elastic_client import ES_OFFLINE
from watch.urls import article_id

logger = logging.getLogger(__name__)

#: At most this many entries of one feed are followed in one run (newest first in most feeds).
MAX_ENTRIES = 300
#: A PDF's text is read for at most this long (checked between pages; at most 30 pages).
PDF_SECONDS = 10.0
#: A sitemap index (or robots.txt) is followed to at most this many sitemaps, newest first, and
#: at most this deep (an index of indexes).
MAX_CHILD_SITEMAPS = 10
MAX_SITEMAP_DEPTH = 2
#: On a sitemap's first poll, entries dated older than this are left out (only new articles).
FIRST_POLL_DAYS = 30


class FeedsSpider(scrapy.Spider):
    name = "feeds"

    def __init__(
        self,
        sources: str | None = None,
        source: str | None = None,
        force: str | bool = False,
        shard: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources_file = sources
        self.only = [s.strip() for s in (source or "").split(",") if s.strip()]
        self.force = str(force).lower() in {"1", "true", "yes"}
        self.shard = shard or ""  # K/N: this server's share of the watch list (checked at start)
        self.config = WatchConfig.load()  # replaced by the crawler's settings in from_crawler
        self.tracker = RunTracker()
        self.store: Store | None = None
        self.run_id = 0
        self._requested: dict[str, Article] = {}  # canonical URL -> the article requested
        self._elsewhere: list[Article] = []  # entries whose article another source brought
        self._source_urls: dict[str, str] = {}
        self._polled: list[Source] = []  # source id -> its URL (the SSRF guard's origin)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = WatchConfig.from_settings(crawler.settings)
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        return spider

    def spider_opened(self) -> None:
        offline = str(self.crawler.settings.get(ES_OFFLINE) or "")
        self.store = open_store(self.config.data_dir, config=self.config, offline=offline)
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
            if self.shard:
                share = Shard.parse(self.shard)
                chosen = [source for source in chosen if share.holds(source.id)]
        except ConfigError as exc:
            logger.error("%s", exc)
            for problem in exc.problems:
                logger.error("%s", problem)
            self.crawler.stats.set_value("watch/config_error", str(exc))
            return
        states = self.store.state.source_states()
        due = {source.id for source in chosen if self.force or self.only
               or is_due(source, states.get(source.id) or SourceState(source.id))}  # fmt: skip
        if due:  # the language models load now, not on the first article while requests wait
            started = time.monotonic()
            warm_up()
            logger.info("language models ready in %.1f s", time.monotonic() - started)
        for source in chosen:
            state = states.get(source.id) or SourceState(source.id)
            if source.id in due:
                self.tracker.begin(source.id, state)
                self._source_urls[source.id] = source.url
                self._polled.append(source)
                yield source
            else:
                self.tracker.skip(source.id, state, "not due yet")

    def _feed_request(self, source: Source) -> scrapy.Request:
        state = self.tracker.state(source.id)
        accept = _ACCEPT[source.kind]
        headers = {"Accept": accept}
        if state.etag and send_validators(state):
            headers["If-None-Match"] = state.etag
        if state.last_modified and send_validators(state):
            headers["If-Modified-Since"] = state.last_modified
        callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}.get(
            source.kind, self.parse_listing
        )
        return scrapy.Request(
            source.url,
            callback=callback,
            errback=self.feed_failed,
            headers=headers,
            dont_filter=True,
            meta={"handle_httpstatus_list": [304], "watch_source": source.url},
            cb_kwargs={"source": source},
        )

    # --- feeds ---------------------------------------------------------------------------------

    def _unchanged(self, response: Response, source: Source) -> bool:
        """True (and recorded) when the source's own URL answered that nothing changed, or
        failed with a 304 nobody asked for."""
        if _unasked_304(response):
            self._fail(source, UNASKED_304)
            return True
        validators = _validators(response)
        if (
            response.status == 304
            or validators["body_hash"] == self.tracker.state(source.id).body_hash
        ):
            self.crawler.stats.inc_value("watch/feeds/not_modified")
            self.tracker.not_modified(source.id, validators)
            return True
        return False

    def parse_feed(self, response: Response, source: Source) -> Iterator[Any]:
        stats = self.crawler.stats
        validators = _validators(response)
        if self._unchanged(response, source):
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

    # --- sitemaps ------------------------------------------------------------------------------

    def parse_sitemap(self, response: Response, source: Source, depth: int = 0) -> Iterator[Any]:
        stats = self.crawler.stats
        validators = _validators(response)
        if depth == 0 and self._unchanged(response, source):
            return
        try:
            if depth == 0 and is_robots_url(response.url):
                sitemap = parse_robots(response.body, response.url)
            else:
                sitemap = parse_sitemap(response.body, response.url)
        except SourceError as exc:
            if depth == 0:
                self._fail(source, str(exc))
            else:
                logger.info("source %s: sitemap %s skipped: %s", source.id, response.url, exc)
            return
        stats.inc_value("watch/sitemaps/ok")
        self.tracker.feed_ok(source.id, len(sitemap.entries), validators if depth == 0 else {})
        yield from self._follow_children(source, sitemap, depth)
        yield from self._follow_sitemap(source, sitemap, response.url)

    def _since(self, source: Source) -> str:
        """Entries dated before this are not new: a day before the last success, or on a first
        poll FIRST_POLL_DAYS ago."""
        last = parse_iso(self.tracker.state(source.id).last_success)
        if last is not None:
            return iso_utc(last - timedelta(days=1))
        return iso_utc(datetime.now(UTC) - timedelta(days=FIRST_POLL_DAYS))

    def _follow_children(self, source: Source, sitemap: Sitemap, depth: int) -> Iterator[Any]:
        if not sitemap.children:
            return
        if depth >= MAX_SITEMAP_DEPTH:
            logger.info("source %s: sitemap index nested too deep, not followed", source.id)
            return
        since = self._since(source)
        children = [c for c in newest_first(sitemap.children) if not c.date or c.date >= since]
        for child in children[:MAX_CHILD_SITEMAPS]:
            yield scrapy.Request(
                child.url,
                callback=self.parse_sitemap,
                errback=self.child_failed,
                dont_filter=True,
                meta={"watch_source": source.url},
                cb_kwargs={"source": source, "depth": depth + 1},
            )

    def _follow_sitemap(self, source: Source, sitemap: Sitemap, url: str) -> Iterator[Any]:
        since = self._since(source)
        fresh = [
            e
            for e in newest_first(sitemap.entries)
            if (not e.date or e.date >= since) and _matches(source, e.url)
        ]
        for entry in fresh[:MAX_ENTRIES]:
            article = article_from_link(
                source,
                entry.url,
                url,
                title=entry.title,
                published=entry.published or entry.lastmod,
                language=entry.language,
                fingerprint=entry.lastmod or entry.published,
            )
            yield from self._follow_link(article)

    def child_failed(self, failure: Failure) -> None:
        """A sitemap of an index or a further listing page failed: counted, the source goes on
        (and is polled in full next time, its validators kept)."""
        source: Source = failure.request.cb_kwargs["source"]  # type: ignore[attr-defined]
        reason = describe_failure(failure, self.config.download_timeout)
        url = failure.request.url  # type: ignore[attr-defined]
        logger.info("source %s: %s (a child sitemap or a next listing page) failed: %s",
                    source.id, url, reason)  # fmt: skip
        self.crawler.stats.inc_value(stat_key(source.id, "failed"))
        self.tracker.touch(source.id)

    # --- listing pages -------------------------------------------------------------------------

    def parse_listing(self, response: Response, source: Source, page: int = 1) -> Iterator[Any]:
        stats = self.crawler.stats
        validators = _validators(response)
        if page == 1 and self._unchanged(response, source):
            return
        if not _is_html(response) or not isinstance(response, TextResponse):
            self._listing_problem(source, page, f"not an HTML page ({_content_type(response)})")
            return
        assert source.selectors is not None
        listing = parse_listing(response.text, response.url, source.selectors, source.languages)
        if not listing.links:
            what = f"no link matches selectors.links {source.selectors.links!r}"
            self._listing_problem(source, page, what + " — check the selector against the page")
            return
        stats.inc_value("watch/pages/ok")
        self.tracker.feed_ok(source.id, len(listing.links), validators if page == 1 else {})
        new = 0
        for link in (ln for ln in listing.links if _matches(source, ln.url)):
            article = article_from_link(
                source, link.url, response.url, title=link.title, published=link.published
            )
            for request in self._follow_link(article):
                new += 1
                yield request
        if listing.next_url and new and page < source.max_pages:
            yield scrapy.Request(
                listing.next_url,
                callback=self.parse_listing,
                errback=self.child_failed,
                dont_filter=True,
                meta={"watch_source": source.url},
                cb_kwargs={"source": source, "page": page + 1},
            )

    def _listing_problem(self, source: Source, page: int, what: str) -> None:
        if page == 1:
            self._fail(source, f"listing page: {what}")
        else:
            logger.info("source %s: listing page %d: %s", source.id, page, what)

    def _follow_link(self, article: Article) -> Iterator[scrapy.Request]:
        """A request for the article unless it was seen with the same fingerprint."""
        assert self.store is not None
        seen = self.store.state.entry(article.source_id, article.entry_key)
        if seen and seen[1] == article.entry_hash:
            self.crawler.stats.inc_value("watch/entries/seen")
            return
        if seen:
            article.id = seen[0]
        elif article.canonical_url in self._requested or self._stored_elsewhere(article):
            # another source brought this article: remembered for this source too, not fetched
            self.crawler.stats.inc_value("watch/entries/elsewhere")
            self._elsewhere.append(article)
            return
        if article.canonical_url in self._requested:
            return
        self._requested[article.canonical_url] = article
        yield self._article_request(article)

    def _stored_elsewhere(self, article: Article) -> bool:
        assert self.store is not None
        article.id = article.id or article_id(article.canonical_url)
        try:
            return self.store.articles.get(article.id) is not None
        except StoreUnavailable:  # the index cannot say now: fetch it (upserts are idempotent)
            return False

    # --- failures ------------------------------------------------------------------------------

    def feed_failed(self, failure: Failure) -> None:
        source: Source = failure.request.cb_kwargs["source"]  # type: ignore[attr-defined]
        self._fail(source, describe_failure(failure, self.config.download_timeout))

    def _fail(self, source: Source, reason: str) -> None:
        self.crawler.stats.inc_value("watch/feeds/failed")
        logger.info("source %s failed: %s", source.id, reason)
        self.tracker.failed(source.id, reason)

    def _follow_entries(self, source: Source, feed: ParsedFeed, feed_url: str) -> Iterator[Any]:
        for entry in feed.entries[:MAX_ENTRIES]:
            if entry.link:
                yield from self._follow_link(article_from_entry(source, feed, entry, feed_url))

    # --- articles ------------------------------------------------------------------------------

    def _article_request(self, article: Article) -> scrapy.Request:
        return scrapy.Request(
            article.url,
            callback=self.parse_article,
            errback=self.article_failed,
            dont_filter=True,  # _follow_link dedupes; a redirect loop must reach the errback
            meta={"watch_source": self._source_urls.get(article.source_id, "")},
            cb_kwargs={"article": article},
        )

    def parse_article(self, response: Response, article: Article) -> Iterator[Article]:
        self.crawler.stats.inc_value("watch/articles/fetched")
        self.tracker.record(article.source_id).fetched += 1
        self.tracker.touch(article.source_id)
        if _is_pdf(response):
            skipped: list[str] = []
            page = extract_pdf(
                response.body,
                response.url,
                max_bytes=self.config.max_page_bytes,
                time_limit=PDF_SECONDS,
                on_skip=skipped.append,
            )
            self.crawler.stats.inc_value(f"watch/pdf/{skipped[0] if skipped else 'ok'}")
            if page is None:
                yield from self._fallback(article, f"page: PDF not read ({skipped[0]})")
                return
            yield with_page(article, page, response.url, extraction="pdf")
            return
        since = date.fromisoformat(article.source_since) if article.source_since else None
        page = (
            extract_article(response.body, response.url, not_before=since)
            if _is_html(response)
            else None
        )
        if page is None:
            yield from self._fallback(article, "page: no article text found")
            return
        yield with_page(article, page, response.url)

    def article_failed(self, failure: Failure) -> Iterator[Article]:
        article: Article = failure.request.cb_kwargs["article"]  # type: ignore[attr-defined]
        self.tracker.touch(article.source_id)
        yield from self._fallback(
            article, "page: " + describe_failure(failure, self.config.download_timeout)
        )

    def _fallback(self, article: Article, note: str) -> Iterator[Article]:
        if article.extraction == "listing":  # no text of its own: tried again next run
            self.crawler.stats.inc_value(stat_key(article.source_id, "failed"))
            logger.info("source %s: %s: %s", article.source_id, article.url, note)
            return
        self.crawler.stats.inc_value("watch/articles/feed_text")
        self.tracker.record(article.source_id).fallback += 1
        article.extraction = "feed"
        article.extraction_note = note
        yield article

    def _adapt_intervals(self, states: list[SourceState]) -> None:
        """Each polled source's next interval, from its publishing rate and failures."""
        assert self.store is not None
        try:
            publishing = self.store.articles.publishing()
        except StoreUnavailable as exc:  # intervals stay as they are until the index answers
            logger.warning("publishing rates not updated: %s", exc)
            return
        by_id = {s.id: s for s in self._polled}
        for state in states:
            source = by_id.get(state.source_id)
            if source is not None:
                stats = publishing.get(state.source_id, PublishingStats())
                state.interval = adaptive_interval(source, stats, state.consecutive_failures)

    # --- end of run ----------------------------------------------------------------------------

    def closed(self, reason: str) -> None:
        if self.store is None:
            return
        for article in self._elsewhere:
            # the id the requested article was stored under (the dedupe pipeline may have
            # merged it into an earlier copy), else the id of the one a past run stored
            first = self._requested.get(article.canonical_url)
            article.id = first.id if first is not None and first.id else article.id
        records, states = self.tracker.finish(self.crawler.stats.get_stats())
        self._adapt_intervals(states)
        if self.crawler.stats.get_value(STORE_ERROR):  # whenever it struck, even at the end
            reason = str(self.crawler.stats.get_value(STORE_ERROR_REASON) or DISK_FULL)
        try:
            self.store.state.record_entries([a for a in self._elsewhere if a.id])
            self.store.state.save_source_states(states)
            self.store.state.finish_run(self.run_id, records, reason)
        except (DiskFull, StoreLocked) as exc:  # the next crawl closes the run, as interrupted
            self.crawler.stats.set_value(STORE_ERROR, str(exc))
            self.crawler.stats.set_value(STORE_ERROR_REASON,
                                         STORE_LOCKED if isinstance(exc, StoreLocked) else DISK_FULL)  # fmt: skip
        finally:
            self.store.close()


UNASKED_304 = (
    "HTTP 304 Not Modified to a request without validators — the server is misconfigured;"
    " tell the site's webmaster"
)


def _matches(source: Source, url: str) -> bool:
    """Whether a sitemap or listing URL is an article of the source (its ``match`` pattern)."""
    return not source.match or re.search(source.match, url) is not None


def _unasked_304(response: Response) -> bool:
    """A 304 that no conditional request asked for (the server lies about the feed)."""
    headers = response.request.headers if response.request is not None else {}
    asked = b"If-None-Match" in headers or b"If-Modified-Since" in headers
    return response.status == 304 and not asked


_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "sitemap": "application/xml, text/xml;q=0.9, text/plain;q=0.5, */*;q=0.3",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
}


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


def _is_pdf(response: Response) -> bool:
    ctype = _content_type(response).lower()
    return "application/pdf" in ctype or response.body[:1024].lstrip().startswith(b"%PDF-")


def _is_html(response: Response) -> bool:
    ctype = _content_type(response).lower()
    return not ctype or "html" in ctype or "xml" in ctype
