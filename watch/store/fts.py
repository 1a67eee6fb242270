"""Compile a query tree (watch.query) to SQLite: an FTS5 MATCH expression plus SQL filters.

Every user term is quoted (``"word"``, ``"word"*``, ``"a phrase"``) so nothing the user types is
read as FTS5 syntax; field values are bound parameters. Text conjuncts at the top level become one
MATCH expression (so results can be ranked with bm25); anything else compiles to SQL conditions
with a MATCH sub-select.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from watch.countries import codes_in_region
from watch.query import REGIONS, And, Field, Node, Not, Or, Phrase, Term

__all__ = ["Compiled", "compile_query", "fts_expression", "fts_quote", "query_codes"]

_SUBSELECT = "a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"


@dataclass
class Compiled:
    """``match`` (an FTS5 expression, or None) and ``where`` (SQL on alias ``a``) with params."""

    match: str | None = None
    where: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    @property
    def where_sql(self) -> str:
        return " AND ".join(self.where) if self.where else "1"


def fts_quote(text: str) -> str:
    """A string literal of FTS5: the text in double quotes, inner quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def compile_query(node: Node | None) -> Compiled:
    """Compile ``node``; None (empty query) matches everything."""
    out = Compiled()
    if node is None:
        return out
    positives: list[str] = []
    negatives: list[str] = []
    for part in node.children if isinstance(node, And) else (node,):
        _place(part, positives, negatives, out)
    if positives:
        out.match = " AND ".join(positives)
        if negatives:
            out.match = f"({out.match}) NOT ({' OR '.join(negatives)})"
    else:
        for neg in negatives:
            out.where.append(f"NOT {_SUBSELECT}")
            out.params.append(neg)
    return out


def _place(part: Node, positives: list[str], negatives: list[str], out: Compiled) -> None:
    """Put one top-level conjunct in the MATCH expression or in the SQL filters."""
    expr = fts_expression(part)
    if expr is not None:
        positives.append(expr)
        return
    if isinstance(part, Not) and (neg := fts_expression(part.child)) is not None:
        negatives.append(neg)
        return
    sql, params = _sql(part)
    out.where.append(sql)
    out.params.extend(params)


def fts_expression(node: Node) -> str | None:
    """FTS5 expression of a text-only subtree, or None when it has fields or a bare NOT."""
    if isinstance(node, Term):
        return fts_quote(node.text) + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return fts_quote(node.text)
    if isinstance(node, Or):
        parts = [fts_expression(c) for c in node.children]
        return None if None in parts else "(" + " OR ".join(p for p in parts if p) + ")"
    if isinstance(node, And):
        return _fts_and(node)
    return None


def _fts_and(node: And) -> str | None:
    pos = [fts_expression(c) for c in node.children if not isinstance(c, Not)]
    neg = [fts_expression(c.child) for c in node.children if isinstance(c, Not)]
    if not pos or None in pos or None in neg:
        return None
    expr = " AND ".join(p for p in pos if p)
    return f"(({expr}) NOT ({' OR '.join(n for n in neg if n)}))" if neg else f"({expr})"


def _sql(node: Node) -> tuple[str, list[str]]:
    """SQL condition of any subtree."""
    if isinstance(node, Field):
        return _field_sql(node)
    if isinstance(node, Not):
        sql, params = _sql(node.child)
        return f"NOT ({sql})", params
    if isinstance(node, And | Or):
        parts = [_sql(c) for c in node.children]
        glue = " AND " if isinstance(node, And) else " OR "
        return "(" + glue.join(s for s, _ in parts) + ")", [p for _, ps in parts for p in ps]
    expr = fts_expression(node)
    return _SUBSELECT, [expr or ""]


def _field_sql(node: Field) -> tuple[str, list[str]]:
    if node.name == "since":
        return "a.date >= ?", [node.value]
    if node.name == "until":
        return "a.date < ?", [(date.fromisoformat(node.value) + timedelta(days=1)).isoformat()]
    if node.name == "topic":
        return "a.rowid IN (SELECT article FROM article_topics WHERE topic = ?)", [node.value]
    if node.name == "country":
        codes = query_codes(node.value)
        marks = ", ".join("?" * len(codes))
        return f"a.rowid IN (SELECT article FROM article_countries WHERE code IN ({marks}))", codes
    if node.name == "source-country":
        codes = [node.value, *query_codes(node.value)] if node.value in REGIONS else [node.value]
        return f"a.source_country IN ({', '.join('?' * len(codes))})", codes
    column = {"lang": "a.language", "source": "a.source_id"}
    return f"{column[node.name]} = ?", [node.value]


def query_codes(value: str) -> list[str]:
    """The ISO codes a ``country:`` value stands for: itself, or every country of a region
    (``-``, which no article has, for a region without countries)."""
    if value not in REGIONS:
        return [value]
    return sorted(codes_in_region(value)) or ["-"]
