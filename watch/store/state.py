"""Crawl state in the local SQLite file: per-source validators and failures, seen feed entries,
and the record of every run. It stays local whichever backend holds the articles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from typing import Any

from watch.items import Article
from watch.store.base import SourceRun, SourceState
from watch.store.sqlite import Database, utc_now

__all__ = ["CrawlState"]


_STATE_FIELDS = tuple(f.name for f in fields(SourceState))
_RUN_FIELDS = tuple(f.name for f in fields(SourceRun))


class CrawlState:
    """Read and write the crawl's memory."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- sources -------------------------------------------------------------------------------

    def source_states(self) -> dict[str, SourceState]:
        rows = self.db.conn.execute("SELECT * FROM source_state").fetchall()
        return {r["source_id"]: SourceState(**{k: r[k] for k in _STATE_FIELDS}) for r in rows}

    def source_state(self, source_id: str) -> SourceState:
        row = self.db.conn.execute(
            "SELECT * FROM source_state WHERE source_id = ?", (source_id,)
        ).fetchone()
        return SourceState(**{k: row[k] for k in _STATE_FIELDS}) if row else SourceState(source_id)

    def save_source_states(self, states: Iterable[SourceState]) -> None:
        names = ", ".join(_STATE_FIELDS)
        marks = ", ".join(":" + n for n in _STATE_FIELDS)
        with self.db.transaction() as conn:
            for state in states:
                conn.execute(
                    f"INSERT OR REPLACE INTO source_state ({names}) VALUES ({marks})", asdict(state)
                )

    # --- feed entries --------------------------------------------------------------------------

    def entry(self, source_id: str, entry_key: str) -> tuple[str, str] | None:
        """(article id, fingerprint) of an entry seen before, or None."""
        row = self.db.conn.execute(
            "SELECT article_id, fingerprint FROM entries WHERE source_id = ? AND entry_key = ?",
            (source_id, entry_key),
        ).fetchone()
        return (row["article_id"], row["fingerprint"]) if row else None

    def record_entries(self, articles: Sequence[Article]) -> None:
        """Remember the feed entries these articles came from (so they are not fetched again)."""
        now = utc_now()
        rows = [
            (a.source_id, a.entry_key, a.id, a.entry_hash, now, now)
            for a in articles
            if a.entry_key
        ]
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(source_id, entry_key) DO UPDATE SET article_id = excluded.article_id, "
                "fingerprint = excluded.fingerprint, last_seen = excluded.last_seen",
                rows,
            )

    # --- the outbox (articles waiting for an external index) -----------------------------------

    def outbox_put(self, articles: Sequence[Article], reason: str, permanent: bool = False) -> None:
        """Queue these articles (their newest version: one row per id) with why they wait.

        ``permanent``: the index refused them (e.g. a mapping conflict) and retrying the same
        document will not help; they wait for an operator (``llwatch index status``)."""
        now = utc_now()
        rows = [(a.id, json.dumps(a.to_dict(), ensure_ascii=False), reason, int(permanent), now)
                for a in articles]  # fmt: skip
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO outbox (article_id, payload, reason, permanent, queued_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE SET"
                " payload = excluded.payload, reason = excluded.reason,"
                " permanent = excluded.permanent",
                rows,
            )

    def outbox_take(self, limit: int = 500, include_permanent: bool = False) -> list[Article]:
        """The oldest waiting articles (those refused for good only when asked)."""
        where = "" if include_permanent else "WHERE permanent = 0"
        rows = self.db.conn.execute(
            f"SELECT payload FROM outbox {where} ORDER BY queued_at, article_id LIMIT ?", (limit,)
        ).fetchall()
        return [Article.from_dict(json.loads(r["payload"])) for r in rows]

    def outbox_drop_before(self, cut: str, keep: Sequence[str], *, dry_run: bool = False) -> int:
        """Drop the waiting articles dated before ``cut`` (their published, else fetched time),
        except those of ``keep`` (retention: they would be indexed only to be pruned)."""
        dated = ("coalesce(nullif(json_extract(payload, '$.published_at'), ''),"
                 " json_extract(payload, '$.fetched_at'), '')")  # fmt: skip
        marks = ",".join("?" * len(keep))
        where = (f"{dated} != '' AND {dated} < ?"
                 + (f" AND article_id NOT IN ({marks})" if keep else ""))  # fmt: skip
        if dry_run:
            return int(self.db.conn.execute(f"SELECT count(*) FROM outbox WHERE {where}",
                                            (cut, *keep)).fetchone()[0])  # fmt: skip
        with self.db.transaction() as conn:
            return int(conn.execute(f"DELETE FROM outbox WHERE {where}", (cut, *keep)).rowcount)

    def outbox_delivered(self, article_ids: Sequence[str]) -> None:
        with self.db.transaction() as conn:
            conn.executemany("DELETE FROM outbox WHERE article_id = ?", [(i,) for i in article_ids])

    def outbox_attempted(
        self, article_ids: Sequence[str], reason: str, permanent: bool = False
    ) -> None:
        """Another failed delivery of these waiting articles."""
        now = utc_now()
        with self.db.transaction() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt = ?, reason = ?,"
                " permanent = ? WHERE article_id = ?",
                [(now, reason, int(permanent), i) for i in article_ids],
            )

    def outbox_status(self) -> dict[str, Any]:
        """What waits: how many (retryable / refused for good), since when, and why."""
        row = self.db.conn.execute(
            "SELECT COUNT(*), SUM(permanent), MIN(queued_at) FROM outbox"
        ).fetchone()
        reasons = self.db.conn.execute(
            "SELECT reason, COUNT(*) AS n FROM outbox GROUP BY reason ORDER BY n DESC LIMIT 10"
        ).fetchall()
        return {
            "pending": int(row[0]),
            "refused": int(row[1] or 0),
            "oldest": row[2] or "",
            "reasons": [(r["reason"], int(r["n"])) for r in reasons],
        }

    # --- runs ----------------------------------------------------------------------------------

    def close_interrupted(self) -> int:
        """Close the run records a killed crawl left open (call it holding the crawl lock: then
        no run is in progress); how many."""
        with self.db.transaction() as conn:
            return conn.execute(
                "UPDATE runs SET finished_at = ?, status = 'interrupted', finish_reason = "
                "'interrupted: the crawl ended without closing its run (killed?)' "
                "WHERE finished_at = ''", (utc_now(),)).rowcount  # fmt: skip

    def start_run(self) -> int:
        with self.db.transaction() as conn:
            cursor = conn.execute("INSERT INTO runs (started_at) VALUES (?)", (utc_now(),))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, records: Sequence[SourceRun], reason: str) -> None:
        """Close the run record with the outcome of each source."""
        failed = sum(r.status == "failed" for r in records)
        status = "ok" if not failed and reason == "finished" else "partial"
        names = ", ".join(_RUN_FIELDS)
        marks = ", ".join(":" + n for n in _RUN_FIELDS)
        with self.db.transaction() as conn:
            for record in records:
                conn.execute(
                    f"INSERT OR REPLACE INTO run_sources (run_id, {names}) VALUES (:run_id, {marks})",
                    {"run_id": run_id, **asdict(record)},
                )
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, sources = ?, new = ?, updated = ?, "
                "failed_sources = ?, finish_reason = ? WHERE id = ?",
                (utc_now(), status, len(records), sum(r.new for r in records),
                 sum(r.updated for r in records), failed, reason, run_id),
            )  # fmt: skip

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest runs, newest first, each with its per-source records under ``sources``."""
        rows = self.db.conn.execute(
            "SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [dict(r) | {"sources": self.run_sources(r["id"])} for r in rows]

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One run, with its per-source records under ``sources`` (None if there is none)."""
        row = self.db.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return dict(row) | {"sources": self.run_sources(run_id)} if row else None

    def run_sources(self, run_id: int) -> list[SourceRun]:
        rows = self.db.conn.execute(
            "SELECT * FROM run_sources WHERE run_id = ? ORDER BY source_id", (run_id,)
        ).fetchall()
        return [SourceRun(**{k: r[k] for k in _RUN_FIELDS}) for r in rows]
