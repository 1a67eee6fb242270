"""The editors' hand on the weekly digest, kept in the data dir's SQLite file (table ``picks``):

- **pin** an article into one week's digest (it always appears there, in its section);
- **drop** an article (its story never appears in any digest, and its source weighs less in the
  ranking while its items keep being dropped: see watch.digest);
- **note** an article: a one-line summary by the editor, shown with the pick.

Each row keeps the article's source, title and date as they were, so that lists and the ranking
feedback need no lookup in the article index (which may be Elasticsearch).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from watch.errors import ConfigError
from watch.items import Article
from watch.store.sqlite import Database, utc_now

__all__ = ["NOTE_MAX", "Pick", "Picks"]

#: Characters of an editor's note (one line, like a newsletter's summary sentence).
NOTE_MAX = 300

Action = Literal["pin", "drop", "note"]


@dataclass(frozen=True)
class Pick:
    """One editor's decision on one article."""

    article_id: str
    action: Action
    week: str  # the ISO week of a pin ("" for drops and notes: they hold everywhere)
    note: str
    source_id: str
    title: str
    article_date: str
    at: str  # when it was decided, UTC ISO 8601


class Picks:
    """Read and write the editors' decisions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def pin(self, article: Article, week: str) -> None:
        self._put(article, "pin", week)

    def drop(self, article: Article) -> None:
        """Drop an article (and unpin it)."""
        self._put(article, "drop", unpin=True)

    def note(self, article: Article, text: str) -> str:
        """Attach a one-line note (white space collapsed); returns it as stored."""
        line = " ".join(text.split())
        if not line:
            raise ConfigError("the note is empty — write the one-line summary to show")
        if len(line) > NOTE_MAX:
            raise ConfigError(
                f"the note has {len(line)} characters — keep it to one line of at most {NOTE_MAX}"
            )
        self._put(article, "note", note=line)
        return line

    def clear(self, article_id: str) -> int:
        """Forget every decision on an article; how many there were."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM picks WHERE article_id = ?", (article_id,)).rowcount

    def _put(
        self, article: Article, action: Action, week: str = "", note: str = "", unpin: bool = False
    ) -> None:
        with self.db.transaction() as conn:
            if unpin:
                conn.execute("DELETE FROM picks WHERE article_id = ? AND action = 'pin'",
                             (article.id,))  # fmt: skip
            if action == "pin":
                conn.execute("DELETE FROM picks WHERE article_id = ? AND action = 'drop'",
                             (article.id,))  # fmt: skip
            conn.execute(
                "INSERT OR REPLACE INTO picks(article_id, action, week, note, source_id, title, "
                "article_date, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (article.id, action, week, note, article.source_id, article.title,
                 article.published_at or article.fetched_at, utc_now()),
            )  # fmt: skip

    # --- reading -----------------------------------------------------------------------------

    def listing(self, week: str, since: str, until: str) -> list[Pick]:
        """The week's pins, and the drops and notes of articles dated in [since, until)."""
        rows = self.db.conn.execute(
            "SELECT * FROM picks WHERE (action = 'pin' AND week = ?) OR (action != 'pin' AND "
            "article_date >= ? AND article_date < ?) ORDER BY action, article_date, article_id",
            (week, since, until),
        ).fetchall()
        return [Pick(**dict(row)) for row in rows]

    def pinned(self, week: str) -> list[str]:
        rows = self.db.conn.execute(
            "SELECT article_id FROM picks WHERE action = 'pin' AND week = ? ORDER BY article_id",
            (week,),
        )
        return [r[0] for r in rows]

    def dropped(self) -> set[str]:
        rows = self.db.conn.execute("SELECT article_id FROM picks WHERE action = 'drop'")
        return {r[0] for r in rows}

    def notes(self) -> dict[str, str]:
        rows = self.db.conn.execute("SELECT article_id, note FROM picks WHERE action = 'note'")
        return {r[0]: r[1] for r in rows}

    def drops_by_source(self, since: str, until: str) -> Counter[str]:
        """Dropped articles dated in [since, until), per source (the ranking's feedback; by
        the articles' dates, not the decisions', so a digest does not change with the clock)."""
        rows = self.db.conn.execute(
            "SELECT source_id, count(*) FROM picks WHERE action = 'drop' AND article_date >= ? "
            "AND article_date < ? GROUP BY source_id",
            (since, until),
        )
        return Counter({r[0]: int(r[1]) for r in rows})
