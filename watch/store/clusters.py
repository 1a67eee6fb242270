"""Near-duplicate clusters in the SQLite store: fingerprints, LSH band keys, cluster assignment.

Every article with a fingerprint (see watch.dedupe) has its signatures in ``article_minhash`` and
its LSH band keys in ``article_bands`` (indexed by key), so a new article finds its candidates by
key lookups, in time proportional to the candidates, never by scanning the store.

``cluster_id`` is always the id of the cluster's head, its earliest article (published_at, then
fetched_at, then id; unknown dates last). An article with no near-duplicate is its own head. When
an article earlier than the head arrives later, it becomes the head and every member's cluster_id
is rewritten to its id in the same transaction: cluster ids are consistent, not frozen. When a new
article matches several clusters they are merged under the earliest head.
"""

from __future__ import annotations

import logging
import sqlite3

from watch.dedupe import Fingerprint, fingerprint, head_key, similar
from watch.items import Article

__all__ = ["MAX_CANDIDATES", "assign_cluster", "backfill", "cluster_text", "forget"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: At most this many candidates are compared (a key shared by more is boilerplate-like).
MAX_CANDIDATES = 500


def cluster_text(article: Article) -> str:
    """The text fingerprinted: the body, else the feed summary."""
    return article.text or article.summary


def assign_cluster(conn: sqlite3.Connection, rowid: int, article: Article) -> str:
    """Fingerprint a stored article, index it and join (or found) its cluster; returns the id."""
    forget(conn, rowid)
    found = fingerprint(cluster_text(article), article.title)
    head = _current_cluster(conn, rowid) or article.id
    if found is not None:
        _index(conn, rowid, found)
        matched = {head} | _matching_clusters(conn, rowid, found)
        head = _earliest(conn, matched, article)
        _rename(conn, matched - {head}, head)
    conn.execute("UPDATE articles SET cluster_id = ? WHERE rowid = ?", (head, rowid))
    article.cluster_id = head
    return head


def forget(conn: sqlite3.Connection, rowid: int) -> None:
    """Drop an article's fingerprint (before it is re-computed or the article deleted)."""
    conn.execute("DELETE FROM article_bands WHERE article = ?", (rowid,))
    conn.execute("DELETE FROM article_minhash WHERE article = ?", (rowid,))


def backfill(conn: sqlite3.Connection) -> int:
    """Fingerprint and cluster every stored article, earliest first (migration of an old store).

    Only the rowids are held in memory (in head order, as ``head_key`` sorts); texts are read
    one article at a time.
    """
    order = "ORDER BY published_at = '', published_at, fetched_at, id"
    rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM articles {order}")]
    sql = "SELECT id, title, text, summary, published_at, fetched_at FROM articles WHERE rowid = ?"
    for rowid in rowids:
        row = conn.execute(sql, (rowid,)).fetchone()
        article = Article(id=row[0], title=row[1], text=row[2], summary=row[3])
        article.published_at, article.fetched_at = row[4], row[5]
        assign_cluster(conn, rowid, article)
    logger.info("fingerprinted %d stored articles for near-duplicate clusters", len(rowids))
    return len(rowids)


def _current_cluster(conn: sqlite3.Connection, rowid: int) -> str:
    row = conn.execute("SELECT cluster_id FROM articles WHERE rowid = ?", (rowid,)).fetchone()
    return str(row[0]) if row and row[0] else ""


def _index(conn: sqlite3.Connection, rowid: int, found: Fingerprint) -> None:
    conn.execute(
        "INSERT INTO article_minhash(article, text_sig, lead_sig, size, numbers, names, key_names) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rowid, found.text, found.lead, found.size, found.numbers, found.names, found.key_names),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO article_bands(key, article) VALUES (?, ?)",
        [(key, rowid) for key in found.keys],
    )


def _matching_clusters(conn: sqlite3.Connection, rowid: int, found: Fingerprint) -> set[str]:
    """Cluster ids of the stored articles whose fingerprint is similar to ``found``."""
    keys = found.keys
    sql = (
        "SELECT m.text_sig, m.lead_sig, m.size, m.numbers, m.names, m.key_names, a.cluster_id "
        "FROM article_minhash m "
        "JOIN articles a ON a.rowid = m.article WHERE m.article IN ("
        f"SELECT DISTINCT article FROM article_bands WHERE key IN ({', '.join('?' * len(keys))}) "
        "AND article != ? LIMIT ?)"
    )
    rows = conn.execute(sql, [*keys, rowid, MAX_CANDIDATES]).fetchall()
    return {str(r[6]) for r in rows if similar(found, Fingerprint(*r[:6]))}


def _earliest(conn: sqlite3.Connection, heads: set[str], article: Article) -> str:
    """The earliest of the clusters' heads and the article itself."""
    marks = ", ".join("?" * len(heads))
    rows = conn.execute(
        f"SELECT id, published_at, fetched_at FROM articles WHERE id IN ({marks})", sorted(heads)
    ).fetchall()
    known = {str(r[0]): head_key(r[1], r[2], r[0]) for r in rows}
    known[article.id] = head_key(article.published_at, article.fetched_at, article.id)
    return min(known, key=known.__getitem__)


def _rename(conn: sqlite3.Connection, old_heads: set[str], head: str) -> None:
    """Move every member of the clusters headed by ``old_heads`` under ``head``."""
    for old in sorted(old_heads):
        conn.execute("UPDATE articles SET cluster_id = ? WHERE cluster_id = ?", (head, old))
