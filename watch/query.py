"""The search query language: :func:`parse` turns query text into a tree of frozen nodes.

Grammar (EBNF).  ``OR`` binds loosest, then ``AND`` (written, or implied by putting two terms
side by side), then the unary ``NOT`` / ``-``; so ``a b OR c`` means ``(a AND b) OR c``::

    query   = [ or ] ;
    or      = and { "OR" and } ;
    and     = unary { [ "AND" ] unary } ;
    unary   = ( "NOT" | "-" ) unary | primary ;
    primary = word | prefix | phrase | field | "(" or ")" ;
    prefix  = word "*" ;                     (* educat*  ->  Term("educat", prefix=True) *)
    phrase  = '"' text '"' ;                 (* "adult learning" *)
    field   = name ":" ( value | '"' text '"' ) ;

Lexical rules:

* Tokens are separated by white space; ``(``, ``)`` and ``"`` also end a word
  (``foo(bar)`` is ``foo AND (bar)``).  There is no escape character: a phrase ends at the
  next ``"``, and its inner white space is collapsed to single spaces.
* ``AND``, ``OR`` and ``NOT`` are operators only in upper case and only as a whole token;
  ``and``, ``Or``, ``AND*`` are plain words.
* ``-`` negates only at the start of a token (``-word``, ``-"a phrase"``, ``-(a OR b)``,
  ``-lang:fr``); inside a word it is a letter (``e-learning``).  ``--a`` is ``NOT NOT a``.
* Trailing stars make a word a prefix (``educat*``, ``educat**``); a ``*`` elsewhere is a letter.
* ``name:value`` is a field when ``name`` is one of :data:`FIELDS` (any case).  When ``name`` is
  some other run of ASCII letters/underscores and the value does not start with ``/`` the query
  is rejected (unknown field); any other token with a ``:`` (``https://x.org``, ``10:30``) is a
  plain word.  Values are checked and normalised:

  ``lang``     an assigned ISO 639-1 code (checked with pycountry) or ``und``, lower-cased
  ``country``  an assigned ISO 3166-1 alpha-2 code, upper-cased, or a region slug (:data:`REGIONS`)
  ``source``   source id slug ``[a-z0-9][a-z0-9._-]*``, lower-cased
  ``topic``    topic id slug, same shape, lower-cased
  ``since``    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> first day of the period (ISO date)
  ``until``    same forms -> LAST day of the period (``until:2024-02`` -> ``2024-02-29``)

Every problem raises :class:`~watch.errors.QuerySyntaxError` with the 0-based position of the
culprit; no other exception escapes :func:`parse`.  Queries longer than :data:`MAX_LENGTH`
characters and nesting deeper than :data:`MAX_DEPTH` (``(`` and ``NOT`` levels) are rejected.

Node positions (``pos``) are 0-based offsets into the query and are left out of ``==`` and
``hash``, so that ``parse(to_string(tree)) == tree`` although the canonical text differs in
spacing.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

import pycountry

from watch import sources
from watch.errors import QuerySyntaxError

__all__ = [
    "FIELDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "REGIONS",
    "And",
    "Field",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Term",
    "fields",
    "parse",
    "positive_terms",
    "to_string",
]

#: Longest query accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting of ``(`` and ``NOT``/``-`` accepted.
MAX_DEPTH = 32
#: The field names of ``name:value``.
FIELDS: frozenset[str] = frozenset(
    {"lang", "country", "source-country", "source", "topic", "since", "until"}
)
#: The region slugs accepted by ``country:`` besides ISO 3166-1 alpha-2 codes.
REGIONS: frozenset[str] = frozenset(sources.REGIONS)


@dataclass(frozen=True)
class Term:
    """A word; ``prefix`` is True for ``educat*`` (``text`` is without the star)."""

    text: str
    pos: int = dataclasses.field(compare=False)
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """An exact phrase; ``text`` is the inner text with white space collapsed."""

    text: str
    pos: int = dataclasses.field(compare=False)


@dataclass(frozen=True)
class Field:
    """A ``name:value`` filter; ``name`` is one of FIELDS, ``value`` is normalised."""

    name: str
    value: str
    pos: int = dataclasses.field(compare=False)


@dataclass(frozen=True)
class And:
    """All children must match; two or more, never an And directly inside."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any child may match; two or more, never an Or directly inside."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child must not match; ``pos`` is that of the ``NOT`` or ``-``."""

    child: Node
    pos: int = dataclasses.field(compare=False)


Node: TypeAlias = Term | Phrase | Field | And | Or | Not
_Leaf: TypeAlias = Term | Phrase | Field

# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------

_OPERATORS = frozenset({"AND", "OR", "NOT"})
_STARTS = frozenset({"leaf", "(", "NOT", "-"})  # token kinds that can begin an operand
_FIELD_NAME = re.compile(r"[A-Za-z_]+")
_WORD_STOP = frozenset('()"')


@dataclass(frozen=True)
class _Token:
    kind: str  # "leaf", "(", ")", "-", "AND", "OR" or "NOT"
    pos: int
    leaf: _Leaf | None = None


def _error(message: str, query: str, pos: int) -> QuerySyntaxError:
    return QuerySyntaxError(message, query, pos)


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(query):
        if query[i].isspace():
            i += 1
            continue
        token, i = _next_token(query, i)
        tokens.append(token)
    return tokens


def _next_token(query: str, i: int) -> tuple[_Token, int]:
    char = query[i]
    if char in "()":
        return _Token(char, i), i + 1
    if char == '"':
        text, end = _quoted(query, i)
        if not text:
            raise _error('empty phrase "": put words between the quotes or remove them', query, i)
        return _Token("leaf", i, Phrase(text, i)), end
    if char == "-":
        return _minus(query, i), i + 1
    return _word(query, i)


def _quoted(query: str, i: int) -> tuple[str, int]:
    """The white-space-collapsed text of the quotes opening at ``i``, and the end offset."""
    end = query.find('"', i + 1)
    if end < 0:
        raise _error('unclosed quote ": add the closing " or remove this one', query, i)
    return " ".join(query[i + 1 : end].split()), end + 1


def _minus(query: str, i: int) -> _Token:
    after = query[i + 1 : i + 2]
    if not after or after.isspace() or after == ")":
        message = "a lone '-': put it right before what to exclude, e.g. -word or -(a OR b)"
        raise _error(message, query, i)
    return _Token("-", i)


def _word(query: str, i: int) -> tuple[_Token, int]:
    end = i
    while end < len(query) and not query[end].isspace() and query[end] not in _WORD_STOP:
        end += 1
    chunk = query[i:end]
    if query[end : end + 1] == '"' and chunk.endswith(":") and _field_like(chunk[:-1]):
        value, end = _quoted(query, end)
        return _Token("leaf", i, _field(chunk[:-1], value, query, i)), end
    return _classify(chunk, query, i), end


def _classify(chunk: str, query: str, pos: int) -> _Token:
    if chunk in _OPERATORS:
        return _Token(chunk, pos)
    name, colon, value = chunk.partition(":")
    if colon and _is_field(name, value):
        return _Token("leaf", pos, _field(name, value, query, pos))
    return _Token("leaf", pos, _term(chunk, query, pos))


def _field_like(name: str) -> bool:
    return name.lower() in FIELDS or bool(_FIELD_NAME.fullmatch(name))


def _is_field(name: str, value: str) -> bool:
    """Whether ``name:value`` is meant as a field (known, or unknown but field-like)."""
    if not _field_like(name):
        return False  # 10:30, :foo, x-y:z
    return name.lower() in FIELDS or not value.startswith("/")  # not https://...


def _term(chunk: str, query: str, pos: int) -> Term:
    text = chunk.rstrip("*")
    if not text:
        message = "a lone '*': put it at the end of a word to search by prefix, e.g. educat*"
        raise _error(message, query, pos)
    return Term(text, pos, prefix=text != chunk)


# ---------------------------------------------------------------------------------------------
# Field values
# ---------------------------------------------------------------------------------------------

_LANG = re.compile(r"[a-z]{2}")
_ALPHA_2 = re.compile(r"[A-Z]{2}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
_HINTS = {
    "lang": "use a two-letter ISO 639-1 code such as lang:fr, or lang:und",
    "country": "use a two-letter ISO 3166-1 code such as country:SN, or a region: "
    + ", ".join(sorted(REGIONS)),
    "source-country": "use a two-letter ISO 3166-1 code such as source-country:FR, or a region: "
    + ", ".join(sorted(REGIONS)),
    "source": "use a source id such as source:uil (a-z, 0-9, '.', '_', '-')",
    "topic": "use a topic id such as topic:adult-education (a-z, 0-9, '.', '_', '-')",
    "since": "use a date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. since:2026-01",
    "until": "use a date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. until:2026-03",
}


def _field(name: str, value: str, query: str, pos: int) -> Field:
    key = name.lower()
    if key not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise _error(f"unknown field '{name}' (known: {known})", query, pos)
    if not value:
        raise _error(f"field '{key}:' needs a value: {_HINTS[key]}", query, pos)
    normalised = _NORMALISERS[key](value) if value.isascii() else None
    if normalised is None:
        raise _error(_bad_value(key, value), query, pos)
    return Field(key, normalised, pos)


def _bad_value(key: str, value: str) -> str:
    shown = value if len(value) <= 40 else value[:40] + "..."
    guess = _guess(key, value)
    advice = f"did you mean {key}:{guess}?" if guess else _HINTS[key]
    return f"invalid value {shown!r} for {key}: {advice}"


def _guess(key: str, value: str) -> str | None:
    if key in ("country", "source-country") and value.upper() in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[value.upper()]
    countries = pycountry.countries
    database = {"lang": pycountry.languages, "country": countries, "source-country": countries}.get(
        key
    )
    try:
        found = database.lookup(value) if database is not None else None
    except LookupError:
        return None
    code = getattr(found, "alpha_2", None)
    return code if isinstance(code, str) else None


def _lang(value: str) -> str | None:
    code = value.lower()
    if code == "und" or (_LANG.fullmatch(code) and pycountry.languages.get(alpha_2=code)):
        return code
    return None


def _country(value: str) -> str | None:
    if value.lower() in REGIONS:
        return value.lower()
    code = value.upper()
    if _ALPHA_2.fullmatch(code) and pycountry.countries.get(alpha_2=code):
        return code
    return None


def _slug(value: str) -> str | None:
    slug = value.lower()
    return slug if _SLUG.fullmatch(slug) else None


def _since(value: str) -> str | None:
    period = _period(value)
    return period[0].isoformat() if period else None


def _until(value: str) -> str | None:
    period = _period(value)
    return period[1].isoformat() if period else None


def _period(value: str) -> tuple[datetime.date, datetime.date] | None:
    """First and last day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; None if not a date."""
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = match.group(1, 2, 3)
    try:
        return _span(int(year), month, day)
    except ValueError:  # month 13, February 30, year 0000
        return None


def _span(year: int, month: str | None, day: str | None) -> tuple[datetime.date, datetime.date]:
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if day is None:
        first = datetime.date(year, int(month), 1)
        return first, first.replace(day=calendar.monthrange(year, int(month))[1])
    exact = datetime.date(year, int(month), int(day))
    return exact, exact


_NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "lang": _lang,
    "source-country": _country,
    "country": _country,
    "source": _slug,
    "topic": _slug,
    "since": _since,
    "until": _until,
}

# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

_DANGLING = {
    "AND": "'AND' needs a term on both sides, e.g. a AND b",
    "OR": "'OR' needs a term on both sides, e.g. a OR b",
    "NOT": "'NOT' needs a term after it, e.g. NOT word",
    "-": "'-' needs a term right after it, e.g. -word",
}
_UNEXPECTED = "unexpected ')': there is no '(' to close; remove it"
_UNCLOSED = "unclosed '(': add a ')' to close it"
_TOO_DEEP = f"query nested too deeply (over {MAX_DEPTH} levels of '(' or NOT): simplify it"


class _Parser:
    """Recursive descent over the tokens; ``depth`` counts open ``(`` and ``NOT``/``-``."""

    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *kinds: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in kinds

    def error(self, message: str, token: _Token) -> QuerySyntaxError:
        return _error(message, self.query, token.pos)

    def query_node(self) -> Node:
        node = self.or_node(0)
        if self.at(")"):
            raise self.error(_UNEXPECTED, self.take())
        return node

    def or_node(self, depth: int) -> Node:
        children = [self.and_node(depth)]
        while self.at("OR"):
            self.need_operand(self.take())
            children.append(self.and_node(depth))
        return _combine(Or, children)

    def and_node(self, depth: int) -> Node:
        children = [self.unary(depth)]
        while self.at("AND", *_STARTS):
            if self.at("AND"):
                self.need_operand(self.take())
            children.append(self.unary(depth))
        return _combine(And, children)

    def need_operand(self, operator: _Token) -> None:
        if not self.at(*_STARTS):
            raise self.error(_DANGLING[operator.kind], operator)

    def unary(self, depth: int) -> Node:
        if not self.at("NOT", "-"):
            return self.primary(depth)
        operator = self.take()
        self.check_depth(operator, depth + 1)
        self.need_operand(operator)
        return Not(self.unary(depth + 1), operator.pos)

    def primary(self, depth: int) -> Node:
        token = self.take()
        if token.leaf is not None:
            return token.leaf
        if token.kind == "(":
            return self.group(token, depth + 1)
        if token.kind in _DANGLING:
            raise self.error(_DANGLING[token.kind], token)
        raise self.error(_UNEXPECTED, token)

    def group(self, opening: _Token, depth: int) -> Node:
        self.check_depth(opening, depth)
        if self.at(")"):
            raise self.error("empty parentheses '()': put terms inside or remove them", opening)
        if self.peek() is None:
            raise self.error(_UNCLOSED, opening)
        node = self.or_node(depth)
        if not self.at(")"):
            raise self.error(_UNCLOSED, opening)
        self.take()
        return node

    def check_depth(self, token: _Token, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.error(_TOO_DEEP, token)


def _combine(kind: type[And] | type[Or], children: list[Node]) -> Node:
    """One child as is; else a ``kind`` node with nested ``kind`` nodes flattened into it."""
    if len(children) == 1:
        return children[0]
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else (child,))
    return kind(tuple(flat))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def parse(query: str) -> Node | None:
    """Parse ``query``; None for an empty/blank query.

    Raises :class:`~watch.errors.QuerySyntaxError` (message, query, 0-based pos) on any error.
    """
    if len(query) > MAX_LENGTH:
        message = f"query too long ({len(query):,} characters): keep it to {MAX_LENGTH:,} at most"
        raise _error(message, query, MAX_LENGTH)
    clean = _CONTROL.sub(" ", query)  # NUL and other controls are blanks (positions kept)
    try:
        tokens = _tokens(clean)
        return _Parser(clean, tokens).query_node() if tokens else None
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(exc.args[0], query, exc.pos) from None


# ---------------------------------------------------------------------------------------------
# Writing and walking trees
# ---------------------------------------------------------------------------------------------


def to_string(node: Node) -> str:
    """Canonical text that :func:`parse` reads back to an equal tree.

    ``AND`` is written as juxtaposition and ``NOT`` as ``-``; parentheses only where needed.
    Raises ValueError for a hand-built leaf that no query text parses to (``Term("a b")``,
    ``Phrase('say "hi"')``, a field value that is not normalised).
    """
    if isinstance(node, And):
        return " ".join(_operand(child, (And, Or)) for child in node.children)
    if isinstance(node, Or):
        return " OR ".join(_operand(child, (Or,)) for child in node.children)
    if isinstance(node, Not):
        return "-" + _operand(node.child, (And, Or))
    return _leaf_text(node)


def _operand(node: Node, grouped: tuple[type[And] | type[Or], ...]) -> str:
    text = to_string(node)
    return f"({text})" if isinstance(node, grouped) else text


def _leaf_text(leaf: _Leaf) -> str:
    if isinstance(leaf, Term):
        text = leaf.text + ("*" if leaf.prefix else "")
    elif isinstance(leaf, Phrase):
        text = f'"{leaf.text}"'
    else:
        text = f"{leaf.name}:{leaf.value}"
    if not _reads_back(text, leaf):
        raise ValueError(f"{leaf!r} cannot be written as query text")
    return text


def _reads_back(text: str, leaf: _Leaf) -> bool:
    try:
        return parse(text) == leaf
    except QuerySyntaxError:
        return False


def _leaves(node: Node, *, negated: bool) -> Iterator[_Leaf]:
    """The leaves in order; those under a Not only if ``negated``."""
    if isinstance(node, And | Or):
        for child in node.children:
            yield from _leaves(child, negated=negated)
    elif isinstance(node, Not):
        if negated:
            yield from _leaves(node.child, negated=negated)
    else:
        yield node


def positive_terms(node: Node) -> list[str]:
    """The texts of the words and phrases not under a Not, in order (for highlighting)."""
    return [leaf.text for leaf in _leaves(node, negated=False) if not isinstance(leaf, Field)]


def fields(node: Node) -> list[Field]:
    """Every Field node in the tree (negated ones included), in order."""
    return [leaf for leaf in _leaves(node, negated=True) if isinstance(leaf, Field)]
