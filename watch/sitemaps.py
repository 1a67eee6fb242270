"""Sitemaps as sources (``kind: sitemap``): bytes in, the article URLs and their dates out.

Reads the sitemaps.org protocol (``<urlset>`` with ``<lastmod>``; ``<sitemapindex>`` pointing to
further sitemaps), Google News sitemaps (``news:publication_date``, ``news:title``,
``news:language``), plain-text sitemaps (one URL per line), gzip-compressed sitemaps (bounded:
a gzip bomb is refused) and ``robots.txt`` files (their ``Sitemap:`` lines, read by Protego, the
robots.txt parser Scrapy uses). XML is parsed by lxml without entities and without network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from watch.errors import SourceError
from watch.feeds import gunzip_bounded, plausible_iso

__all__ = [
    "MAX_SITEMAP_BYTES",
    "Sitemap",
    "SitemapEntry",
    "is_robots_url",
    "newest_first",
    "parse_robots",
    "parse_sitemap",
]

#: A sitemap may hold 50,000 URLs in 50 MB uncompressed (sitemaps.org); nothing larger is read.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


@dataclass
class SitemapEntry:
    """One ``<url>`` (or, in an index, one ``<sitemap>``) of a sitemap."""

    url: str
    lastmod: str = ""  # UTC ISO 8601, or "" when absent or implausible
    title: str = ""  # news:title
    published: str = ""  # news:publication_date
    language: str = ""  # news:language (ISO 639-1 when it is one)

    @property
    def date(self) -> str:
        """The best date known: publication, else last modification."""
        return self.published or self.lastmod


@dataclass
class Sitemap:
    """A parsed sitemap: article entries, or (an index / robots.txt) further sitemaps."""

    entries: list[SitemapEntry] = field(default_factory=list)
    children: list[SitemapEntry] = field(default_factory=list)
    news: bool = False  # a Google News sitemap


def is_robots_url(url: str) -> bool:
    return urlsplit(url).path.rstrip("/").lower().endswith("/robots.txt")


def parse_robots(body: bytes, url: str) -> Sitemap:
    """The ``Sitemap:`` lines of a robots.txt, as children; SourceError when there is none."""
    from protego import Protego

    text = body.decode("utf-8", "replace")
    found = [urljoin(url, s.strip()) for s in Protego.parse(text).sitemaps if s.strip()]
    if not found:
        raise SourceError("robots.txt lists no Sitemap: line — give the sitemap's own URL")
    return Sitemap(children=[SitemapEntry(u) for u in dict.fromkeys(found)])


def parse_sitemap(body: bytes, url: str, now: datetime | None = None) -> Sitemap:
    """Parse a sitemap (XML, gzip or plain text) from ``url``; SourceError when it is none."""
    body = gunzip_bounded(body, MAX_SITEMAP_BYTES)
    if len(body) > MAX_SITEMAP_BYTES:
        raise SourceError("sitemap larger than 50 MB — refused (the protocol's limit)")
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:300].lower()
    if not head:
        raise SourceError("not a sitemap: the server sent an empty response (check the URL)")
    if head.startswith((b"http://", b"https://")):
        return _text_sitemap(body, url)
    if b"<html" in head or b"<!doctype html" in head:
        raise SourceError("not a sitemap: the URL returned an HTML page — give the sitemap's URL")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_pis=True
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not a sitemap: the XML cannot be read ({exc})") from None
    if root is None:
        raise SourceError("not a sitemap: no XML root element")
    kind = etree.QName(root).localname.lower()
    if kind not in ("urlset", "sitemapindex"):
        raise SourceError(f"not a sitemap: the root element is <{kind}>, not <urlset>")
    now = now or datetime.now(UTC)
    items = [_entry(node, url, now) for node in root if _local(node) in ("url", "sitemap")]
    valid = [item for item in items if item is not None]
    if kind == "sitemapindex":
        return Sitemap(children=valid)
    return Sitemap(entries=valid, news=any(e.published or e.title for e in valid))


def newest_first(entries: list[SitemapEntry]) -> list[SitemapEntry]:
    """Dated entries newest first, then the undated ones in document order."""
    dated = sorted((e for e in entries if e.date), key=lambda e: e.date, reverse=True)
    return dated + [e for e in entries if not e.date]


def _text_sitemap(body: bytes, url: str) -> Sitemap:
    lines = body.decode("utf-8", "replace").splitlines()
    urls = [line.strip() for line in lines if line.strip().startswith(("http://", "https://"))]
    return Sitemap(entries=[SitemapEntry(urljoin(url, u)) for u in dict.fromkeys(urls)])


def _local(node: etree._Element) -> str:
    tag = node.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _entry(node: etree._Element, base: str, now: datetime) -> SitemapEntry | None:
    values: dict[str, str] = {}
    for child in node.iter():
        name = _local(child)
        if name and name not in values and child.text and child.text.strip():
            values[name] = child.text.strip()
    loc = values.get("loc", "")
    if not loc:
        return None
    link = urljoin(base, loc)
    if urlsplit(link).scheme not in ("http", "https"):
        return None
    language = values.get("language", "").lower().split("-")[0]
    return SitemapEntry(
        url=link,
        lastmod=_date(values.get("lastmod", ""), now),
        title=" ".join(values.get("title", "").split()),
        published=_date(values.get("publication_date", ""), now),
        language=language if len(language) == 2 and language.isalpha() else "",
    )


def _date(text: str, now: datetime) -> str:
    """A W3C datetime (``2026``, ``2026-11``, ``2026-11-26``, ``2026-11-26T10:00+01:00``) as UTC
    ISO 8601; "" when unreadable, in the future or before 1990."""
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(text) == 4 and text.isdigit():
        text += "-01-01"
    elif len(text) == 7 and text[4:5] == "-":
        text += "-01"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    return plausible_iso(moment, now)
