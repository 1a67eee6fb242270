"""Feed boundary: bytes in, :class:`ParsedFeed` out.

feedparser parses RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 (it never fetches here: Scrapy downloads);
JSON Feed 1.0/1.1, which the feedparser release does not read, has its own small reader. Errors are
data: a body that is no feed raises :class:`watch.errors.SourceError` with a one-line reason;
feedparser's ``bozo`` (recoverable problems) is kept as a warning to count.

Before feedparser sees it, a body is made readable: gzip bytes (a feed compressed twice) are
unpacked; the bytes are decoded by :mod:`watch.charset` (BOMs, UTF-16/32, wrong or missing
encoding declarations) and handed over as UTF-8 that says so, without the control characters XML
forbids; an HTML page is refused with its ``<link rel=alternate>`` feed URL when it declares one.

Titles are plain text: HTML unless the feed types them as text, entities decoded, whitespace
folded. Links are absolute http(s) URLs (relative ones resolved against xml:base, else the feed
URL); an entry's link is its first alternate link, else ``<link>``, else a permalink guid.
Entries without a link are kept when they have a title (``link`` is then ""; the crawl stores
no page for them); entries with neither title nor link are dropped: nothing identifies them.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.etree
import lxml.html

from watch.charset import decode_xml
from watch.errors import SourceError
from watch.text import clean_text, html_to_text, language_tag
from watch.urls import is_http_url

__all__ = ["FeedEntry", "ParsedFeed", "gunzip_bounded", "iso_utc", "parse_feed", "plausible_iso"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Dates further in the future than this are treated as wrong (unknown).
FUTURE_TOLERANCE = timedelta(days=1)
#: Larger bodies (after gunzip) are refused; Scrapy's DOWNLOAD_MAXSIZE guards the download itself.
MAX_FEED_BYTES = 64 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_CHARS = 4096
_FIRST_ELEMENT = re.compile(
    r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z][\w.:-]*)", re.S | re.I
)
_HTML_ROOTS = frozenset(["html", "head", "body"])
_EXPAT_POSITION = re.compile(r"<unknown>:(\d+):(\d+): (.*)")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_UTF8_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FEED_TYPES = frozenset(
    [
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/xml",
        "text/xml",
    ]
)
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8")
#: JSON Feed version URLs (some early feeds wrote http://).
_JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")


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


def plausible_iso(moment: datetime, now: datetime | None = None) -> str:
    """ISO form of ``moment`` (naive taken as UTC), or "" when it lies in the future or before
    1990 (broken clocks). The one check of every date a feed, sitemap, listing or PDF gives."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if moment > now + FUTURE_TOLERANCE or moment.year < 1990:
        return ""
    return iso_utc(moment)


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse a feed body downloaded from ``url``; raise SourceError when it is no feed."""
    body = _gunzip(body)
    if len(body) > MAX_FEED_BYTES:
        raise SourceError(f"feed too large: {len(body):,} bytes (the limit is {MAX_FEED_BYTES:,})")
    decoded = decode_xml(body, content_type)
    text = decoded.text.lstrip("\ufeff \t\r\n\x00")
    if not text.strip():
        raise SourceError("empty response: the server sent no feed (check the URL)")
    if text.startswith(("{", "[")) or ("json" in content_type.lower() and text[0] != "<"):
        return _parse_json_feed(text, url)
    if _root_element(text) in _HTML_ROOTS:
        raise SourceError(_html_page_reason(text, url))
    return _parse_xml_feed(text, url, content_type, decoded.problem)


def _gunzip(body: bytes) -> bytes:
    """The body itself, or its content when it is gzip bytes (a feed compressed twice)."""
    try:
        return gunzip_bounded(body, MAX_FEED_BYTES)
    except SourceError as exc:
        raise SourceError(f"not a feed: {exc}") from None


def gunzip_bounded(body: bytes, limit: int) -> bytes:
    """``body`` itself, or its content when it is gzip bytes, decompressed at most ``limit``
    bytes far; SourceError when the data is broken or grows beyond ``limit`` (a gzip bomb)."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    unpacker = zlib.decompressobj(wbits=31)
    try:
        content = unpacker.decompress(body, limit + 1)
    except zlib.error as exc:
        raise SourceError(f"broken gzip data ({exc})") from None
    if len(content) > limit:
        raise SourceError(f"larger than {limit:,} bytes once unzipped (a gzip bomb?)")
    if not unpacker.eof:
        raise SourceError("broken gzip data (cut short)")
    return content


def _root_element(text: str) -> str:
    """Lower-case name of the first element, past the XML declaration, comments and DOCTYPE."""
    match = _FIRST_ELEMENT.match(text[:_SNIFF_CHARS])
    return match.group(1).lower() if match else ""


def _html_page_reason(text: str, url: str) -> str:
    feeds = _alternate_feeds(text, url)
    if feeds:
        return f"not a feed: the server sent an HTML page; it names its feed at {feeds[0]} (use that URL)"
    return "not a feed: the server sent an HTML page without a feed link (find the site's feed URL)"


def _alternate_feeds(text: str, url: str) -> list[str]:
    """Feed URLs a page declares with ``<link rel="alternate" type="...">``, absolute."""
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = _absolute(url, str(root.xpath("string(//base/@href)"))) or url
    found = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        absolute = _absolute(base, href)
        if "alternate" in rel and kind in _FEED_TYPES and absolute:
            found.append(absolute)
    return found


# --- RSS / Atom through feedparser ---------------------------------------------------------


def _parse_xml_feed(text: str, url: str, content_type: str, problem: str) -> ParsedFeed:
    headers = {"content-location": url, "content-type": _utf8_content_type(content_type)}
    try:  # links inside HTML content are not resolved (a third of the time): only its text is kept
        result = feedparser.parse(
            _utf8_xml(text),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser's own bugs on damaged documents (found by fuzzing)
        logger.debug("feedparser failed on %s", url, exc_info=True)
        raise SourceError(
            f"not a feed: a damaged document the feed parser fails on ({exc!r:.80})"
        ) from None
    version = result.get("version") or ""
    if not version:
        raise SourceError(_not_a_feed_reason(result, _root_element(text)))
    meta = result.get("feed", {})
    bozo = str(result.get("bozo_exception", "")).splitlines()[0:1] if result.get("bozo") else []
    return ParsedFeed(
        version=version,
        title=_text_of(_str(meta.get("title")), meta.get("title_detail")),
        link=_best_link(meta, url),
        language=language_tag(meta.get("language")),
        entries=[e for e in (_xml_entry(raw, url) for raw in result.entries) if e],
        warning="; ".join(w for w in (problem, *bozo) if w),
    )


def _utf8_content_type(content_type: str) -> str:
    media = content_type.split(";")[0].strip().lower() or "application/xml"
    return f"{media}; charset=utf-8"


def _utf8_xml(text: str) -> bytes:
    """The document as UTF-8 bytes that say so, without characters XML forbids."""
    text = _XML_DECLARATION.sub("", text, count=1)
    return (_UTF8_DECLARATION + _XML_ILLEGAL.sub("", text)).encode("utf-8")


def _not_a_feed_reason(result: Any, root: str) -> str:
    if result.get("bozo") and not root:
        problem = str(result.get("bozo_exception", "")).splitlines()[0][:160]
        where = _EXPAT_POSITION.match(problem)
        if where:
            problem = f"{where.group(3)} at line {where.group(1)}"
        return f"not a feed: no XML document in the body ({problem})"
    if root:
        return f"not a feed: the document is <{root}>, not RSS, Atom or JSON Feed"
    return "not a feed: no RSS, Atom or JSON Feed found"


def _text_of(value: str, detail: Any) -> str:
    """Plain text of a title: HTML unless the feed says it is plain text."""
    if detail and detail.get("type") == "text/plain":
        return clean_text(value)
    return html_to_text(value)


def _xml_entry(raw: Any, feed_url: str) -> FeedEntry | None:
    link = _best_link(raw, feed_url)
    title = _text_of(_str(raw.get("title")), raw.get("title_detail"))
    key = _str(raw.get("id")) or _str(raw.get("guid")) or link or _hash_key(title)
    if not (link or title):
        return None
    return FeedEntry(
        key=str(key)[:2000],
        link=link,
        title=title,
        summary=html_to_text(_str(raw.get("summary"))),
        content=_xml_content(raw),
        published=_struct_date(raw.get("published_parsed") or raw.get("created_parsed")),
        updated=_struct_date(dict.get(raw, "updated_parsed")),  # no fallback to published
        authors=_xml_authors(raw),
        language=_xml_language(raw),
    )


def _best_link(raw: Any, feed_url: str) -> str:
    """The first absolute http(s) URL among: alternate links, ``link``, a permalink guid."""
    candidates = [
        _str(lnk.get("href"))
        for lnk in raw.get("links", [])
        if lnk.get("rel", "alternate") == "alternate"
    ]
    candidates.append(_str(raw.get("link")))
    guid = _str(raw.get("id"))
    if raw.get("guidislink") or guid.startswith(("http://", "https://")):
        candidates.append(guid)
    for candidate in candidates:
        absolute = _absolute(feed_url, candidate)
        if absolute:
            return absolute
    return ""


def _absolute(base: str, reference: str) -> str:
    """``reference`` made absolute against ``base`` if that gives an http(s) URL, else ""."""
    if not reference.strip():
        return ""
    try:
        absolute = urljoin(base, reference.strip())
    except ValueError:  # a broken IPv6 host
        return ""
    return absolute if is_http_url(absolute) else ""


def _str(value: Any) -> str:
    """``value`` if it is a string; feedparser leaves None or odd types in damaged documents."""
    return value if isinstance(value, str) else ""


def _xml_content(raw: Any) -> str:
    parts = [_str(c.get("value")) for c in raw.get("content", []) if _str(c.get("value"))]
    return html_to_text("\n".join(parts)) if parts else ""


def _xml_authors(raw: Any) -> list[str]:
    names = [_str(a.get("name")) for a in raw.get("authors", []) if isinstance(a, dict)]
    if not any(names):
        names = [_str(raw.get("author"))]
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
        return plausible_iso(datetime.fromtimestamp(calendar.timegm(value), UTC))
    except (OverflowError, ValueError, OSError, TypeError):
        return ""


# --- JSON Feed ---------------------------------------------------------------------------------


def _parse_json_feed(text: str, url: str) -> ParsedFeed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"not a feed: invalid JSON ({exc})") from None
    except RecursionError:
        raise SourceError("not a feed: JSON nested too deeply") from None
    version = _json_text(data.get("version")) if isinstance(data, dict) else ""
    if not version.startswith(_JSON_FEED_VERSIONS):
        raise SourceError("not a feed: JSON without a jsonfeed.org version")
    return ParsedFeed(
        version="json" + version.rstrip("/").rsplit("/", 1)[-1].replace(".", ""),
        title=clean_text(_json_text(data.get("title"))),
        link=_absolute(url, _json_text(data.get("home_page_url"))),
        language=language_tag(data.get("language")),
        entries=[e for e in (_json_entry(i, url) for i in _json_list(data.get("items"))) if e],
    )


def _json_entry(item: dict[str, Any], feed_url: str) -> FeedEntry | None:
    link = _absolute(feed_url, _json_text(item.get("url"))) or _absolute(
        feed_url, _json_text(item.get("external_url"))
    )
    title = clean_text(_json_text(item.get("title")))
    if not (link or title):
        return None
    content = _json_text(item.get("content_text")) or html_to_text(
        _json_text(item.get("content_html"))
    )
    return FeedEntry(
        key=(_json_text(item.get("id")) or link or _hash_key(title))[:2000],
        link=link,
        title=title,
        summary=clean_text(_json_text(item.get("summary"))),
        content=clean_text(content),
        published=_rfc3339(item.get("date_published")),
        updated=_rfc3339(item.get("date_modified")),
        authors=_json_authors(item),
        language=language_tag(item.get("language")),
    )


def _json_authors(item: dict[str, Any]) -> list[str]:
    """JSON Feed 1.1 ``authors`` (a list), else 1.0 ``author`` (one object)."""
    authors = _json_list(item.get("authors")) or _json_list([item.get("author")])
    return _unique(clean_text(_json_text(a.get("name"))) for a in authors)


def _json_list(value: Any) -> list[dict[str, Any]]:
    """The objects in ``value`` when it is a list; anything else holds none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _json_text(value: Any) -> str:
    """A JSON string or number as text; null, booleans, lists and objects as ""."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


def _rfc3339(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return ""
    return plausible_iso(moment)


def _hash_key(title: str) -> str:
    return "title:" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:24]


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)
