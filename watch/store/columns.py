"""Every article's facts as in-memory columns, for a reader that lives long (the web app).

Facets, trends and date order need one fact per matching article; read through SQLite, that is
a B-tree lookup per match (a million matches: seconds). Held as numpy arrays indexed by the
article's rowid (language, source, source country, year and date as small integer codes; topics
and mentioned countries as (article, code) pairs), the same counts are a ``bincount`` over the
matches: milliseconds, whatever their number.

The columns follow the store through ``article_changes`` (schema v8), a log of the rowids whose
facts changed (insert, update of a fact, delete) kept by triggers: a reader applies the changes
since the last one it saw, or loads everything again when it fell behind the trimmed log.
Results equal the SQL ones (``SQLiteArticleStore`` without columns); tests compare both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from watch.query import REGIONS, And, Field, Node, Not, Or
from watch.store.base import FacetField
from watch.store.fts import fts_expression, query_codes

__all__ = ["TRIM_KEEP", "Columns", "IntArray", "Snapshot", "TextSearch", "rowid_array",
           "trim_changes"]  # fmt: skip

#: The change log keeps at least this many entries; a reader further behind loads everything.
TRIM_KEEP = 200_000
#: Beyond this many changes to apply, loading everything again is as quick.
_RELOAD_AFTER = 100_000

#: The fields with one value per article (a code per rowid) and with many (pairs).
_SINGLE = ("language", "source", "source-country", "year")
_PAIRS: dict[str, str] = {"topic": "article_topics", "country": "article_countries"}
_PAIR_COLUMN = {"article_topics": "topic", "article_countries": "code"}
_EPOCH = date(1970, 1, 1)

IntArray = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
#: Rowids of the articles an FTS5 expression matches.
TextSearch = Callable[[str], IntArray]


def rowid_array(text: str | None) -> IntArray:
    """The rowids of a ``group_concat`` (comma-separated integers) as an array."""
    if not text:
        return np.empty(0, dtype=np.int64)
    return np.array(text.split(","), dtype=np.int64)


class _Codes:
    """Small integer codes for the distinct values of one field (appended as they appear)."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names = list(names)
        self.index = {name: i for i, name in enumerate(self.names)}

    def code(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.names)
            self.names.append(value)
        return found

    def copy(self) -> _Codes:
        return _Codes(self.names)


def _date_key(value: str) -> int:
    """An integer that orders as the ISO date-time string does (YYYYMMDDhhmmss), -1 for none."""
    digits = "".join(c for c in value[:19] if c.isdigit())
    return int(digits.ljust(14, "0")) if digits else -1


def _day(value: str) -> int:
    """Days since 1970-01-01 of the date's first ten characters, -1 for none."""
    try:
        return (date.fromisoformat(value[:10]) - _EPOCH).days if value else -1
    except ValueError:
        return -1


@dataclass(frozen=True)
class Snapshot:
    """The columns at one point of the change log (never modified: a refresh makes a new one)."""

    seq: int
    present: npt.NDArray[np.bool_]
    single: dict[str, npt.NDArray[np.int32]]  # facet field -> code per rowid (-1: none)
    codes: dict[str, _Codes]  # facet field -> its values
    date_key: IntArray
    day: npt.NDArray[np.int32]
    pairs: dict[str, tuple[IntArray, npt.NDArray[np.int32]]]  # field -> (rowids, codes)

    @property
    def size(self) -> int:
        return len(self.present)

    def select(self, node: Node, text: TextSearch) -> IntArray:
        """The rowids of the articles matching ``node`` (ascending): text through ``text``,
        fields from the columns; as watch.store.fts compiles the same tree for SQL."""
        return np.flatnonzero(self._mask(node, text))

    def _mask(self, node: Node, text: TextSearch) -> Mask:
        expr = fts_expression(node)
        if expr is not None:
            return self._text(expr, text)
        if isinstance(node, Field):
            return self._field(node)
        if isinstance(node, Not):
            return self.present & ~self._mask(node.child, text)
        if isinstance(node, Or):
            mask = np.zeros(self.size, dtype=np.bool_)
            for child in node.children:
                mask |= self._mask(child, text)
            return mask
        assert isinstance(node, And)
        positives, negatives, rest = [], [], []
        for child in node.children:  # text conjuncts as one MATCH, as compile_query does
            if (found := fts_expression(child)) is not None:
                positives.append(found)
            elif isinstance(child, Not) and (found := fts_expression(child.child)) is not None:
                negatives.append(found)
            else:
                rest.append(child)
        mask = self.present.copy()
        if positives:
            expr = " AND ".join(positives)
            if negatives:
                expr = f"({expr}) NOT ({' OR '.join(negatives)})"
            mask &= self._text(expr, text)
        else:
            for negative in negatives:
                mask &= ~self._text(negative, text)
        for child in rest:
            mask &= self._mask(child, text)
        return mask

    def _text(self, expr: str, text: TextSearch) -> Mask:
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[self._known(text(expr))] = True
        return mask & self.present

    def _known(self, rowids: IntArray) -> IntArray:
        return rowids[(rowids >= 0) & (rowids < self.size)]

    def _field(self, node: Field) -> Mask:
        """The mask of one ``name:value`` filter (see watch.store.fts._field_sql)."""
        name, value = node.name, node.value
        if name == "since":
            return self.present & (self.date_key >= _date_key(value))
        if name == "until":
            end = (date.fromisoformat(value) + timedelta(days=1)).isoformat()
            return self.present & (self.date_key < _date_key(end))
        if name in ("topic", "country"):
            wanted = [value] if name == "topic" else query_codes(value)
            articles, codes = self.pairs[name]
            mask = np.zeros(self.size, dtype=np.bool_)
            mask[articles[np.isin(codes, self._codes_of(name, wanted))]] = True
            return mask & self.present
        if name == "source-country":
            wanted = [value, *query_codes(value)] if value in REGIONS else [value]
        else:
            wanted = [value]
        column = {"lang": "language", "source": "source", "source-country": "source-country"}
        field = column[name]
        return self.present & np.isin(self.single[field], self._codes_of(field, wanted))

    def _codes_of(self, field: str, values: Sequence[str]) -> IntArray:
        index = self.codes[field].index
        return np.array([index[v] for v in values if v in index], dtype=np.int64)

    def count(self, rowids: IntArray | None) -> int:
        return int(self.present.sum()) if rowids is None else len(self._inside(rowids))

    def date_keys(self, rowids: Sequence[int]) -> list[int]:
        return [int(self.date_key[r]) if 0 <= r < self.size else -1 for r in rowids]

    def _inside(self, rowids: IntArray | None) -> IntArray:
        """The rowids the columns know (all present ones for None)."""
        if rowids is None:
            return np.flatnonzero(self.present)
        rowids = rowids[(rowids >= 0) & (rowids < self.size)]
        return rowids[self.present[rowids]]

    def _chosen(self, rowids: IntArray) -> Mask:
        """A mask over rowids that is true at ``rowids``."""
        chosen = np.zeros(self.size, dtype=np.bool_)
        chosen[rowids] = True
        return chosen

    def _counts(self, field: str, rowids: IntArray | None) -> npt.NDArray[np.int64]:
        width = len(self.codes[field].names)
        if field in _SINGLE:
            values = self.single[field][self._inside(rowids)]
        else:
            articles, values = self.pairs[field]
            if rowids is not None:
                values = values[self._chosen(self._inside(rowids))[articles]]
        return np.bincount(values[values >= 0], minlength=width)

    def facets(
        self, rowids: IntArray | None, fields: Sequence[FacetField], limit: int
    ) -> dict[str, list[tuple[str, int]]]:
        """Per field, its ``limit`` most frequent values among ``rowids`` (None: all), as the
        SQL facets order them: most first, then by value."""
        out: dict[str, list[tuple[str, int]]] = {}
        for name in fields:
            counts = self._counts(name, rowids)
            names = self.codes[name].names
            found = [(names[i], int(counts[i])) for i in np.flatnonzero(counts)]
            found.sort(key=lambda pair: (-pair[1], pair[0]))
            out[name] = found[:limit]
        return out

    def day_counts(
        self, rowids: IntArray | None, by: FacetField | None
    ) -> Iterator[tuple[str, str, int]]:
        """(YYYY-MM-DD, value or "", count) of the dated articles among ``rowids``."""
        inside = self._inside(rowids)
        if by is None:
            days = self.day[inside]
            values = np.zeros(len(days), dtype=np.int64)
            names = [""]
        elif by in _SINGLE:
            days = self.day[inside]
            values = self.single[by][inside].astype(np.int64)
            names = self.codes[by].names
        else:
            articles, codes = self.pairs[by]
            keep = self._chosen(inside)[articles]
            days, values = self.day[articles[keep]], codes[keep].astype(np.int64)
            names = self.codes[by].names
        dated = (days >= 0) & (values >= 0)
        width = max(len(names), 1)
        keys, counts = np.unique(days[dated].astype(np.int64) * width + values[dated],
                                 return_counts=True)  # fmt: skip
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            day, value = divmod(key, width)
            yield (_EPOCH + timedelta(days=day)).isoformat(), names[value], count

    def newest(self, rowids: IntArray | None, limit: int, offset: int) -> list[int]:
        """The rowids of one page in date order, newest first (then by rowid, highest first)."""
        inside = self._inside(rowids)
        end = offset + limit
        if end <= 0 or len(inside) == 0:
            return []
        keys = self.date_key[inside]
        if end < len(inside):  # the page's rows are among the `end` newest
            cut = np.argpartition(-keys, end - 1)[:end]
            threshold = keys[cut].min()
            inside = inside[keys >= threshold]  # ties at the boundary kept whole
            keys = self.date_key[inside]
        order = np.lexsort((-inside, -keys))
        return [int(r) for r in inside[order][offset:end]]


class Columns:
    """The columns of one store file, shared by the connections of one process (thread-safe):
    ``current(conn)`` brings them up to date with what ``conn`` sees and returns them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self.loads = 0  # full loads so far (for tests and logs)

    def current(self, conn: sqlite3.Connection) -> Snapshot:
        head = _head(conn)
        snapshot = self._snapshot
        if snapshot is not None and snapshot.seq == head:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.seq != head:
                snapshot = self._snapshot = self._refresh(conn, snapshot)
            return snapshot

    def _refresh(self, conn: sqlite3.Connection, old: Snapshot | None) -> Snapshot:
        conn.execute("BEGIN")  # one consistent read of the log and the facts
        try:
            head = _head(conn)
            oldest = conn.execute("SELECT min(seq) FROM article_changes").fetchone()[0]
            if (old is None or head - old.seq > _RELOAD_AFTER
                    or (oldest is not None and oldest > old.seq + 1)):  # fmt: skip
                self.loads += 1
                return _load(conn, head)
            changed = rowid_array(conn.execute(
                "SELECT group_concat(article) FROM (SELECT DISTINCT article FROM article_changes "
                "WHERE seq > ?)", (old.seq,)).fetchone()[0])  # fmt: skip
            return _apply(conn, old, head, np.unique(changed))
        finally:
            conn.execute("COMMIT")


def trim_changes(conn: sqlite3.Connection) -> None:
    """Forget all but the last TRIM_KEEP changes (the writer calls it in its transactions)."""
    conn.execute("DELETE FROM article_changes WHERE seq <= "
                 "(SELECT seq FROM sqlite_sequence WHERE name = 'article_changes') - ?",
                 (TRIM_KEEP,))  # fmt: skip


def _head(conn: sqlite3.Connection) -> int:
    """The last change's number (0 before any)."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'article_changes'").fetchone()
    return int(row[0]) if row else 0


def _fact_rows(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> list[Any]:
    sql = ("SELECT article, language, source_id, source_country, date FROM article_facts "
           f"WHERE {where}")  # fmt: skip
    return conn.execute(sql, list(params)).fetchall()


def _pair_rows(
    conn: sqlite3.Connection, table: str, where: str, params: Sequence[Any]
) -> list[Any]:
    sql = f"SELECT article, {_PAIR_COLUMN[table]} FROM {table} WHERE {where}"
    return conn.execute(sql, list(params)).fetchall()


def _empty(size: int, seq: int) -> Snapshot:
    return Snapshot(
        seq=seq,
        present=np.zeros(size, dtype=np.bool_),
        single={name: np.full(size, -1, dtype=np.int32) for name in _SINGLE},
        codes={name: _Codes() for name in (*_SINGLE, *_PAIRS)},
        date_key=np.full(size, -1, dtype=np.int64),
        day=np.full(size, -1, dtype=np.int32),
        pairs={name: (np.empty(0, np.int64), np.empty(0, np.int32)) for name in _PAIRS},
    )


def _fill(snapshot: Snapshot, rows: Iterable[Any]) -> None:
    """Write fact rows (article, language, source, source country, date) into the arrays."""
    rows = list(rows)
    if not rows:
        return
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    snapshot.present[ids] = True
    for position, name in enumerate(("language", "source", "source-country"), start=1):
        codes = snapshot.codes[name]
        snapshot.single[name][ids] = np.fromiter(
            (codes.code(r[position]) for r in rows), dtype=np.int32, count=len(rows)
        )
    years = snapshot.codes["year"]
    snapshot.single["year"][ids] = np.fromiter(
        (years.code(r[4][:4]) for r in rows), dtype=np.int32, count=len(rows)
    )
    snapshot.date_key[ids] = np.fromiter((_date_key(r[4]) for r in rows), np.int64, len(rows))
    snapshot.day[ids] = np.fromiter((_day(r[4]) for r in rows), np.int32, len(rows))


def _pairs(codes: _Codes, rows: Sequence[Any]) -> tuple[IntArray, npt.NDArray[np.int32]]:
    articles = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((codes.code(r[1]) for r in rows), dtype=np.int32, count=len(rows))
    return articles, values


def _load(conn: sqlite3.Connection, head: int) -> Snapshot:
    top = conn.execute("SELECT max(article) FROM article_facts").fetchone()[0] or 0
    snapshot = _empty(_room(top), head)
    _fill(snapshot, _fact_rows(conn, "1", ()))
    for name, table in _PAIRS.items():
        snapshot.pairs[name] = _pairs(snapshot.codes[name], _pair_rows(conn, table, "1", ()))
    return snapshot


def _room(top: int) -> int:
    """Array length for rowids up to ``top``, with room to grow."""
    return max(1024, int((top + 1) * 1.25))


def _apply(conn: sqlite3.Connection, old: Snapshot, head: int, changed: IntArray) -> Snapshot:
    """A new snapshot: ``old`` with the changed articles' facts read again."""
    top = int(changed.max()) if len(changed) else 0
    size = old.size if top < old.size else _room(top)

    def grown(array: Any, fill: Any) -> Any:
        out = np.full(size, fill, dtype=array.dtype)
        out[: old.size] = array
        return out

    new = replace(
        old,
        seq=head,
        present=grown(old.present, False),
        single={k: grown(v, -1) for k, v in old.single.items()},
        codes={k: v.copy() for k, v in old.codes.items()},
        date_key=grown(old.date_key, -1),
        day=grown(old.day, -1),
    )
    if not len(changed):
        return new
    new.present[changed] = False
    new.date_key[changed] = -1
    new.day[changed] = -1
    for codes in new.single.values():
        codes[changed] = -1
    marks_sql = "article IN (SELECT value FROM json_each(?))"
    listed = "[" + ",".join(str(int(r)) for r in changed) + "]"
    _fill(new, _fact_rows(conn, marks_sql, (listed,)))
    pairs = {}
    for name, table in _PAIRS.items():
        articles, values = old.pairs[name]
        keep = ~np.isin(articles, changed)
        added = _pairs(new.codes[name], _pair_rows(conn, table, marks_sql, (listed,)))
        pairs[name] = (np.concatenate([articles[keep], added[0]]),
                       np.concatenate([values[keep], added[1]]))  # fmt: skip
    return replace(new, pairs=pairs)
