"""Listing pages as sources (``kind: page``): a page's HTML and the source's selectors in, the
article links (with title and date when the page shows them) and the next page's URL out.

``links`` selects the article links: ``<a>`` elements, elements containing one (its first
``<a href>`` is taken), or attribute values (``a::attr(href)``). Each link's *item* is the largest
element around it that holds no other selected link (a teaser card, a list item); ``title`` and
``date`` are read inside that item (relative selectors; XPath starting with ``.``), and the link's
own text is the title when no ``title`` selector is given. Dates are read as ISO 8601 first, then
by dateparser (installed with trafilatura's htmldate) in the source's languages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from watch.feeds import plausible_iso
from watch.sources import Selectors, compile_selector

__all__ = ["ListedLink", "Listing", "parse_date_text", "parse_listing"]

#: At most this many links are taken from one listing page.
MAX_LINKS = 200


@dataclass
class ListedLink:
    url: str
    title: str = ""
    published: str = ""  # UTC ISO 8601 or ""


@dataclass
class Listing:
    links: list[ListedLink] = field(default_factory=list)
    next_url: str = ""


def parse_listing(
    html: str, url: str, selectors: Selectors, languages: tuple[str, ...] = ()
) -> Listing:
    """The article links of one listing page and the URL of the next one ("" when none)."""
    page = Selector(text=html or "<html></html>")
    base = urljoin(url, page.xpath("//base/@href").get(default="").strip()) or url
    matched = page.xpath(_xpath(selectors.links))
    elements = [m for m in matched if not isinstance(m.root, str)]
    items = _items(elements)
    links: list[ListedLink] = []
    seen = {_no_fragment(url)}
    for match in matched:
        if isinstance(match.root, str):
            href, item = match.root, None
        else:
            element = match
            href = element.xpath("@href").get() or element.xpath(".//a[@href][1]/@href").get("")
            item = items.get(id(match.root), match)
        link = _web_link(base, href)
        if not link or _no_fragment(link) in seen:
            continue
        seen.add(_no_fragment(link))
        title = _read(item, selectors.title) if item is not None and selectors.title else ""
        if not title and item is not None:
            title = _text_of(match)
        date = _read(item, selectors.date) if item is not None and selectors.date else ""
        links.append(ListedLink(link, title, parse_date_text(date, languages)))
        if len(links) >= MAX_LINKS:
            break
    next_url = ""
    if selectors.next:
        found = page.xpath(_xpath(selectors.next))
        first = found[0] if found else None
        if first is not None:
            href = first.root if isinstance(first.root, str) else first.xpath("@href").get("")
            candidate = _web_link(base, href)
            if candidate and _no_fragment(candidate) != _no_fragment(url):
                next_url = candidate
    return Listing(links, next_url)


def parse_date_text(text: str, languages: tuple[str, ...] = ()) -> str:
    """A date as a page shows it (``2026-11-20``, ``20 novembre 2026``, ``Nov 20, 2026``) as UTC
    ISO 8601; "" when unreadable, in the future or before 1990."""
    text = " ".join(text.split())[:100]
    if not text:
        return ""
    moment = _iso(text)
    if moment is None:
        moment = _dateparser(text, tuple(languages))
    return plausible_iso(moment) if moment is not None else ""


@lru_cache(maxsize=64)
def _xpath(selector: str) -> str:
    return compile_selector(selector)


def _items(elements: list[Selector]) -> dict[int, Selector]:
    """Each matched element's item: its largest ancestor that contains no other matched element."""
    counts: dict[Any, int] = {}
    for element in elements:
        for ancestor in element.root.iterancestors():
            counts[ancestor] = counts.get(ancestor, 0) + 1
    items: dict[int, Selector] = {}
    for element in elements:
        node = element.root
        while True:
            parent = node.getparent()
            if parent is None or parent.tag in ("body", "html") or counts.get(parent, 0) > 1:
                break
            node = parent
        items[id(element.root)] = Selector(root=node, type="html")
    return items


def _read(item: Selector, selector: str) -> str:
    found = item.xpath(_xpath(selector))
    if not found:
        return ""
    first = found[0]
    return " ".join((first.root if isinstance(first.root, str) else _text_of(first)).split())


def _text_of(node: Selector) -> str:
    return " ".join(" ".join(node.xpath(".//text()").getall()).split())


def _web_link(base: str, href: str) -> str:
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return ""
    link = urljoin(base, href)
    return link if urlsplit(link).scheme in ("http", "https") else ""


def _no_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _dateparser(text: str, languages: tuple[str, ...]) -> datetime | None:
    import dateparser

    settings = {"RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC", "PREFER_DATES_FROM": "past"}
    try:
        return dateparser.parse(text, languages=list(languages) or None, settings=settings)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError):
        try:
            return dateparser.parse(text, settings=settings)  # type: ignore[arg-type]
        except (ValueError, TypeError, OverflowError):
            return None
