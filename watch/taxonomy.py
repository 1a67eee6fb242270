"""The topic taxonomy (``watch/taxonomy.yaml``): loading and validation.

The file belongs to editors; :func:`check_taxonomy` reports every problem with file:line and what
to do, :func:`load_taxonomy` raises :class:`~watch.errors.ConfigError` when there is any.
Schema (documented in the file's header too)::

    version: 1
    languages: [en, fr, ...]          # languages that have terms
    context: {en: [education, ...]}  # words showing a text is about learning
    exclusions: {en: [machine learning, ...]}   # phrases that are never evidence
    topics:
      - id: adult-education
        labels: {en: ..., fr: ..., es: ...}
        definition: ...
        unesco: [concept123, ...]     # UNESCO Thesaurus concepts the topic is grounded in
        weight: 1.0                   # how central to lifelong learning (0..1)
        terms: {en: [adult education, {term: training, weight: 0.3, context: true}], ...}
        exclusions: {en: [...]}       # optional, topic-specific
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from watch.errors import ConfigError

__all__ = [
    "DEFAULT_TAXONOMY",
    "REQUIRED_LABELS",
    "Taxonomy",
    "Term",
    "Topic",
    "check_taxonomy",
    "default_taxonomy",
    "load_taxonomy",
]

#: The shipped taxonomy (a package resource: read also from a zipped egg, as Scrapyd runs it).
DEFAULT_TAXONOMY: Traversable = resources.files("watch") / "taxonomy.yaml"
REQUIRED_LABELS = ("en", "fr", "es")
_TOP_KEYS = frozenset({"version", "languages", "context", "exclusions", "topics"})
_TOPIC_KEYS = frozenset({"id", "labels", "definition", "unesco", "weight", "terms", "exclusions"})
_TERM_KEYS = frozenset({"term", "weight", "context"})
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_LANG = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class Term:
    """One term of a topic in one language."""

    text: str
    weight: float = 1.0  # evidence per occurrence
    context: bool = False  # counts only when a context word of the language occurs too


@dataclass(frozen=True)
class Topic:
    id: str
    labels: dict[str, str]
    definition: str
    weight: float
    terms: dict[str, tuple[Term, ...]]
    unesco: tuple[str, ...] = ()
    exclusions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    languages: tuple[str, ...]
    context: dict[str, tuple[str, ...]]
    exclusions: dict[str, tuple[str, ...]]
    path: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


class _Lines(dict[str, Any]):
    """A mapping that remembers the line it starts on."""

    line = 0


class _Items(list[Any]):
    """A sequence that remembers the line of each item (a duplicate term is reported where it is)."""

    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader on libyaml when PyYAML has it: the taxonomy parses 7× faster. A file it
    rejects is parsed again by ``_Loader`` for the error message, worded as everywhere else."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Lines:
    loader.flatten_mapping(node)
    out = _Lines(loader.construct_pairs(node, deep=True))
    out.line = node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> _Items:
    out = _Items(loader.construct_sequence(node, deep=True))
    out.lines = [item.start_mark.line + 1 for item in node.value]
    return out


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)  # type: ignore[arg-type]
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)  # type: ignore[arg-type]


class _Checker:
    """Collects problems as ``file:line: where: what — what to do``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[str] = []

    def add(self, line: int, where: str, what: str) -> None:
        self.problems.append(f"{self.path}:{line}: {where}: {what}")

    def keys(self, data: _Lines, allowed: frozenset[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.add(data.line, where, f"unknown key {key!r} — use one of: {known}")


def check_taxonomy(
    path: str | Path | Traversable = DEFAULT_TAXONOMY,
) -> tuple[Taxonomy | None, list[str]]:
    """The taxonomy and every problem found (the taxonomy is None when there are problems)."""
    data = _read(path if isinstance(path, Traversable) else Path(path))
    checker = _Checker(str(path))
    if not isinstance(data, _Lines):
        checker.add(
            1, "file", "must be a mapping with version, languages, context, exclusions, topics"
        )
        return None, checker.problems
    checker.keys(data, _TOP_KEYS, "top level")
    taxonomy = _build(data, checker)
    return (taxonomy if not checker.problems else None), checker.problems


def _read(path: Traversable) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the taxonomy ({exc.strerror}) — check the path"
        ) from None
    try:
        return yaml.load(text, Loader=_FastLoader)
    except yaml.YAMLError:
        pass
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{path}:{where}: YAML syntax error: {problem} — check indentation and quoting"
        ) from None


def _build(data: _Lines, checker: _Checker) -> Taxonomy:
    languages = tuple(str(x) for x in data.get("languages") or ())
    for lang in languages:
        if not _LANG.fullmatch(lang):
            checker.add(data.line, "languages", f"{lang!r} is not an ISO 639-1 code — use e.g. fr")
    context = _phrases(data.get("context"), checker, "context", data.line)
    exclusions = _phrases(data.get("exclusions"), checker, "exclusions", data.line)
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        checker.add(data.line, "topics", "missing or empty — list the topics under topics:")
        raw_topics = []
    topics = [_topic(raw, i, checker) for i, raw in enumerate(raw_topics)]
    _check_unique([t for t in topics if t], checker, data.line)
    return Taxonomy(tuple(t for t in topics if t), languages, context, exclusions)


def _phrases(raw: Any, checker: _Checker, where: str, line: int) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        checker.add(line, where, "must map a language code to a list of phrases")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang, items in raw.items():
        if not _LANG.fullmatch(str(lang)) or not isinstance(items, list):
            checker.add(
                getattr(raw, "line", line), f"{where}.{lang}", "needs a language code and a list"
            )
            continue
        out[str(lang)] = tuple(str(x).strip() for x in items if str(x).strip())
    return out


def _topic(raw: Any, index: int, checker: _Checker) -> Topic | None:
    if not isinstance(raw, _Lines):
        checker.add(0, f"topics[{index}]", "must be a mapping with id, labels, definition, terms")
        return None
    where = f"topic {raw.get('id', f'#{index + 1}')!s}"
    checker.keys(raw, _TOPIC_KEYS, where)
    topic_id = str(raw.get("id", ""))
    if not _ID.fullmatch(topic_id):
        checker.add(raw.line, where, "id must be a slug such as adult-education")
    labels = {str(k): str(v) for k, v in (raw.get("labels") or {}).items()}
    for lang in REQUIRED_LABELS:
        if not labels.get(lang):
            checker.add(raw.line, where, f"no label in {lang!r} — add labels: {{{lang}: ...}}")
    if not str(raw.get("definition") or "").strip():
        checker.add(raw.line, where, "no definition — say in a sentence what the topic covers")
    weight = _number(raw.get("weight", 1.0), 0.0, 1.0, checker, raw.line, f"{where}: weight")
    terms = _terms(raw.get("terms"), checker, raw.line, where)
    exclusions = _phrases(raw.get("exclusions"), checker, f"{where}: exclusions", raw.line)
    unesco = tuple(str(u) for u in raw.get("unesco") or ())
    return Topic(
        topic_id, labels, str(raw.get("definition", "")).strip(), weight, terms, unesco, exclusions
    )


def _terms(raw: Any, checker: _Checker, line: int, where: str) -> dict[str, tuple[Term, ...]]:
    if not isinstance(raw, dict) or not raw:
        checker.add(line, where, "no terms — add terms: {en: [...], fr: [...]}")
        return {}
    out: dict[str, tuple[Term, ...]] = {}
    for lang, items in raw.items():
        if not _LANG.fullmatch(str(lang)) or not isinstance(items, list):
            checker.add(
                getattr(raw, "line", line),
                f"{where}: terms.{lang}",
                "needs a language code and a list",
            )
            continue
        lines = getattr(items, "lines", [getattr(raw, "line", line)] * len(items))
        parsed = [
            (_term(item, checker, item_line, f"{where}: terms.{lang}"), item_line)
            for item, item_line in zip(items, lines, strict=True)
        ]
        kept = [(t, n) for t, n in parsed if t]
        out[str(lang)] = tuple(t for t, _ in kept)
        _check_duplicates(kept, checker, f"{where}: terms.{lang}")
    return out


def _term(item: Any, checker: _Checker, line: int, where: str) -> Term | None:
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        text = str(item).strip()
        return Term(text) if text else None
    if not isinstance(item, _Lines):
        checker.add(line, where, f"{item!r} is neither a term nor {{term: ..., weight: ...}}")
        return None
    checker.keys(item, _TERM_KEYS, where)
    text = str(item.get("term") or "").strip()
    if not text:
        checker.add(item.line, where, "a term mapping needs term: ...")
        return None
    weight = _number(
        item.get("weight", 1.0), 0.1, 3.0, checker, item.line, f"{where}: {text!r} weight"
    )
    context = item.get("context", False)
    if not isinstance(context, bool):
        checker.add(item.line, where, f"{text!r}: context must be true or false")
    return Term(text, weight, bool(context))


def _number(value: Any, low: float, high: float, checker: _Checker, line: int, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        checker.add(line, where, f"{value!r} must be a number from {low:g} to {high:g}")
        return low
    return float(value)


def _check_duplicates(terms: list[tuple[Term, int]], checker: _Checker, where: str) -> None:
    seen: dict[str, int] = {}
    for term, line in terms:
        key = term.text.casefold()
        if key in seen:
            checker.add(
                line, where, f"{term.text!r} is listed twice (first on line {seen[key]}) — keep one"
            )
        else:
            seen[key] = line


def _check_unique(topics: list[Topic], checker: _Checker, line: int) -> None:
    seen: set[str] = set()
    for topic in topics:
        if topic.id in seen:
            checker.add(line, f"topic {topic.id}", "duplicate id — each topic id once")
        seen.add(topic.id)


def load_taxonomy(path: str | Path | Traversable = DEFAULT_TAXONOMY) -> Taxonomy:
    """The validated taxonomy; ConfigError listing every problem otherwise."""
    taxonomy, problems = check_taxonomy(path)
    if taxonomy is None:
        raise ConfigError(f"{path}: {len(problems)} problem(s) in the taxonomy", problems)
    return Taxonomy(
        taxonomy.topics, taxonomy.languages, taxonomy.context, taxonomy.exclusions, str(path)
    )


@functools.cache
def default_taxonomy() -> Taxonomy:
    """The shipped taxonomy, loaded once."""
    return load_taxonomy(DEFAULT_TAXONOMY)
