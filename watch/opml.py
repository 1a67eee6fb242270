"""OPML exchange: subscription lists in, watch-list entries out, and the watch list as OPML 2.0.

:func:`read_opml` reads OPML 1.0/2.0 with defusedxml's SAX parser (no entity expansion, no
external references, so an untrusted file cannot blow up memory or reach the network), keeping the
line of every outline. A feed is an ``<outline>`` with an ``xmlUrl``; the outlines around it are
categories, and the category path becomes tags (``Europe/Adult education`` -> ``europe``,
``adult-education``), with the OPML 2.0 ``category`` attribute (``/a/b,/c``) added. ``htmlUrl``
becomes ``homepage``, ``title`` (else ``text``) the name, ``language`` the languages.

:func:`write_opml` writes the ``kind: feed`` sources as OPML 2.0: one category outline per
source's first tag, every tag in ``category``, and llwatch's own keys as attributes in the
``urn:llwatch:opml:1`` namespace (``llwatch:country``, ``llwatch:org_type``…), so that exporting
and importing gives back the same sources.
"""

from __future__ import annotations

import email.utils
import io
import xml.etree.ElementTree as ET
import xml.sax
import xml.sax.handler
import xml.sax.xmlreader
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import defusedxml
import defusedxml.sax

from watch.entries import FILL_IN, NewEntry, is_slug, slug, unique_id, url_key
from watch.errors import ConfigError
from watch.sources import Source, format_duration
from watch.text import clean_text, language_tag
from watch.urls import is_http_url

__all__ = ["NS", "OpmlFeed", "OpmlRead", "import_entries", "read_opml", "write_opml"]

#: The namespace of llwatch's own outline attributes.
NS = "urn:llwatch:opml:1"
_OWN_KEYS = ("id", "country", "languages", "org_type", "focus", "weight", "interval", "enabled")


@dataclass
class OpmlFeed:
    """One feed outline, as read."""

    url: str
    title: str
    line: int
    homepage: str = ""
    language: str = ""  # ISO 639-1 from the ``language`` attribute, or ""
    tags: list[str] = field(default_factory=list)
    own: dict[str, str] = field(default_factory=dict)  # llwatch:* attributes


@dataclass
class OpmlRead:
    """What an OPML file holds: its title, its feeds, and the outlines skipped (one line each)."""

    title: str = ""
    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------------


def read_opml(data: bytes, path: str) -> OpmlRead:
    """Read an OPML document; raise ConfigError naming ``path:line`` if it is not OPML."""
    handler = _Handler(path)
    parser = defusedxml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(handler)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(data))
    try:
        parser.parse(source)
    except xml.sax.SAXParseException as exc:
        what = exc.getMessage()
        raise ConfigError(
            f"{path}:{exc.getLineNumber()}:{(exc.getColumnNumber() or 0) + 1}: not valid XML ({what}) "
            "— fix the file or export the OPML again"
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise ConfigError(
            f"{path}:{handler.line()}: refused: {exc} — OPML needs no DTD entities; remove them"
        ) from None
    if not handler.seen_root:
        raise ConfigError(f"{path}:1: the file is empty — give an OPML subscription list")
    return handler.result


class _Handler(xml.sax.handler.ContentHandler):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.result = OpmlRead()
        self.stack: list[str | None] = []  # one item per open outline: its category, or None
        self.seen_root = False
        self.in_title = False
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self.locator = locator

    def line(self) -> int:
        return (self.locator.getLineNumber() or 0) if self.locator else 0

    def startElementNS(self, name: tuple[str | None, str], qname: str | None,
                       attrs: Any) -> None:  # fmt: skip
        uri, local = name
        if not self.seen_root:
            self.seen_root = True
            if local.lower() != "opml":
                raise ConfigError(
                    f"{self.path}:{self.line()}: the root element is <{local}>, not <opml> — "
                    "give an OPML subscription list"
                )
        self.in_title = uri is None and local == "title" and not self.stack
        if uri is None and local.lower() == "outline":
            self.stack.append(self.outline(_attributes(attrs)))

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.in_title = False
        if name[0] is None and name[1].lower() == "outline" and self.stack:
            self.stack.pop()

    def characters(self, content: str) -> None:
        if self.in_title:
            self.result.title = clean_text(self.result.title + content)

    def outline(self, attrs: dict[str, str]) -> str | None:
        """Record a feed outline (returns None) or open a category (returns its name)."""
        title = clean_text(attrs.get("title") or attrs.get("text") or "")
        url = (attrs.get("xmlurl") or "").strip()
        if not url:
            return title or None
        if not is_http_url(url):
            label = f"'{title}'" if title else "an outline"
            self.result.skipped.append(
                f"{self.path}:{self.line()}: {label}: xmlUrl '{url[:80]}' is not an http(s) "
                "URL — skipped"
            )
            return None
        self.result.feeds.append(self.feed(url, title, attrs))
        return None

    def feed(self, url: str, title: str, attrs: dict[str, str]) -> OpmlFeed:
        path = [slug(c) for c in self.stack if c]
        given = [slug(part) for item in attrs.get("category", "").split(",")
                 for part in item.split("/")]  # fmt: skip
        homepage = (attrs.get("htmlurl") or "").strip()
        own = {k[len("llwatch:") :]: v for k, v in attrs.items() if k.startswith("llwatch:")}
        return OpmlFeed(
            url=url, title=title, line=self.line(),
            homepage=homepage if is_http_url(homepage) else "",
            language=language_tag(attrs.get("language") or ""),
            tags=[t for t in dict.fromkeys([*path, *given]) if t], own=own,
        )  # fmt: skip


def _attributes(attrs: Any) -> dict[str, str]:
    """Outline attributes: plain names lower-cased, llwatch's as ``llwatch:name``."""
    found: dict[str, str] = {}
    for (uri, local), value in attrs.items():
        if uri is None:
            found[local.lower()] = value
        elif uri == NS:
            found[f"llwatch:{local}"] = value
    return found


# --- import: OPML feeds -> watch-list entries --------------------------------------------------


def import_entries(
    read: OpmlRead, known: dict[str, str], taken: set[str]
) -> tuple[list[NewEntry], list[str]]:
    """One entry per new feed (a feed listed twice is merged), and one line per duplicate.

    ``known`` maps the watch list's URL keys to source ids; ``taken`` holds the ids in use.
    """
    entries: dict[str, NewEntry] = {}
    duplicates: list[str] = []
    for feed in read.feeds:
        key = url_key(feed.url)
        if key in known:
            duplicates.append(f"line {feed.line}: {feed.url} is already in the watch list as "
                              f"'{known[key]}' — skipped")  # fmt: skip
        elif key in entries:
            tags = entries[key].values.setdefault("tags", [])
            tags.extend(t for t in feed.tags if t not in tags)
        else:
            entries[key] = _entry(feed, taken)
    return list(entries.values()), duplicates


def _entry(feed: OpmlFeed, taken: set[str]) -> NewEntry:
    own = feed.own
    name = feed.title or own.get("id") or (feed.homepage or feed.url)
    wanted = own.get("id", "")
    if is_slug(wanted) and wanted not in taken:
        taken.add(wanted)
    else:
        wanted = unique_id(feed.url, name, taken)
    languages = own.get("languages", "").split() or [feed.language or FILL_IN]
    values: dict[str, Any] = {
        "id": wanted, "name": name, "url": feed.url, "kind": "feed",
        "country": own.get("country") or FILL_IN, "languages": languages,
        "org_type": own.get("org_type") or FILL_IN,
    }  # fmt: skip
    values |= _optional(own)
    if feed.tags:
        values["tags"] = list(feed.tags)
    if feed.homepage:
        values["homepage"] = feed.homepage
    return NewEntry(values, [f"from OPML line {feed.line}"])


def _optional(own: dict[str, str]) -> dict[str, Any]:
    """llwatch's optional keys carried by the outline, typed as feeds.yaml writes them."""
    values: dict[str, Any] = {k: own[k] for k in ("focus", "interval") if own.get(k)}
    if own.get("weight"):
        try:
            values["weight"] = float(own["weight"])
        except ValueError:
            values["weight"] = own["weight"]  # left for sources check to report
    if own.get("enabled", "").lower() in ("true", "false"):
        values["enabled"] = own["enabled"].lower() == "true"
    return values


# --- export: watch list -> OPML 2.0 ------------------------------------------------------------


def write_opml(sources: Iterable[Source], title: str) -> str:
    """The ``kind: feed`` sources as an OPML 2.0 document (text)."""
    ET.register_namespace("llwatch", NS)
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = email.utils.formatdate(usegmt=True)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for source in sources:
        if source.kind != "feed":
            continue
        parent = body
        if source.tags:
            first = source.tags[0]
            if first not in folders:
                folders[first] = ET.SubElement(body, "outline", text=first, title=first)
            parent = folders[first]
        ET.SubElement(parent, "outline", _outline(source))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _outline(source: Source) -> dict[str, str]:
    attrs = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": source.url}
    if source.homepage:
        attrs["htmlUrl"] = source.homepage
    if source.languages:
        attrs["language"] = source.languages[0]
    if source.tags:
        attrs["category"] = ",".join(f"/{tag}" for tag in source.tags)
    own = {
        "id": source.id, "country": source.country, "languages": " ".join(source.languages),
        "org_type": source.org_type, "focus": source.focus, "weight": f"{source.weight:g}",
        "interval": format_duration(source.interval), "enabled": str(source.enabled).lower(),
    }  # fmt: skip
    return attrs | {f"{{{NS}}}{key}": own[key] for key in _OWN_KEYS}
