"""The crawl's bookkeeping, free of Scrapy: which sources are due, articles built from feed
entries and pages, and the per-source outcome of a run (built from namespaced crawl stats)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from watch.extract import PageArticle
from watch.feeds import FeedEntry, ParsedFeed
from watch.health import failure_weight, parse_iso
from watch.items import Article
from watch.sources import Source
from watch.store.base import SourceRun, SourceState
from watch.store.sqlite import utc_now
from watch.urls import canonical_url

__all__ = [
    "RunTracker",
    "article_from_entry",
    "article_from_link",
    "is_due",
    "send_validators",
    "stat_key",
    "with_page",
]

#: Counters the pipelines keep per source in the crawl stats: ``watch/source/<id>/<name>``.
SOURCE_COUNTERS = ("new", "updated", "unchanged", "failed", "not_relevant")


def stat_key(source_id: str, name: str) -> str:
    """The namespaced stats key of one per-source counter."""
    return f"watch/source/{source_id}/{name}"


#: The crawl stats saying why the store stopped taking articles, if it did: the one-line
#: message, and the run's finish reason (DISK_FULL or STORE_LOCKED).
STORE_ERROR = "watch/store_error"
STORE_ERROR_REASON = "watch/store_error_reason"
DISK_FULL = "disk full"
STORE_LOCKED = "store locked"

#: Every REVALIDATE_EVERY-th poll of a source that keeps answering "unchanged" is sent without
#: validators: a server whose ETag or 304 lies about changes is caught within that many polls.
REVALIDATE_EVERY = 4


def is_due(source: Source, state: SourceState, now: datetime | None = None) -> bool:
    """True when the source was never polled or its interval (as adapted to its publishing rate
    and failures, see watch.health) has passed since the last attempt."""
    last = parse_iso(state.last_attempt)
    if last is None:
        return True
    now = now or datetime.now(UTC)
    return now - last >= timedelta(seconds=state.interval or source.interval)


def send_validators(state: SourceState) -> bool:
    """Whether this poll may be conditional (see REVALIDATE_EVERY)."""
    return (state.unchanged_polls + 1) % REVALIDATE_EVERY != 0


def article_from_entry(
    source: Source, feed: ParsedFeed, entry: FeedEntry, feed_url: str
) -> Article:
    """The article as the feed alone describes it (text from the feed's content or summary)."""
    hints = [entry.language, feed.language, *source.languages]
    return Article(
        url=entry.link,
        canonical_url=canonical_url(entry.link),
        **_from_source(source),
        feed_url=feed_url,
        title=entry.title,
        summary=entry.summary,
        text=entry.content or entry.summary,
        authors=list(entry.authors),
        published_at=entry.published or entry.updated,
        fetched_at=utc_now(),
        extraction="feed",
        declared_languages=[h for h in dict.fromkeys(hints) if h],
        entry_key=entry.key,
        entry_hash=entry.fingerprint,
    )


def article_from_link(
    source: Source,
    url: str,
    origin_url: str,
    *,
    title: str = "",
    published: str = "",
    language: str = "",
    fingerprint: str = "",
) -> Article:
    """The article as a sitemap or a listing page names it: a link, maybe a title and a date.
    Its entry key is the canonical URL; ``fingerprint`` (e.g. the sitemap's lastmod) says when
    the site changed it."""
    canonical = canonical_url(url)
    hints = [language, *source.languages]
    return Article(
        url=url,
        canonical_url=canonical,
        **_from_source(source),
        feed_url=origin_url,
        title=title,
        published_at=published,
        fetched_at=utc_now(),
        extraction="listing",
        declared_languages=[h for h in dict.fromkeys(hints) if h],
        entry_key=canonical,
        entry_hash=fingerprint,
    )


def _from_source(source: Source) -> dict[str, Any]:
    """The article fields that come from its source."""
    return {
        "source_id": source.id,
        "source_name": source.name,
        "source_country": source.country,
        "source_org_type": source.org_type,
        "source_focus": source.focus,
        "source_since": source.since,
    }


def with_page(
    article: Article, page: PageArticle, final_url: str, extraction: str = "page"
) -> Article:
    """The article completed by what its page (or PDF) says; the feed's values win for title
    and date."""
    article.canonical_url = canonical_url(final_url)
    article.text = _without_title(page.text, article.title or page.title)
    article.title = article.title or page.title
    article.summary = article.summary or page.description
    article.authors = article.authors or page.authors
    article.published_at = article.published_at or page.published
    article.extraction = extraction
    article.extraction_note = ""
    if page.language:
        article.declared_languages = [page.language, *article.declared_languages]
    return article


def _without_title(text: str, title: str) -> str:
    """The page text without a first line that only repeats the headline."""
    first, _, rest = text.partition("\n")
    return rest.lstrip() if title and first.strip() == title.strip() and rest.strip() else text


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass
class _Progress:
    record: SourceRun
    state: SourceState
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0
    new_validators: dict[str, str] = field(default_factory=dict)


class RunTracker:
    """What happened to each source in this run; becomes the run record and the new states."""

    def __init__(self) -> None:
        self._sources: dict[str, _Progress] = {}

    def begin(self, source_id: str, state: SourceState) -> None:
        self._sources[source_id] = _Progress(SourceRun(source_id), state)

    def skip(self, source_id: str, state: SourceState, why: str) -> None:
        self._sources[source_id] = _Progress(SourceRun(source_id, "skipped", error=why), state)

    def touch(self, source_id: str) -> None:
        """Note activity (a response) for the source's duration."""
        self._sources[source_id].finished = time.monotonic()

    def state(self, source_id: str) -> SourceState:
        """The state the source had at the start of the run."""
        return self._sources[source_id].state

    def record(self, source_id: str) -> SourceRun:
        return self._sources[source_id].record

    def feed_ok(self, source_id: str, entries: int, validators: dict[str, str]) -> None:
        progress = self._sources[source_id]
        progress.record.entries += entries
        progress.new_validators = progress.new_validators or validators
        self.touch(source_id)

    def not_modified(self, source_id: str, validators: dict[str, str]) -> None:
        self._sources[source_id].record.status = "not_modified"
        self._sources[source_id].new_validators = validators
        self.touch(source_id)

    def failed(self, source_id: str, error: str) -> None:
        record = self._sources[source_id].record
        record.status, record.error = "failed", error
        self.touch(source_id)

    def finish(self, stats: Mapping[str, Any]) -> tuple[list[SourceRun], list[SourceState]]:
        """The run records and updated states, with the pipelines' counters merged in."""
        records, states = [], []
        for source_id, progress in self._sources.items():
            record = progress.record
            for name in SOURCE_COUNTERS:
                setattr(record, name, int(stats.get(stat_key(source_id, name), 0)))
            if progress.finished:
                record.duration = round(progress.finished - progress.started, 3)
            records.append(record)
            if record.status != "skipped":
                states.append(_next_state(progress))
        return records, states


def _next_state(progress: _Progress) -> SourceState:
    record, state = progress.record, progress.state
    now = utc_now()
    state.last_attempt = now
    if record.status == "failed":
        state.consecutive_failures += 1
        state.failure_score = round(state.failure_score + failure_weight(record.error), 2)
        state.last_error = record.error
        return state
    state.last_success, state.consecutive_failures, state.last_error = now, 0, ""
    state.failure_score = 0.0
    if record.status == "not_modified":
        state.unchanged_polls += 1
    else:
        state.unchanged_polls, state.last_changed = 0, now
    if record.failed == 0:  # keep old validators so unstored entries are seen again next run
        new = progress.new_validators
        state.etag = new.get("etag") or state.etag
        state.last_modified = new.get("last_modified") or state.last_modified
        state.body_hash = new.get("body_hash") or state.body_hash
    return state
