"""The embedded store: one SQLite file (WAL) holding articles + FTS5 and the crawl state."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import numpy as np

from watch.errors import DiskFull, StoreLocked, StoreUnavailable
from watch.items import Article, TopicTag
from watch.query import Node
from watch.store.base import (
    FACET_FIELDS,
    CountField,
    Duplicate,
    FacetField,
    Hit,
    Interval,
    SearchResult,
    Sort,
    Trend,
    UpsertOutcome,
)
from watch.store.clusters import assign_cluster
from watch.store.columns import Columns, IntArray, Snapshot, rowid_array, trim_changes
from watch.store.fts import compile_query
from watch.store.schema import MIGRATIONS, statements
from watch.store.trend import assemble, period_of

if TYPE_CHECKING:
    from watch.health import PublishingStats

__all__ = ["Database", "SQLiteArticleStore", "utc_now"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: bm25 weights of the FTS columns: title above summary above body text.
BM25_WEIGHTS = (10.0, 3.0, 1.0)
_WEIGHTS = ", ".join(str(w) for w in BM25_WEIGHTS)
_JSON_COLUMNS = ("authors", "topics", "countries")
_COLUMNS = (
    "id", "url", "canonical_url", "source_id", "source_name", "source_country", "source_org_type",
    "feed_url", "title", "summary", "text", "authors", "published_at", "fetched_at", "date",
    "language", "language_confidence", "topics", "countries", "relevance", "simhash",
    "cluster_id", "content_hash", "extraction", "extraction_note", "updated_at",
)  # fmt: skip
#: The columns of a brief article (no body text, no authors): what lists and rankings read.
_BRIEF_COLUMNS = tuple(n for n in _COLUMNS if n not in ("text", "authors", "date", "updated_at"))
_BRIEF = ", ".join(f"a.{name}" for name in _BRIEF_COLUMNS)
_CHANGE_KEYS = ("title", "summary", "text", "published_at", "authors", "language", "content_hash")
_CLUSTER_KEYS = ("title", "summary", "text")  # a change of these re-computes the fingerprint


#: The size of each hit's near-duplicate cluster (an index lookup per hit on the page).
_SIZE = ", (SELECT count(*) FROM articles c WHERE c.cluster_id = a.cluster_id) AS cluster_size"

#: Where each facet's values live: (table, column).
_FACET_SOURCES: dict[str, tuple[str, str]] = {
    "topic": ("article_topics", "topic"),
    "country": ("article_countries", "code"),
    "language": ("article_facts", "language"),
    "source": ("article_facts", "source_id"),
    "source-country": ("article_facts", "source_country"),
    "year": ("article_facts", "substr(date, 1, 4)"),
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> str:
    """Now, UTC ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Database:
    """A connection to the store file, with its schema migrated to the current version."""

    def __init__(
        self, path: str | Path, *, readonly: bool = False, busy_timeout: float = 30.0
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.busy_timeout = busy_timeout  # seconds to wait for another process's write lock
        self.conn = self._connect()
        if not readonly:
            self._migrate()
        elif (version := self.schema_version) < len(MIGRATIONS):
            self.conn.close()
            raise StoreUnavailable(
                f"{self.path}: store schema v{version} is older than this llwatch "
                f"(v{len(MIGRATIONS)}) — run `llwatch crawl` once to migrate it"
            )

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.exists():
                raise StoreUnavailable(
                    f"{self.path}: no store here yet — run `llwatch crawl` first"
                )
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            return self._open(uri, uri=True)
        _ensure_writable_dir(self.path.parent)
        conn = self._open(str(self.path), uri=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.OperationalError as exc:
            conn.close()
            if _is_locked(exc):
                raise self.locked() from None
            raise StoreUnavailable(f"{self.path}: cannot open the store ({exc})") from None
        return conn

    def _open(self, target: str, *, uri: bool) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(target, uri=uri, timeout=self.busy_timeout,
                                   isolation_level=None, check_same_thread=False)  # fmt: skip
            # one thread at a time (web: per thread)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            if _is_locked(exc):
                raise self.locked() from None
            raise StoreUnavailable(f"{self.path}: cannot open the store ({exc})") from None
        return conn

    def locked(self) -> StoreLocked:
        """The error of a store whose lock another process held past the busy timeout."""
        holders = lock_holders(self.path)
        who = (f"open in {', '.join(holders[:3])}{' …' if len(holders) > 3 else ''}"
               if holders else "see `fuser` on the file")  # fmt: skip
        return StoreLocked(
            f"{self.path}: another process held the store's lock for {self.busy_timeout:g} s "
            f"({who}) — wait for it to finish or stop it, then run again; nothing stored is lost"
        )

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreUnavailable(
                f"{self.path}: store schema v{version} is newer than this llwatch "
                f"(v{len(MIGRATIONS)}) — upgrade llwatch"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                if callable(script):
                    script(self.conn)
                else:
                    for statement in statements(script):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
            logger.info("store %s migrated to schema v%d", self.path, number)

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE .. COMMIT, rolled back on any error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_locked(exc):
                raise self.locked() from None
            raise StoreUnavailable(f"{self.path}: cannot write the store ({exc})") from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
                raise DiskFull(
                    f"{self.path}: the disk is full ({exc}) — free space in {self.path.parent} "
                    "and crawl again; everything stored before is kept"
                ) from None
            raise

    def close(self) -> None:
        self.conn.close()


def _is_locked(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED") or (
        "database is locked" in str(exc)
    )


def lock_holders(path: Path) -> list[str]:
    """The other processes that have the store (or its WAL) open, as ``pid N (command)``: read
    from /proc on Linux; [] elsewhere or when none can be seen."""
    try:
        store = path.resolve()
    except OSError:
        return []
    names = {str(store), f"{store}-wal", f"{store}-shm", f"{store}-journal"}
    found = []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            opened = any(os.readlink(fd) in names for fd in (entry / "fd").iterdir())
            if not opened:
                continue
            command = " ".join((entry / "cmdline").read_bytes().decode("utf-8", "replace")
                               .replace("\0", " ").split())  # fmt: skip
        except OSError:  # gone, or not ours to read
            continue
        found.append(f"pid {entry.name} ({command[:60] or '?'})")
    return found


def _ensure_writable_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"data dir {folder}: cannot create it ({exc.strerror}) — "
            "give --data-dir or WATCH_DATA_DIR a writable folder"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreUnavailable(
            f"data dir {folder} is not writable — give --data-dir or WATCH_DATA_DIR a writable folder"
        )


def _row_values(article: Article, now: str) -> dict[str, Any]:
    data = article.to_dict()
    for name in _JSON_COLUMNS:
        data[name] = json.dumps(data[name], ensure_ascii=False)
    data["date"] = article.published_at or article.fetched_at
    data["updated_at"] = now
    return data


def _article(row: sqlite3.Row) -> Article:
    data = {key: row[key] for key in row.keys() if key in _COLUMNS}  # noqa: SIM118 - Row iterates values
    for name in _JSON_COLUMNS:
        data[name] = json.loads(data[name])
    data.pop("date", None)
    data.pop("updated_at", None)
    return Article.from_dict(data)


def _rows(cursor: sqlite3.Cursor, size: int = 500) -> Iterator[tuple[int, float]]:
    """A cursor's rows, fetched a batch at a time."""
    while batch := cursor.fetchmany(size):
        yield from batch


def _brief_article(row: sqlite3.Row) -> Article:
    """An article of the brief columns (built directly: lists of thousands read fast)."""
    data = dict(zip(_BRIEF_COLUMNS, tuple(row), strict=True))
    data["topics"] = [TopicTag(**t) for t in json.loads(data["topics"])]
    data["countries"] = json.loads(data["countries"])
    return Article(**data)


class SQLiteArticleStore:
    """Articles and their FTS5 index in the embedded store (see watch.store.base.ArticleStore)."""

    def __init__(self, db: Database, columns: Columns | None = None) -> None:
        self.db = db
        #: In-memory columns of the facts (a long-lived reader's): facets, trends and date
        #: order count them instead of reading a row per match; None: all in SQL.
        self.columns = columns
        self._selection: tuple[Node, int, IntArray] | None = None  # the last query's rowids
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._cache_version: tuple[int, int] = (-1, -1)
        self._materialized: tuple[Any, ...] | None = None  # what temp.matching holds

    def upsert(self, articles: Sequence[Article]) -> list[UpsertOutcome]:
        """Insert new articles, update changed ones in place (same id); one transaction."""
        self._cache.clear()
        now = utc_now()
        with self.db.transaction() as conn:
            outcomes = [self._upsert_one(conn, article, now) for article in articles]
            trim_changes(conn)
            return outcomes

    def _upsert_one(self, conn: sqlite3.Connection, article: Article, now: str) -> UpsertOutcome:
        values = _row_values(article, now)
        old = conn.execute(
            f"SELECT rowid, cluster_id, {', '.join(_CHANGE_KEYS)} FROM articles WHERE id = ?",
            (article.id,),
        ).fetchone()
        if old is None:
            names = ", ".join(_COLUMNS)
            values["cluster_id"] = article.id
            sql = f"INSERT INTO articles ({names}) VALUES (:{', :'.join(_COLUMNS)})"
            assign_cluster(conn, conn.execute(sql, values).lastrowid or 0, article)
            return "new"
        if all(old[k] == values[k] for k in _CHANGE_KEYS):
            article.cluster_id = old["cluster_id"]
            return "unchanged"
        kept = {"id", "url", "cluster_id"}  # cluster_id is the store's (watch.store.clusters)
        assignments = ", ".join(f"{c} = :{c}" for c in _COLUMNS if c not in kept)
        conn.execute(f"UPDATE articles SET {assignments} WHERE id = :id", values)
        if any(old[k] != values[k] for k in _CLUSTER_KEYS):
            assign_cluster(conn, old["rowid"], article)
        else:
            article.cluster_id = old["cluster_id"]
        return "updated"

    def find_duplicate(self, article_id: str, content_hash: str) -> Duplicate | None:
        """The stored article with this id, else one with the same text hash."""
        sql = "SELECT id, url, canonical_url FROM articles WHERE id = ?"
        row = self.db.conn.execute(sql, (article_id,)).fetchone()
        if row:
            return Duplicate(row["id"], row["url"], row["canonical_url"], "url")
        if not content_hash:
            return None
        sql = "SELECT id, url, canonical_url FROM articles WHERE content_hash = ? ORDER BY rowid"
        row = self.db.conn.execute(sql, (content_hash,)).fetchone()
        return Duplicate(row["id"], row["url"], row["canonical_url"], "content") if row else None

    def get(self, article_id: str) -> Article | None:
        row = self.db.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _article(row) if row else None

    def search(
        self, query: Node | None, *, sort: Sort = "relevance", limit: int = 20, offset: int = 0
    ) -> SearchResult:
        """One page of results (ranked by bm25, title first, or newest first) and the total.

        Matches are ranked on the narrow ``article_facts`` rows (and the FTS index); the wide
        article rows, snippets and cluster sizes are read for the page's rows only. Sorted by
        date, hits have no score (0), as on Elasticsearch."""
        compiled = compile_query(query)
        if self.columns is not None and query is not None:
            return self._search_columns(query, compiled.match, sort, limit, offset)
        total = self.count(query)
        if compiled.match is None:
            sql = (f"SELECT a.article AS id, 0.0 AS score FROM article_facts a "
                   f"WHERE {compiled.where_sql} ORDER BY a.date DESC, a.article DESC")  # fmt: skip
            params: list[Any] = list(compiled.params)
        else:
            score = "0.0" if sort == "date" else f"-bm25(articles_fts, {_WEIGHTS})"
            order = ("score DESC, a.date DESC, a.article DESC" if sort == "relevance"
                     else "a.date DESC, a.article DESC")  # fmt: skip
            sql = (f"SELECT a.article AS id, {score} AS score "
                   "FROM articles_fts JOIN article_facts a ON a.article = articles_fts.rowid "
                   f"WHERE articles_fts MATCH ? AND {compiled.where_sql} ORDER BY {order}")  # fmt: skip
            params = [compiled.match, *compiled.params]
        page = self._run(f"{sql} LIMIT ? OFFSET ?", [*params, limit, offset])
        return SearchResult(total=total, hits=self._hits(page, compiled.match))

    def _search_columns(
        self, query: Node, match: str | None, sort: Sort, limit: int, offset: int
    ) -> SearchResult:
        """search() with the columns: the query's rowids once (text from the FTS index, fields
        from the columns), then the count, date order or the bm25 ranking of the page. A query
        of words alone is ranked and counted by the FTS index without them."""
        if (match is not None and sort == "relevance" and not compile_query(query).where
                and not self._holds(query)):  # fmt: skip
            assert self.columns is not None
            snapshot = self.columns.current(self.db.conn)
            page = self._ranked(snapshot, None, match, limit, offset)
            return SearchResult(self._count_text(match), self._hits(page, match))
        snapshot, rowids = self._selected(query)
        if match is None or sort == "date":
            page = [{"id": r, "score": 0.0} for r in snapshot.newest(rowids, limit, offset)]
        else:
            page = self._ranked(snapshot, rowids, match, limit, offset)
        return SearchResult(snapshot.count(rowids), self._hits(page, match))

    def _count_text(self, match: str) -> int:
        """The articles an FTS5 expression matches."""
        sql = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
        return int(self._run(sql, [match])[0][0])

    def _ranked(
        self, snapshot: Snapshot, rowids: IntArray | None, match: str, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """One page by bm25 (then newest, then highest rowid): the text matches come from the
        FTS index best first, those outside ``rowids`` (if given) skipped; reading stops after
        the page's last row and every row tied with it. Without ``rowids`` (every match
        counts) the index sorts only the best rows (a bounded sort), all again if ties run past
        them."""
        need = offset + limit
        if need <= 0 or (rowids is not None and not len(rowids)):
            return []
        chosen = None
        if rowids is not None:
            chosen = np.zeros(snapshot.size, dtype=np.bool_)
            chosen[rowids] = True
        sql = (f"SELECT rowid, -bm25(articles_fts, {_WEIGHTS}) AS s FROM articles_fts "
               "WHERE articles_fts MATCH ? ORDER BY s DESC")  # fmt: skip
        bound = need + 64 if chosen is None else 0
        while True:
            taken: list[tuple[int, float]] = []
            read = 0
            cursor = self._cursor(f"{sql} LIMIT {bound}" if bound else sql, [match])
            for read, (rowid, score) in enumerate(_rows(cursor), start=1):  # noqa: B007
                if len(taken) >= need and score < taken[-1][1]:
                    break
                if chosen is None or (rowid < snapshot.size and chosen[rowid]):
                    taken.append((rowid, score))
            else:
                if bound and read == bound:  # the rows tied with the page's last may go on
                    bound = 0
                    continue
            cursor.close()
            break
        keys = dict(zip([r for r, _ in taken], snapshot.date_keys([r for r, _ in taken]),
                        strict=True))  # fmt: skip
        taken.sort(key=lambda pair: (-pair[1], -keys[pair[0]], -pair[0]))
        return [{"id": r, "score": s} for r, s in taken[offset:need]]

    def _holds(self, query: Node) -> bool:
        """Whether the query's rowids are at hand (for this store's state)."""
        assert self.columns is not None
        return self._selection is not None and self._selection[:2] == (
            query, self.columns.current(self.db.conn).seq)  # fmt: skip

    def _selected(self, query: Node) -> tuple[Snapshot, IntArray]:
        """The columns and the query's matching rowids (kept for the next call on the same
        query and store: the count, facets and trend of one page ask them again)."""
        assert self.columns is not None
        snapshot = self.columns.current(self.db.conn)
        if self._selection is not None and self._selection[:2] == (query, snapshot.seq):
            return snapshot, self._selection[2]
        rowids = snapshot.select(query, self._text_rowids)
        self._selection = (query, snapshot.seq, rowids)
        return snapshot, rowids

    def _text_rowids(self, expr: str) -> IntArray:
        sql = "SELECT group_concat(rowid) FROM articles_fts WHERE articles_fts MATCH ?"
        return rowid_array(self._run(sql, [expr])[0][0])

    def _hits(self, page: Sequence[Any], match: str | None) -> list[Hit]:
        """The page's articles in order, with score, snippet and cluster size."""
        rowids = [int(r["id"]) for r in page]
        if not rowids:
            return []
        marks = ", ".join("?" * len(rowids))
        rows = {int(r["rowid"]): r for r in self._run(
            f"SELECT a.rowid AS rowid, a.*{_SIZE} FROM articles a WHERE a.rowid IN ({marks})",
            rowids)}  # fmt: skip
        snippets: dict[int, str] = {}
        if match is not None:
            found = self._run(
                "SELECT rowid, snippet(articles_fts, 2, '[', ']', '…', 16) AS snip FROM "
                f"articles_fts WHERE articles_fts MATCH ? AND rowid IN ({marks})",
                [match, *rowids],
            )
            snippets = {int(r["rowid"]): r["snip"] or "" for r in found}  # fmt: skip
        return [Hit(_article(rows[r["id"]]), round(float(r["score"]), 4), snippets.get(r["id"], ""),
                    int(rows[r["id"]]["cluster_size"])) for r in page if r["id"] in rows]  # fmt: skip

    def count(self, query: Node | None = None) -> int:
        if self.columns is not None and query is not None:
            snapshot, rowids = self._selected(query)
            return snapshot.count(rowids)
        compiled = compile_query(query)
        if compiled.match is None:
            sql = f"SELECT count(*) FROM article_facts a WHERE {compiled.where_sql}"
            return int(self._run(sql, compiled.params)[0][0])
        if not compiled.where:  # every indexed row has its facts: no join needed
            return self._count_text(compiled.match)
        sql = (
            "SELECT count(*) FROM articles_fts JOIN article_facts a ON a.article = articles_fts.rowid "
            f"WHERE articles_fts MATCH ? AND {compiled.where_sql}"
        )
        return int(self._run(sql, [compiled.match, *compiled.params])[0][0])

    def count_by(self, field: CountField) -> dict[str, int]:
        """Articles per value of ``field`` (most first, then by value)."""
        if field not in get_args(CountField):
            raise ValueError(f"cannot count by {field!r}")
        sql = f"SELECT {field} AS k, count(*) AS n FROM articles GROUP BY k ORDER BY n DESC, k"
        return {row["k"]: row["n"] for row in self._run(sql, [])}

    def facets(
        self, query: Node | None, fields: Sequence[FacetField] = FACET_FIELDS, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        """For each field, its most frequent values among the matching articles, with counts."""
        if self.columns is not None:
            snapshot, rowids = self._columns_rowids(query)
            return snapshot.facets(rowids, fields, limit)
        if query is None:  # the whole store: from the indexes, kept until the store changes
            return self._cached(("facets", tuple(fields), limit),
                                lambda: self._facets(None, fields, limit))  # fmt: skip
        return self._facets(query, fields, limit)

    def _facets(
        self, query: Node | None, fields: Sequence[FacetField], limit: int
    ) -> dict[str, list[tuple[str, int]]]:
        matching, params = self._matching_rowids(query)
        if query is not None and len(fields) > 1:  # the query once, then each facet
            matching, params = self._materialize(matching, params)
        out: dict[str, list[tuple[str, int]]] = {}
        for name in fields:
            table, column = _FACET_SOURCES[name]
            where = f"WHERE article IN ({matching})" if query is not None else ""
            sql = (f"SELECT {column} AS v, count(*) AS n FROM {table} {where} "
                   "GROUP BY v ORDER BY n DESC, v LIMIT ?")  # fmt: skip
            args = [*params, limit] if query is not None else [limit]
            out[name] = [(str(r["v"]), int(r["n"])) for r in self._run(sql, args)]
        return out

    def _materialize(self, matching: str, params: list[Any]) -> tuple[str, list[Any]]:
        """The matching rowids in a temporary table of this connection: the full-text match
        runs once for every facet that follows, and for the trend of the same query after
        them (kept while the store is unchanged)."""
        conn = self.db.conn
        key = (matching, tuple(params), conn.execute("PRAGMA data_version").fetchone()[0])
        if self._materialized == (*key, conn.total_changes):
            return "SELECT article FROM temp.matching", []
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS matching (article INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.matching")
        try:
            conn.execute(f"INSERT INTO temp.matching {matching}", params)
        except sqlite3.Error as exc:
            self._materialized = None
            raise StoreUnavailable(f"{self.db.path}: query failed ({exc})") from None
        self._materialized = (*key, conn.total_changes)
        return "SELECT article FROM temp.matching", []

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered until another connection changes the store (SQLite's
        ``data_version``) or this one writes (the cache is cleared on upsert)."""
        version = (self.db.conn.execute("PRAGMA data_version").fetchone()[0],
                   self.db.conn.total_changes)  # fmt: skip
        if self._cache_version != version:
            self._cache.clear()
            self._cache_version = version
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def trend(
        self,
        query: Node | None,
        interval: Interval = "month",
        by: FacetField | None = None,
        limit: int = 8,
    ) -> Trend:
        """Matching articles per period (and per value of ``by``): counted per day in SQL,
        gathered into periods here (a few thousand rows, whatever the store's size)."""
        if interval not in get_args(Interval):
            raise ValueError(f"unknown interval {interval!r} (day, week, month or year)")
        if self.columns is not None:
            snapshot, rowids = self._columns_rowids(query)
            days = snapshot.day_counts(rowids, by)
            found = ((period_of(d, interval), v, n) for d, v, n in days)
            return assemble(found, interval, limit, by is not None)
        if query is None:
            return self._cached(("trend", interval, by, limit),
                                lambda: self._trend(None, interval, by, limit))  # fmt: skip
        return self._trend(query, interval, by, limit)

    def _trend(
        self, query: Node | None, interval: Interval, by: FacetField | None, limit: int
    ) -> Trend:
        matching, params = self._matching_rowids(query)
        if query is not None:
            matching, params = self._materialize(matching, params)
        where = "f.date != ''" + (f" AND f.article IN ({matching})" if query is not None else "")
        params = params if query is not None else []
        day = "substr(f.date, 1, 10)"
        if by is None:
            sql = f"SELECT {day} AS d, '' AS v, count(*) AS n FROM article_facts f WHERE {where} GROUP BY d"
        else:
            table, column = _FACET_SOURCES[by]
            if table == "article_facts":
                source = "article_facts f"
                value = "substr(f.date, 1, 4)" if by == "year" else f"f.{column}"
            else:
                source, value = (
                    f"{table} t JOIN article_facts f ON f.article = t.article",
                    f"t.{column}",
                )
            sql = (f"SELECT {day} AS d, {value} AS v, count(*) AS n FROM {source} "
                   f"WHERE {where} GROUP BY d, v")  # fmt: skip
        rows = self._run(sql, params)
        found = ((period_of(r["d"], interval), str(r["v"]), int(r["n"])) for r in rows)
        return assemble(found, interval, limit, by is not None)

    def _matching_rowids(self, query: Node | None) -> tuple[str, list[Any]]:
        compiled = compile_query(query)
        if compiled.match is None:
            return f"SELECT a.article FROM article_facts a WHERE {compiled.where_sql}", list(
                compiled.params
            )
        sql = (
            "SELECT a.article FROM articles_fts JOIN article_facts a "
            f"ON a.article = articles_fts.rowid WHERE articles_fts MATCH ? AND {compiled.where_sql}"
        )
        return sql, [compiled.match, *compiled.params]

    def iter_articles(
        self, query: Node | None, *, sort: Sort = "date", brief: bool = False
    ) -> Iterator[Article]:
        """Every matching article, newest first, streamed from the cursor (constant memory);
        ``brief`` leaves the body text out (lists and rankings that do not show it)."""
        compiled = compile_query(query)
        columns = _BRIEF if brief else "a.*"
        if compiled.match is None:
            sql = (
                f"SELECT {columns} FROM articles a WHERE {compiled.where_sql} ORDER BY a.date DESC"
            )
            params: list[Any] = list(compiled.params)
        else:
            sql = (
                f"SELECT {columns} FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
                f"WHERE articles_fts MATCH ? AND {compiled.where_sql} ORDER BY a.date DESC"
            )
            params = [compiled.match, *compiled.params]
        cursor = self.db.conn.execute(sql, params)
        read = _brief_article if brief else _article
        for row in cursor:
            yield read(row)

    def publishing(self, now: datetime | None = None) -> dict[str, PublishingStats]:
        """Per source: articles dated in the recent weeks, the weeks before, the rate window,
        and the newest date (one grouped query over the articles' (source, date) index)."""
        from watch.health import BEFORE_WEEKS, RATE_WINDOW_DAYS, RECENT_WEEKS, PublishingStats

        now = now or datetime.now(UTC)
        recent = _iso(now - timedelta(weeks=RECENT_WEEKS))
        before = _iso(now - timedelta(weeks=RECENT_WEEKS + BEFORE_WEEKS))
        window = _iso(now - timedelta(days=RATE_WINDOW_DAYS))
        rows = self.db.conn.execute(
            "SELECT source_id, SUM(date >= :recent), SUM(date >= :before AND date < :recent),"
            " SUM(date >= :window), MIN(CASE WHEN date >= :window THEN date END), MAX(date),"
            " COUNT(*) FROM articles WHERE date != '' GROUP BY source_id",
            {"recent": recent, "before": before, "window": window},
        ).fetchall()
        return {
            r[0]: PublishingStats(
                int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), r[4] or "", r[5] or "", int(r[6])
            )
            for r in rows
        }

    def _columns_rowids(self, query: Node | None) -> tuple[Snapshot, IntArray | None]:
        """The columns and the rowids of ``query`` (None: every article)."""
        if query is None:
            assert self.columns is not None
            return self.columns.current(self.db.conn), None
        return self._selected(query)

    def _cursor(self, sql: str, params: Sequence[Any]) -> sqlite3.Cursor:
        try:
            return self.db.conn.execute(sql, list(params))
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"{self.db.path}: query failed ({exc})") from None

    def _run(self, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
        try:
            return self.db.conn.execute(sql, list(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"{self.db.path}: query failed ({exc})") from None

    def close(self) -> None:
        self.db.close()
