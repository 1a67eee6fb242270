"""Feed boundary: bytes in, :class:`ParsedFeed` out.

feedparser parses RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 (it never fetches here: Scrapy downloads);
JSON Feed 1.0/1.1, which the feedparser release does not read, has its own small reader. Errors are
data: a body that is no feed raises :class:`watch.errors.SourceError` with a one-line reason;
feedparser's ``bozo`` (recoverable problems) is kept as a warning to count.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser

from watch.errors import SourceError
from watch.text import clean_text, html_to_text, language_tag
from watch.urls import is_http_url

__all__ = ["FeedEntry", "ParsedFeed", "iso_utc", "parse_feed"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Dates further in the future than this are treated as wrong (unknown).
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class FeedEntry:
    """One entry of a feed, as plain data."""

    key: str  # guid/id, else link, else a hash of the title
    link: str  # absolute http(s) URL of the article page, "" when none
    title: str = ""
    summary: str = ""  # plain text
    content: str = ""  # plain text of the full content when the feed carries it
    published: str = ""  # UTC ISO 8601 or ""
    updated: str = ""  # UTC ISO 8601 or ""
    authors: list[str] = field(default_factory=list)
    language: str = ""  # ISO 639-1 declared for the entry, or ""

    @property
    def fingerprint(self) -> str:
        """Changes when the feed shows the entry changed (link, title, dates or summary)."""
        parts = (self.link, self.title, self.published, self.updated, self.summary[:500])
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


@dataclass
class ParsedFeed:
    """A parsed feed: its format, metadata and entries."""

    version: str  # e.g. rss20, atom10, json11
    title: str = ""
    link: str = ""
    language: str = ""  # ISO 639-1 declared by the feed, or ""
    entries: list[FeedEntry] = field(default_factory=list)
    warning: str = ""  # feedparser's bozo reason: recovered, but worth counting


def iso_utc(moment: datetime) -> str:
    """``2026-11-26T14:05:00Z`` for an aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plausible(moment: datetime, now: datetime | None = None) -> str:
    """ISO form of ``moment``, or "" when it lies in the future or before 1990 (broken clocks)."""
    now = now or datetime.now(UTC)
    if moment > now + FUTURE_TOLERANCE or moment.year < 1990:
        return ""
    return iso_utc(moment)


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a feed body downloaded from ``url``; raise SourceError when it is no feed."""
    if not body.strip():
        raise SourceError("empty response: the server sent no feed (check the URL)")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if "json" in content_type.lower() or head == b"{":
        return _parse_json_feed(body, url)
    return _parse_xml_feed(body, url, content_type)


# --- RSS / Atom through feedparser ---------------------------------------------------------


def _parse_xml_feed(body: bytes, url: str, content_type: str) -> ParsedFeed:
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    result = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    version = result.get("version") or ""
    if not version and not result.entries:
        raise SourceError(_not_a_feed_reason(body, result))
    meta = result.get("feed", {})
    return ParsedFeed(
        version=version or "unknown",
        title=clean_text(meta.get("title", "")),
        link=meta.get("link", ""),
        language=language_tag(meta.get("language")),
        entries=[e for e in (_xml_entry(raw, url) for raw in result.entries) if e],
        warning=str(result.get("bozo_exception", "")) if result.get("bozo") else "",
    )


def _not_a_feed_reason(body: bytes, result: Any) -> str:
    sniff = body.lstrip()[:512].lower()
    if sniff.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff:
        return "not a feed: the server sent an HTML page (find the feed URL in the page's <link rel=alternate>)"
    problem = str(result.get("bozo_exception", "")) or "no RSS, Atom or JSON Feed found"
    return f"not a feed: {problem.splitlines()[0][:160]}"


def _xml_entry(raw: Any, feed_url: str) -> FeedEntry | None:
    link = _entry_link(raw, feed_url)
    title = clean_text(html_to_text(raw.get("title", "")))
    key = raw.get("id") or raw.get("guid") or link or _hash_key(title)
    if not (link or title):
        return None
    return FeedEntry(
        key=str(key)[:2000],
        link=link,
        title=title,
        summary=html_to_text(raw.get("summary", "")),
        content=_xml_content(raw),
        published=_struct_date(raw.get("published_parsed") or raw.get("created_parsed")),
        updated=_struct_date(dict.get(raw, "updated_parsed")),  # no fallback to published
        authors=_xml_authors(raw),
        language=_xml_language(raw),
    )


def _entry_link(raw: Any, feed_url: str) -> str:
    candidates = [raw.get("link", "")]
    candidates += [
        lnk.get("href", "") for lnk in raw.get("links", []) if lnk.get("rel") == "alternate"
    ]
    guid = raw.get("id", "")
    if raw.get("guidislink") or str(guid).startswith(("http://", "https://")):
        candidates.append(guid)
    for candidate in candidates:
        absolute = urljoin(feed_url, str(candidate).strip()) if candidate else ""
        if absolute and is_http_url(absolute):
            return absolute
    return ""


def _xml_content(raw: Any) -> str:
    parts = [c.get("value", "") for c in raw.get("content", []) if c.get("value")]
    return html_to_text("\n".join(parts)) if parts else ""


def _xml_authors(raw: Any) -> list[str]:
    names = [a.get("name", "") for a in raw.get("authors", []) if isinstance(a, dict)]
    if not any(names) and raw.get("author"):
        names = [raw.get("author", "")]
    return _unique(clean_text(n) for n in names)


def _xml_language(raw: Any) -> str:
    for detail in (raw.get("title_detail"), *raw.get("content", []), raw.get("summary_detail")):
        if detail and detail.get("language"):
            return language_tag(detail.get("language"))
    return ""


def _struct_date(value: time.struct_time | None) -> str:
    if not value:
        return ""
    try:
        return _plausible(datetime.fromtimestamp(calendar.timegm(value), UTC))
    except (OverflowError, ValueError, OSError):
        return ""


# --- JSON Feed ---------------------------------------------------------------------------------


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"not a feed: invalid JSON ({exc})") from None
    version = str(data.get("version", "")) if isinstance(data, dict) else ""
    if not version.startswith("https://jsonfeed.org/version/"):
        raise SourceError("not a feed: JSON without a jsonfeed.org version")
    items = data.get("items")
    return ParsedFeed(
        version="json" + version.rsplit("/", 1)[-1].replace(".", ""),
        title=clean_text(str(data.get("title", ""))),
        link=str(data.get("home_page_url", "")),
        language=language_tag(data.get("language")),
        entries=[e for e in (_json_entry(i, url) for i in items or [] if isinstance(i, dict)) if e],
    )


def _json_entry(item: dict[str, Any], feed_url: str) -> FeedEntry | None:
    raw_link = str(item.get("url") or item.get("external_url") or "").strip()
    link = urljoin(feed_url, raw_link) if raw_link else ""
    link = link if is_http_url(link) else ""
    title = clean_text(str(item.get("title") or ""))
    if not (link or title):
        return None
    content = item.get("content_text") or html_to_text(str(item.get("content_html") or ""))
    return FeedEntry(
        key=str(item.get("id") or link or _hash_key(title))[:2000],
        link=link,
        title=title,
        summary=clean_text(str(item.get("summary") or "")),
        content=clean_text(str(content)),
        published=_rfc3339(item.get("date_published")),
        updated=_rfc3339(item.get("date_modified")),
        authors=_json_authors(item),
        language=language_tag(item.get("language")),
    )


def _json_authors(item: dict[str, Any]) -> list[str]:
    authors = item.get("authors") or (
        [item["author"]] if isinstance(item.get("author"), dict) else []
    )
    return _unique(clean_text(str(a.get("name", ""))) for a in authors if isinstance(a, dict))


def _rfc3339(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return ""
    return _plausible(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _hash_key(title: str) -> str:
    return "title:" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:24]


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)
