"""New watch-list entries as ready-to-paste ``feeds.yaml`` text (for discover and OPML import).

A key llwatch needs but cannot know (``country``, ``org_type``, sometimes ``languages``) is
written with the value :data:`FILL_IN` and a comment saying what to write. The text is valid
YAML, and ``llwatch sources check`` names every ``FILL-IN`` left, with its line and the allowed
values, so nothing half-filled is ever crawled.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from watch.errors import ConfigError
from watch.sources import ORG_TYPES, check_sources

__all__ = [
    "FILL_IN",
    "NewEntry",
    "fill_in",
    "is_slug",
    "known_sources",
    "render_entries",
    "render_watch_list",
    "slug",
    "unique_id",
    "url_key",
]

#: The value of a key the user must fill in; ``sources check`` rejects it, naming the line.
FILL_IN = "FILL-IN"
_HINTS = {
    "country": "ISO 3166-1 alpha-2 (FR, SN; GB not UK), global, or a region (africa, asia-pacific…)",
    "languages": "ISO 639-1 codes the source publishes in, e.g. [fr, en]",
    "org_type": " | ".join(ORG_TYPES),
}
_ORDER = ("id", "name", "url", "kind", "country", "languages", "org_type", "focus", "weight",
          "tags", "enabled", "interval", "homepage")  # fmt: skip
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_TITLE_NOISE = {"the", "of", "and", "for", "a", "an", "in", "on", "de", "des", "du", "la", "le",
                "les", "el", "los", "las", "y", "et", "und", "der", "die", "das", "feed", "rss"}  # fmt: skip
_HOST_NOISE = {"www", "com", "org", "net", "int", "edu", "gov", "info", "news", "feeds", "rss"}


@dataclass
class NewEntry:
    """One entry to add to the watch list: its keys (``FILL_IN`` where unknown) and comments."""

    values: dict[str, Any]
    comments: list[str] = field(default_factory=list)  # lines written above the entry


def is_slug(text: str) -> bool:
    """True for a valid watch-list id or tag (``a-z``, ``0-9``, ``.``, ``_``, ``-``; 1-64)."""
    return bool(_SLUG.fullmatch(text))


def slug(text: str, limit: int = 64) -> str:
    """A watch-list slug: ``Éducation des adultes`` -> ``education-des-adultes``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:limit].strip("-")


def unique_id(url: str, title: str, taken: set[str]) -> str:
    """An id from the host and the title (``uil-unesco-news``), not in ``taken``; added to it."""
    host = (urlsplit(url).hostname or "").split(".")
    words = [w for w in host[:-1] if w not in _HOST_NOISE] or host[-1:]
    head = slug("-".join(words), 40)
    words = [w for w in slug(title).split("-") if w and w not in head.split("-")]
    tail = [w for w in words if w not in _TITLE_NOISE][:3]
    base = "-".join([head, *tail]).strip("-")[:60].strip("-") or "source"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def url_key(url: str) -> str:
    """What makes two URLs the same source: host, port, path without a final /, query."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{(parts.hostname or '').lower()}:{port}{parts.path.rstrip('/')}?{parts.query}"


def known_sources(path: str | Path | None) -> tuple[dict[str, str], set[str]]:
    """The watch list's URL keys (-> source id) and ids; empty when there is no such file."""
    if path is None or not Path(path).is_file():
        return {}, set()
    try:
        found, _ = check_sources(path)
    except ConfigError:
        return {}, set()
    return {url_key(s.url): s.id for s in found}, {s.id for s in found}


def render_entries(entries: Iterable[NewEntry], indent: str = "  ") -> str:
    """The entries as YAML list items, each with its comments, ready to paste under ``sources:``."""
    blocks = [_entry_text(entry, indent) for entry in entries]
    return "\n".join(blocks)


def render_watch_list(entries: Sequence[NewEntry], header: Sequence[str]) -> str:
    """A whole watch list: ``header`` comment lines, then ``sources:`` and the entries."""
    lines = [f"# {line}".rstrip() for line in header]
    return "\n".join([*lines, "", "sources:", render_entries(entries)])


def _entry_text(entry: NewEntry, indent: str) -> str:
    lines = [f"{indent}# {comment}" for comment in entry.comments]
    ordered = sorted(entry.values.items(), key=lambda kv: _ORDER.index(kv[0]))
    for number, (key, value) in enumerate(ordered):
        lead = f"{indent}- " if number == 0 else f"{indent}  "
        lines.append(f"{lead}{key}: {_value(value)}{_hint(key, value)}")
    return "\n".join(lines) + "\n"


def _hint(key: str, value: Any) -> str:
    filling = value == FILL_IN or (isinstance(value, list) and FILL_IN in value)
    return f"  # fill in: {_HINTS[key]}" if filling and key in _HINTS else ""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(str(item), flow=True) for item in value) + "]"
    return _scalar(str(value))


def _scalar(text: str, flow: bool = False) -> str:
    """``text`` as a plain YAML scalar when it reads back the same, else double-quoted."""
    risky = (
        not text
        or text != text.strip()
        or text[0] in "-?:,[]{}#&*!|>'\"%@`"
        or any(part in text for part in (": ", " #", "\t"))
        or text.endswith(":")
        or (flow and any(c in text for c in ",[]{}"))
    )
    if not risky:
        try:
            risky = yaml.safe_load(text) != text
        except yaml.YAMLError:
            risky = True
    return json.dumps(text, ensure_ascii=False) if risky else text


def fill_in(values: Mapping[str, Any]) -> list[str]:
    """The keys of ``values`` still holding :data:`FILL_IN`."""
    return [k for k, v in values.items() if v == FILL_IN or (isinstance(v, list) and FILL_IN in v)]
