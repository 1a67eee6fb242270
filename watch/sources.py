"""The watch list: which sites llwatch reads, and the checks on ``feeds.yaml``.

``feeds.yaml`` has an optional ``defaults`` mapping and a ``sources`` list; each entry becomes a
frozen :class:`Source`.  :func:`check_sources` reads the file and returns every valid source and
every problem found, one line each (``<path>:<line>: source '<id>': <what> — <what to do>``);
:func:`load_sources` raises :class:`~watch.errors.ConfigError` if there is any problem.

The file is read with ``yaml.compose`` (SafeLoader) so each problem can name its line, and so
duplicate keys, which PyYAML would silently drop, are caught.  Scalars are built with the safe
constructor (``yes`` is a bool, ``1.5`` a float); codes (``country``, ``languages``, ``tags``)
and ``interval`` use the scalar's text instead, so that ``country: NO`` stays Norway and
``languages: [no]`` stays Norwegian instead of becoming ``False``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry
import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from watch.errors import ConfigError

__all__ = [
    "FOCUSES",
    "KEYS",
    "KINDS",
    "ORG_TYPES",
    "REGIONS",
    "SELECTOR_KEYS",
    "Selectors",
    "Shard",
    "Source",
    "check_sources",
    "compile_selector",
    "declared_languages",
    "format_duration",
    "load_sources",
    "parse_duration",
    "select_sources",
]

KINDS = ("feed", "sitemap", "page")
ORG_TYPES = (
    "un-agency",
    "intergovernmental",
    "government",
    "ngo",
    "network",
    "research",
    "media",
    "other",
)
FOCUSES = ("lifelong-learning", "general")
REGIONS = (
    "global",
    "africa",
    "arab-states",
    "asia-pacific",
    "europe-north-america",
    "latin-america-caribbean",
)
_KEY_ORDER = (
    "id",
    "name",
    "url",
    "kind",
    "country",
    "languages",
    "org_type",
    "focus",
    "weight",
    "tags",
    "enabled",
    "interval",
    "homepage",
    "selectors",
    "max_pages",
    "since",
    "match",
)
KEYS = frozenset(_KEY_ORDER)
SELECTOR_KEYS = ("links", "title", "date", "next")

_REQUIRED = ("id", "name", "url", "country", "languages", "org_type")
_NO_DEFAULT = ("id", "name", "url", "selectors", "match")
_TOP_KEYS = ("defaults", "sources")
_BUILTIN: dict[str, Any] = {
    "kind": "feed",
    "focus": "lifelong-learning",
    "weight": 1.0,
    "tags": (),
    "enabled": True,
    "interval": 6 * 3600,
    "homepage": "",
    "selectors": None,
    "max_pages": 3,
    "since": "",
    "match": "",
}
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
_MIN_INTERVAL, _MAX_INTERVAL = 5 * 60, 30 * 86400
_MAX_PAGES = 50
_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:\d+[wdhms]\s*)+")
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Selectors:
    """Where a listing page (``kind: page``) keeps its articles: CSS selectors, or XPath when
    prefixed ``xpath:``. ``links`` finds the article links; ``title`` and ``date`` are read
    inside each link's item, ``next`` is the link to the next listing page."""

    links: str
    title: str = ""
    date: str = ""
    next: str = ""


@dataclass(frozen=True)
class Source:
    """One watched site, with every default already applied."""

    id: str
    name: str
    url: str
    kind: str
    country: str
    languages: tuple[str, ...]
    org_type: str
    focus: str
    weight: float
    tags: tuple[str, ...]
    enabled: bool
    interval: int  # seconds
    homepage: str = ""
    selectors: Selectors | None = None  # kind page only
    max_pages: int = 3  # kind page: listing pages followed through ``next``
    since: str = ""  # YYYY-MM-DD the source started publishing: no article date before it
    match: str = ""  # kinds sitemap and page: a regular expression article URLs must contain
    line: int = 0  # 1-based line of the entry in the file (0 when built in code)


# --- durations ---------------------------------------------------------------------------------


def parse_duration(text: str) -> int:
    """Return the seconds in ``text`` (``30m``, ``6h``, ``1d``, ``1w``, ``1h30m``).

    Raises ValueError, whose message reads ``<what is wrong> — <what to do>``.
    """
    clean = text.strip().lower()
    if not clean:
        raise ValueError("'' is empty — write a number and a unit, e.g. 30m, 6h or 1d")
    if clean.isdigit():
        raise ValueError(f"{text!r} has no unit — add s, m, h, d or w, e.g. {clean}s")
    if not _DURATION.fullmatch(clean):
        raise ValueError(
            f"{text!r} is not a duration — write a number and a unit s, m, h, d or w, "
            "e.g. 30m, 6h, 1d or 1h30m"
        )
    parts = re.findall(r"(\d+)([wdhms])", clean)
    units = [unit for _, unit in parts]
    if units != sorted(set(units), key="wdhms".index):
        raise ValueError(
            f"{text!r} repeats a unit or mixes their order — go from the largest unit "
            "to the smallest, each once, e.g. 1h30m"
        )
    return sum(int(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: int) -> str:
    """Write ``seconds`` the way :func:`parse_duration` reads it: 21600 -> ``6h``."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {seconds}")
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


# --- public entry points -----------------------------------------------------------------------


def check_sources(path: str | Path) -> tuple[list[Source], list[str]]:
    """Return every valid source in ``path`` and every problem found, one line each.

    Content problems never raise; a missing or unreadable file raises ConfigError.
    """
    check = _Check(str(path))
    sources = check.run(_read(path))
    return sources, [text for _, text in sorted(check.found, key=lambda found: found[0])]


def load_sources(path: str | Path) -> list[Source]:
    """Return the sources in ``path``; raise ConfigError listing every problem, if any."""
    sources, problems = check_sources(path)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s) in the watch list", problems)
    return sources


def select_sources(
    sources: list[Source], ids: list[str] | None = None, include_disabled: bool = False
) -> list[Source]:
    """Pick sources by id (in the order given, disabled ones too), or else the enabled ones."""
    if ids is None:
        return [source for source in sources if include_disabled or source.enabled]
    by_id = {source.id: source for source in sources}
    unknown = [wanted for wanted in dict.fromkeys(ids) if wanted not in by_id]
    if unknown:
        problems = [
            f"unknown source id '{wanted}' (see llwatch sources list)" for wanted in unknown
        ]
        names = ", ".join(f"'{wanted}'" for wanted in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise ConfigError(f"unknown source id{plural} {names} (see llwatch sources list)", problems)
    return [by_id[wanted] for wanted in dict.fromkeys(ids)]


@dataclass(frozen=True)
class Shard:
    """Share ``k`` of ``n`` (1 <= k <= n) of the watch list, for one of n crawl servers: a source
    belongs to the share its id hashes to, so the n shares have no overlap and no gap, and a
    source added or removed moves no other one."""

    k: int
    n: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``K/N`` as given to ``--shard``; ConfigError in one line otherwise."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ConfigError(f"--shard {text!r}: write K/N, e.g. 2/4 for the second of four "
                              "crawl servers")  # fmt: skip
        k, n = int(match[1]), int(match[2])
        if n < 1 or not 1 <= k <= n:
            raise ConfigError(f"--shard {text!r}: K must be from 1 to N and N at least 1 "
                              f"(e.g. 1/{max(n, 2)} … {max(n, 2)}/{max(n, 2)})")  # fmt: skip
        return cls(k, n)

    def holds(self, source_id: str) -> bool:
        digest = hashlib.sha256(source_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.n == self.k - 1

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"


# --- reading the file --------------------------------------------------------------------------


def _read(path: str | Path) -> bytes:
    """Return the file's bytes; raise ConfigError if it is missing or cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file — give --sources FILE or create feeds.yaml"
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(
            f"{path}: cannot read it ({reason}) — check the path and permissions"
        ) from None


class _Invalid(Exception):
    """A value is wrong: ``what`` is wrong, ``todo`` says how to fix it, ``node`` where."""

    def __init__(self, what: str, todo: str, node: Node | None = None) -> None:
        super().__init__(what)
        self.what, self.todo, self.node = what, todo, node


class _InvalidItems(Exception):
    """Several items of one list are wrong: one _Invalid each."""

    def __init__(self, errors: list[_Invalid]) -> None:
        super().__init__(errors[0].what)
        self.errors = errors


_Validator = Callable[[Node], Any]


@dataclass
class _Check:
    """The state of one pass over a file: problems so far, ids and URLs seen, defaults."""

    path: str
    found: list[tuple[int, str]] = field(default_factory=list)  # (line, problem)
    ids: dict[str, int] = field(default_factory=dict)
    urls: dict[str, tuple[str, int]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    bad_defaults: set[str] = field(default_factory=set)

    def report(self, where: Node | int, label: str, what: str, todo: str) -> None:
        """Add one problem at ``where`` (a node or a 1-based line)."""
        line = where if isinstance(where, int) else where.start_mark.line + 1
        prefix = f"{label}: " if label else ""
        self.found.append((line, f"{self.path}:{line}: {prefix}{what} — {todo}"))

    def run(self, data: bytes) -> list[Source]:
        """Check the whole file and return the valid sources."""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.report(line, "", "the file is not UTF-8 text", "save it as UTF-8")
            return []
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            self.found.append(_syntax_problem(self.path, exc, text))
            return []
        if root is None or _is_null(root):
            self.report(1, "", "the file is empty", "add 'sources:' followed by '- id: ...'")
            return []
        return self.root(root)

    def root(self, node: Node) -> list[Source]:
        """Check the top-level mapping and return the valid sources."""
        if not isinstance(node, MappingNode):
            todo = "start the file with 'sources:' (and optionally 'defaults:')"
            self.report(node, "", f"the top level is {_describe(node)}, not a mapping", todo)
            return []
        pairs = self.pairs(node, "")
        for name, (key, _) in pairs.items():
            if name not in _TOP_KEYS:
                self.report(key, "", f"unknown key '{name}'", _key_hint(name, _TOP_KEYS))
        if "defaults" in pairs:
            self.check_defaults(*pairs["defaults"])
        if "sources" not in pairs:
            self.report(node, "", "no 'sources' key", "add 'sources:' followed by '- id: ...'")
            return []
        return self.entries(*pairs["sources"])

    def pairs(self, node: MappingNode, label: str) -> dict[str, tuple[Node, Node]]:
        """Return key name -> (key node, value node); report duplicate and complex keys."""
        pairs: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.report(key, label, f"a key is {_describe(key)}", "use plain names as keys")
            elif key.value in pairs:
                first = pairs[key.value][0].start_mark.line + 1
                what = f"duplicate key '{key.value}' (first on line {first})"
                self.report(key, label, what, "keep only one (YAML would silently use the last)")
            else:
                pairs[key.value] = (key, value)
        return pairs

    def check_defaults(self, key: Node, node: Node) -> None:
        """Check the ``defaults`` mapping and keep its valid values."""
        if _is_null(node):
            return
        if not isinstance(node, MappingNode):
            what = f"defaults is {_describe(node)}, not a mapping"
            self.report(key, "defaults", what, "write 'key: value' lines under 'defaults:'")
            return
        for name, (key_node, value) in self.pairs(node, "defaults").items():
            if name in _NO_DEFAULT:
                todo = "set it in each source instead"
                self.report(key_node, "defaults", f"'{name}' cannot have a default", todo)
            elif name not in KEYS:
                self.unknown_key(key_node, name, "defaults")
            elif (checked := self.value(name, key_node, value, "defaults")) is _BAD:
                self.bad_defaults.add(name)
            else:
                self.defaults[name] = checked

    def unknown_key(self, key: Node, name: str, label: str) -> None:
        """Report a key that is not a source key, suggesting the closest one."""
        todo = _key_hint(name, _KEY_ORDER)
        if name == "<<":
            todo = "merge keys are not supported: put shared values under 'defaults:'"
        self.report(key, label, f"unknown key '{name}'", todo)

    def entries(self, key: Node, node: Node) -> list[Source]:
        """Check every entry of the ``sources`` list and return the valid ones."""
        if _is_null(node) or (isinstance(node, SequenceNode) and not node.value):
            self.report(key, "", "'sources' is empty", "add at least one '- id: ...' entry")
            return []
        if not isinstance(node, SequenceNode):
            what = f"'sources' is {_describe(node)}, not a list"
            self.report(key, "", what, "write each source as a '- id: ...' entry")
            return []
        found = (self.entry(item, index) for index, item in enumerate(node.value, 1))
        return [source for source in found if source is not None]

    def entry(self, node: Node, index: int) -> Source | None:
        """Check one entry; return its Source, or None if it has any problem."""
        label = _label(node, index)
        if not isinstance(node, MappingNode):
            todo = "write 'id: ...', 'name: ...' and the other keys under the '-'"
            self.report(node, label, f"the entry is {_describe(node)}, not a mapping", todo)
            return None
        before = len(self.found)
        pairs = self.pairs(node, label)
        values = self.entry_values(pairs, label)
        self.missing(node, pairs, label)
        self.claim(pairs, values, label)
        inherits_bad = any(name not in pairs for name in self.bad_defaults)
        if len(self.found) > before or inherits_bad:
            return None
        fields = {**_BUILTIN, **self.defaults, **values}
        if not self.kind_fits(node, pairs, fields, label):
            return None
        return Source(**fields, line=node.start_mark.line + 1)

    def kind_fits(
        self, node: Node, pairs: dict[str, tuple[Node, Node]], fields: dict[str, Any], label: str
    ) -> bool:
        """A listing page needs its selectors; selectors belong to listing pages only."""
        if fields["kind"] == "page" and fields["selectors"] is None:
            where = pairs["kind"][0] if "kind" in pairs else node
            todo = "add e.g. selectors: {links: 'h3 a', next: 'a[rel=next]'}"
            self.report(where, label, "kind 'page' needs selectors with links", todo)
            return False
        if fields["kind"] == "feed" and "match" in pairs:
            what = "match applies to kinds 'sitemap' and 'page' only, this source is a feed"
            self.report(pairs["match"][0], label, what, "remove it")
            return False
        if fields["kind"] != "page" and "selectors" in pairs:
            what = f"selectors apply to kind 'page' only, this source is kind '{fields['kind']}'"
            self.report(pairs["selectors"][0], label, what, "remove them, or set kind: page")
            return False
        return True

    def entry_values(self, pairs: dict[str, tuple[Node, Node]], label: str) -> dict[str, Any]:
        """Check each key of an entry; return the valid values."""
        values: dict[str, Any] = {}
        for name, (key, node) in pairs.items():
            if name not in KEYS:
                self.unknown_key(key, name, label)
            elif (checked := self.value(name, key, node, label)) is not _BAD:
                values[name] = checked
        return values

    def value(self, name: str, key: Node, node: Node, label: str) -> Any:
        """Return the checked value of ``name``, or _BAD after reporting the problem."""
        if _is_null(node):
            todo = "give one" if name in _REQUIRED else "give one, or remove the line"
            self.report(key, label, f"'{name}' has no value", todo)
            return _BAD
        try:
            return _VALIDATORS[name](node)
        except _Invalid as exc:
            errors = [exc]
        except _InvalidItems as exc:
            errors = exc.errors
        for error in errors:
            self.report(error.node or key, label, error.what, error.todo)
        return _BAD

    def missing(self, node: Node, pairs: dict[str, tuple[Node, Node]], label: str) -> None:
        """Report each required key that neither the entry nor the defaults give."""
        given = set(pairs) | set(self.defaults) | self.bad_defaults
        for name in _REQUIRED:
            if name not in given:
                self.report(node, label, f"missing '{name}'", f"add '{name}: ...'")

    def claim(
        self, pairs: dict[str, tuple[Node, Node]], values: dict[str, Any], label: str
    ) -> None:
        """Register the entry's id and url; report them if an earlier entry has them."""
        if "id" in values:
            self.claim_id(values["id"], pairs["id"][1].start_mark.line + 1, label)
        if "url" in values:
            self.claim_url(values["url"], pairs["url"][1].start_mark.line + 1, label)

    def claim_id(self, source_id: str, line: int, label: str) -> None:
        if source_id not in self.ids:
            self.ids[source_id] = line
            return
        what = f"duplicate id '{source_id}' (first on line {self.ids[source_id]})"
        self.report(line, label, what, "give each source its own id")

    def claim_url(self, url: str, line: int, label: str) -> None:
        key = _url_key(url)
        if key not in self.urls:
            self.urls[key] = (label, line)
            return
        owner, first = self.urls[key]
        what = f"url '{url}' is already used by {owner} (line {first})"
        self.report(line, label, what, "keep one of the two entries")


_BAD = object()


def _syntax_problem(path: str, exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """One problem line for a YAML error, at its 1-based line and column."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    else:  # a ReaderError (a forbidden character) only knows its position
        position = getattr(exc, "position", 0)
        line = text.count("\n", 0, position) + 1
        column = position - text.rfind("\n", 0, position)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    todo = "check indentation and quoting near here"
    return line, f"{path}:{line}:{column}: YAML syntax error: {problem} — {todo}"


def _label(node: Node, index: int) -> str:
    """``source '<id>'`` if the entry has a usable id, else ``source #<index>``."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id":
                if isinstance(value, ScalarNode) and value.value.strip():
                    return f"source '{value.value.strip()}'"
                break
    return f"source #{index}"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL_TAG


def _describe(node: Node) -> str:
    """Say what a node holds, for messages: 'a list', 'a number (3)', "the text 'x'"."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    kind = node.tag.rsplit(":", 1)[-1]
    if kind == "str":
        return f"the text '{node.value}'"
    if kind == "null":
        return "empty"
    article = "a number" if kind in ("int", "float") else f"a {kind}"
    return f"{article} ({node.value})"


def _key_hint(name: str, allowed: Sequence[str]) -> str:
    """'did you mean ...?' for a close match, else the list of allowed keys."""
    close = difflib.get_close_matches(name.lower(), allowed, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"remove it (allowed: {', '.join(allowed)})"


def _choice_hint(value: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, allowed, n=1)
    listed = ", ".join(allowed)
    return f"did you mean '{close[0]}'? (allowed: {listed})" if close else f"use one of: {listed}"


def _each(items: Iterable[Node], check: Callable[[Node], str]) -> tuple[str, ...]:
    """Check every item of a list; return the distinct values or raise every problem."""
    values: list[str] = []
    errors: list[_Invalid] = []
    for item in items:
        try:
            values.append(check(item))
        except _Invalid as exc:
            errors.append(exc)
    if errors:
        raise _InvalidItems(errors)
    return tuple(dict.fromkeys(values))


# --- value validators: each takes the value node, returns the value or raises _Invalid --------


def _construct(node: Node, name: str) -> Any:
    """Build a value with the safe constructor (``yes`` -> True, ``1.5`` -> 1.5)."""
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise _Invalid(f"{name} cannot be read ({first})", "quote the value") from None


def _string(node: Node, name: str) -> str:
    value = _construct(node, name)
    if not isinstance(value, str):
        what = f"{name} must be text, not {_describe(node)}"
        todo = f"quote it: {name}: '{node.value}'" if isinstance(node, ScalarNode) else ""
        raise _Invalid(what, todo or "write it as one line of text")
    return value.strip()


def _text(node: Node, name: str, example: str, item: bool = False) -> str:
    """The text of a code-like scalar, taken as written (``NO`` stays ``NO``).

    Problems with a list ``item`` are reported at the item's own line.
    """
    at = node if item else None
    if not isinstance(node, ScalarNode):
        raise _Invalid(f"{name} must be text, not {_describe(node)}", f"write e.g. {example}", at)
    if node.tag == _NULL_TAG:
        raise _Invalid(f"{name} has an empty item", "remove it or give a value", at)
    return str(node.value).strip()


def _id(node: Node) -> str:
    value = _string(node, "id")
    if not _SLUG.fullmatch(value):
        todo = "use 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
        suggestion = _slugify(value)
        if suggestion and suggestion != value:
            todo += f", e.g. '{suggestion}'"
        raise _Invalid(f"id '{value}' is not a valid id", todo)
    return value


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")[:64]


def _name(node: Node) -> str:
    value = _string(node, "name")
    if not value:
        raise _Invalid("name is empty", "give the organisation's name")
    return value


def _url(name: str) -> _Validator:
    def check(node: Node) -> str:
        value = _string(node, name)
        if name == "homepage" and not value:
            return value
        if not _is_web_url(value):
            todo = "write a full address like https://example.org/feed"
            if "://" not in value:
                todo = f"add the scheme: https://{value}"
            raise _Invalid(f"{name} '{value}' is not an http(s) URL with a host", todo)
        return value

    return check


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    no_space = not any(char.isspace() for char in value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and no_space


def _url_key(url: str) -> str:
    """What makes two URLs the same feed: host, port, path (no trailing /), query."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}{parts.path.rstrip('/')}?{parts.query}"


def _choice(name: str, allowed: tuple[str, ...]) -> _Validator:
    def check(node: Node) -> str:
        value = _string(node, name).lower()
        if value in allowed:
            return value
        raise _Invalid(f"{name} '{value}' is not allowed", _choice_hint(value, allowed))

    return check


def _country(node: Node) -> str:
    text = _text(node, "country", "FR")
    if text.lower() in REGIONS:
        return text.lower()
    code = text.upper()
    if len(code) == 2 and pycountry.countries.get(alpha_2=code):
        return code
    what = f"country '{text}' is not an ISO 3166-1 alpha-2 code or a region"
    raise _Invalid(what, _country_hint(text))


def _country_hint(text: str) -> str:
    guess = _COUNTRY_ALIASES.get(text.upper())
    if guess is None:
        try:
            guess = pycountry.countries.lookup(text).alpha_2
        except LookupError:
            guess = _region_hint(text.lower())
    if guess:
        return f"did you mean {guess}?"
    return f"use a code such as FR, or one of: {', '.join(REGIONS)}"


def _region_hint(text: str) -> str | None:
    """The region ``text`` is likely meant to be: a close match, or one it starts."""
    starts = [region for region in REGIONS if len(text) >= 4 and region.startswith(text)]
    close = starts or difflib.get_close_matches(text, REGIONS, n=1)
    return close[0] if close else None


def _languages(node: Node) -> tuple[str, ...]:
    if isinstance(node, MappingNode):
        raise _Invalid("languages must be a list, not a mapping", "write e.g. [en, fr]")
    items = node.value if isinstance(node, SequenceNode) else [node]
    if not items:
        raise _Invalid("languages is empty", "list at least one ISO 639-1 code, e.g. [en]")
    return _each(items, _language)


def _language(node: Node) -> str:
    code = _text(node, "languages", "[en, fr]", item=True).lower()
    if len(code) == 2 and pycountry.languages.get(alpha_2=code):
        return code
    what = f"language '{code}' is not an ISO 639-1 two-letter code"
    raise _Invalid(what, _language_hint(code), node)


def _language_hint(code: str) -> str:
    if "," in code:
        return f"write a list: [{code}]"
    try:
        guess = getattr(pycountry.languages.lookup(code), "alpha_2", None)
    except LookupError:
        guess = None
    return f"did you mean {guess}?" if guess else "use two-letter codes such as en, fr, es"


def _weight(node: Node) -> float:
    value = _construct(node, "weight")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        what = f"weight must be a number, not {_describe(node)}"
        raise _Invalid(what, "write a number from 0 to 10, e.g. weight: 1.5")
    if not 0 <= value <= 10:
        raise _Invalid(f"weight {node.value} is out of range", "use a number from 0 to 10")
    return float(value)


def _tags(node: Node) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        what = f"tags must be a list, not {_describe(node)}"
        raise _Invalid(what, "write e.g. [cpf, adult-education]")
    return _each(node.value, _tag)


def _tag(node: Node) -> str:
    tag = _text(node, "tags", "[cpf]", item=True).lower()
    if _SLUG.fullmatch(tag):
        return tag
    todo = "use a-z, 0-9, '.', '_' and '-' only"
    if suggestion := _slugify(tag):
        todo = f"write '{suggestion}'"
    raise _Invalid(f"tag '{tag}' is not a slug", todo, node)


def _enabled(node: Node) -> bool:
    value = _construct(node, "enabled")
    if not isinstance(value, bool):
        what = f"enabled must be true or false, not {_describe(node)}"
        raise _Invalid(what, "write enabled: true or enabled: false, without quotes")
    return value


def _interval(node: Node) -> int:
    text = _text(node, "interval", "6h")
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        what, _, todo = str(exc).partition(" — ")
        raise _Invalid(f"interval {what}", todo) from None
    if not _MIN_INTERVAL <= seconds <= _MAX_INTERVAL:
        raise _Invalid(f"interval {text} is out of range", "use between 5m and 30d")
    return seconds


def _selectors(node: Node) -> Selectors:
    if not isinstance(node, MappingNode):
        what = f"selectors must be a mapping, not {_describe(node)}"
        raise _Invalid(what, "write e.g. selectors: {links: 'h3 a', next: 'a[rel=next]'}")
    values: dict[str, str] = {}
    errors: list[_Invalid] = []
    for key, value in node.value:
        name = str(getattr(key, "value", ""))
        if name not in SELECTOR_KEYS:
            hint = _key_hint(name, SELECTOR_KEYS)
            errors.append(_Invalid(f"selectors: unknown key '{name}'", hint, key))
            continue
        try:
            values[name] = _selector(value, name)
        except _Invalid as exc:
            errors.append(exc)
    if not errors and "links" not in values:
        errors.append(_Invalid("selectors has no links", "add links: 'CSS of the article links'"))
    if errors:
        raise _InvalidItems(errors)
    return Selectors(**values)


def _selector(node: Node, name: str) -> str:
    """A CSS selector, or an XPath expression after ``xpath:``, checked by compiling it."""
    text = _text(node, f"selectors.{name}", "'h3 a'", item=True)
    if not text:
        raise _Invalid(f"selectors.{name} is empty", "give a CSS selector or xpath:...", node)
    try:
        compile_selector(text)
    except ValueError as exc:
        raise _Invalid(f"selectors.{name} {text!r}: {exc}", "fix the selector", node) from None
    return text


def compile_selector(text: str) -> str:
    """The XPath of a selector (CSS, or XPath after ``xpath:``); ValueError when it is invalid.

    CSS may end with parsel's ``::text`` or ``::attr(name)``."""
    from cssselect import SelectorError
    from lxml import etree
    from parsel.csstranslator import HTMLTranslator

    if text.startswith("xpath:"):
        xpath = text[len("xpath:") :].strip()
    else:
        try:
            xpath = HTMLTranslator().css_to_xpath(text)
        except SelectorError as exc:
            raise ValueError(f"is not valid CSS ({exc})") from None
    try:
        etree.XPath(xpath)
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"is not valid XPath ({exc})") from None
    return xpath


def _since(node: Node) -> str:
    text = _text(node, "since", "2004 or 2004-09-01")
    parts = text.split("-")
    try:
        year, month, day = (int(p) for p in [*parts, "1", "1"][:3])
        when = date(year, month, day)
    except ValueError:
        raise _Invalid(
            f"since '{text}' is not a date", "write a year or a date: 2004, 2004-09-01"
        ) from None
    if len(parts) > 3 or not date(1990, 1, 1) <= when <= date.today():
        raise _Invalid(f"since '{text}' is out of range", "give a date from 1990 to today")
    return when.isoformat()


def _match(node: Node) -> str:
    text = _string(node, "match")
    try:
        re.compile(text)
    except re.error as exc:
        what = f"match {text!r} is not a regular expression ({exc})"
        raise _Invalid(what, "write e.g. match: '/news/' or '/(news|press)/20[0-9]{2}/'") from None
    if not text:
        raise _Invalid("match is empty", "give a pattern, or remove the line")
    return text


def _max_pages(node: Node) -> int:
    value = _construct(node, "max_pages")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_PAGES:
        what = f"max_pages must be a whole number from 1 to {_MAX_PAGES}, not {_describe(node)}"
        raise _Invalid(what, "write e.g. max_pages: 3")
    return value


_VALIDATORS: dict[str, _Validator] = {
    "id": _id,
    "name": _name,
    "url": _url("url"),
    "kind": _choice("kind", KINDS),
    "country": _country,
    "languages": _languages,
    "org_type": _choice("org_type", ORG_TYPES),
    "focus": _choice("focus", FOCUSES),
    "weight": _weight,
    "tags": _tags,
    "enabled": _enabled,
    "interval": _interval,
    "homepage": _url("homepage"),
    "selectors": _selectors,
    "max_pages": _max_pages,
    "since": _since,
    "match": _match,
}


def declared_languages(path: str | Path) -> dict[str, list[str]]:
    """Each source's declared languages (hints for language detection); empty when the
    watch list cannot be read (callers that need it valid use :func:`load_sources`)."""
    try:
        return {s.id: list(s.languages) for s in load_sources(path)}
    except ConfigError:
        return {}
