"""``llwatch backup`` and ``llwatch restore``: consistent copies of the embedded store.

A backup is taken with SQLite's online backup API in one step: it reads one snapshot of the
store (WAL mode: crawls go on writing meanwhile, they are not blocked and the copy does not
restart), is checked (``quick_check``) and only then renamed into place, as a single file in
rollback-journal mode. A restore takes the crawl lock (no crawl meanwhile), checks the copy, and
moves the current store aside (``watch.sqlite3.before-restore-<time>``) rather than deleting
it: nothing collected is ever lost. An Elasticsearch index is backed up with the cluster's own
snapshots; the local file holds its crawl state and outbox.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from watch.crawl import crawl_lock
from watch.errors import ConfigError, StoreUnavailable
from watch.store import DB_NAME, open_store
from watch.store.schema import MIGRATIONS

__all__ = ["Copied", "backup", "check_store", "restore"]


@dataclass
class Copied:
    """A finished copy: where it is, its size, and how many articles it holds."""

    path: Path
    bytes: int
    articles: int
    aside: Path | None = None  # restore: where the replaced store was moved


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


_FALSE_NULL = re.compile(r"NULL value in ([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")


def check_store(conn: sqlite3.Connection) -> str:
    """``ok``, or the first problem SQLite's ``quick_check`` finds. SQLite before 3.41 reports
    "NULL value in T.C" falsely for WITHOUT ROWID tables whose key does not start with C (the
    tag tables): such a line counts only if a NULL is really there."""
    for (line,) in conn.execute("PRAGMA quick_check(100)").fetchall():
        if line == "ok":
            return "ok"
        claim = _FALSE_NULL.fullmatch(line)
        if claim is not None:
            table, column = claim.groups()
            found = conn.execute(  # typeof(): "IS NULL" on a NOT NULL column is optimised away
                f'SELECT count(*) FROM "{table}" WHERE typeof("{column}") = \'null\''
            )
            if found.fetchone()[0] == 0:
                continue
        return str(line)
    return "ok"


def _copy(source: Path, target: Path) -> int:
    """``source`` copied to ``target`` (a new file) in one snapshot, checked; its articles."""
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    reader = _read_only(source)
    writer = sqlite3.connect(part)
    try:
        reader.backup(writer)  # pages=-1: one step, one read transaction (a consistent snapshot)
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        verdict = check_store(writer)
        articles = int(writer.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error as exc:
        writer.close()
        part.unlink(missing_ok=True)
        raise StoreUnavailable(f"{source}: cannot copy the store ({exc})") from None
    finally:
        reader.close()
    writer.close()
    if verdict != "ok":
        part.unlink(missing_ok=True)
        raise StoreUnavailable(f"{source}: the copy failed its check ({verdict}) — run "
                               "`sqlite3 FILE 'PRAGMA integrity_check'` on the store")  # fmt: skip
    part.rename(target)
    return articles


def backup(data_dir: Path, dest: Path) -> Copied:
    """Copy the store of ``data_dir`` to ``dest`` (a new file, or a folder: a dated file in it);
    safe while crawls run."""
    source = data_dir / DB_NAME
    if not source.exists():
        raise StoreUnavailable(f"{source}: no store here yet — nothing to back up")
    target = dest / f"watch-{_stamp()}.sqlite3" if dest.is_dir() else dest
    if target.exists():
        raise ConfigError(f"{target}: already exists — give a new file name (backup never "
                          "overwrites)")  # fmt: skip
    if not target.parent.is_dir():
        raise ConfigError(f"{target.parent}: no such folder — create it or give another place")
    articles = _copy(source, target)
    return Copied(target, target.stat().st_size, articles)


def _check_copy(path: Path) -> None:
    """A readable llwatch store of this llwatch's schema or an older one, else one line."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file — give a backup made by `llwatch backup`")
    try:
        conn = _read_only(path)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("SELECT count(*) FROM articles").fetchone()
            verdict = check_store(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ConfigError(f"{path}: not an llwatch store ({exc}) — give a backup made by "
                          "`llwatch backup`") from None  # fmt: skip
    if verdict != "ok":
        raise ConfigError(f"{path}: the backup is damaged ({verdict}) — use another one")
    if version > len(MIGRATIONS):
        raise ConfigError(f"{path}: store schema v{version} is newer than this llwatch "
                          f"(v{len(MIGRATIONS)}) — upgrade llwatch to restore it")  # fmt: skip


def restore(source: Path, data_dir: Path) -> Copied:
    """Make the backup ``source`` the store of ``data_dir`` (migrated if older); the store it
    replaces is moved aside, never deleted. Holds the crawl lock meanwhile."""
    _check_copy(source)
    current = data_dir / DB_NAME
    data_dir.mkdir(parents=True, exist_ok=True)
    with crawl_lock(data_dir):
        incoming = data_dir / f"{DB_NAME}.restoring"
        incoming.unlink(missing_ok=True)
        articles = _copy(source, incoming)
        aside = None
        if current.exists():
            conn = sqlite3.connect(current)
            try:  # the WAL's pages into the main file (best effort: a reader may hold them)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            finally:
                conn.close()
            aside = data_dir / f"{DB_NAME}.before-restore-{_stamp()}"
            current.rename(aside)  # with its WAL, under the name SQLite looks for beside it
            wal = Path(f"{current}-wal")
            if wal.exists():
                wal.rename(f"{aside}-wal")
            Path(f"{current}-shm").unlink(missing_ok=True)
        incoming.rename(current)
        open_store(data_dir).close()  # migrated to this llwatch's schema, WAL mode again
    return Copied(current, current.stat().st_size, articles, aside)
