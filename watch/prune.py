"""``llwatch prune --older-than 5y``: optional retention, on the embedded store or the
Elasticsearch index.

Articles dated before the cut are deleted, in batches (a crawl writing meanwhile waits a moment,
never long), except those an editor pinned: a pinned pick is never touched. Their search index,
tags, facts and near-duplicate fingerprints go with them (the store's triggers). The crawl state
keeps the feed entries it has seen, so a pruned article is not collected again as new. The file
keeps its size (SQLite reuses the pages); ``VACUUM`` returns them to the disk.

On Elasticsearch (WATCH_ES_URL), one ``_delete_by_query`` task deletes the documents dated
before the cut but the pinned ones (the picks live in this server's data dir: prune from the
server where editors pin), and the articles still waiting in this server's outbox for the
index that are as old are dropped too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from watch.config import WatchConfig
from watch.crawl import crawl_lock
from watch.errors import ConfigError
from watch.store import open_store
from watch.store.columns import trim_changes

__all__ = ["Pruned", "parse_age", "prune", "prune_index"]

_AGE = re.compile(r"\s*(\d+)\s*(y|mo|w|d)\s*", re.IGNORECASE)
_DAYS = {"y": 365.25, "mo": 30.44, "w": 7, "d": 1}
_BATCH = 2000


def parse_age(text: str) -> timedelta:
    """``5y``, ``18mo``, ``12w``, ``90d`` (at least one day)."""
    match = _AGE.fullmatch(text)
    if not match or int(match[1]) < 1:
        raise ConfigError(f"--older-than {text!r}: write a number and a unit: y (years), mo "
                          "(months), w (weeks) or d (days), e.g. 5y or 18mo")  # fmt: skip
    return timedelta(days=round(int(match[1]) * _DAYS[match[2].lower()]))


@dataclass
class Pruned:
    cut: str  # articles dated before this were deleted
    deleted: int
    kept_pinned: int
    outbox: int = 0  # articles as old dropped from the outbox (Elasticsearch)


def _cut(age: timedelta, now: datetime | None) -> str:
    return ((now or datetime.now(UTC)) - age).strftime("%Y-%m-%dT%H:%M:%SZ")


def prune(data_dir: Path, age: timedelta, *, dry_run: bool = False,
          now: datetime | None = None) -> Pruned:  # fmt: skip
    """Delete the articles dated before now - ``age``, pinned ones kept. Holds the crawl lock."""
    cut = _cut(age, now)
    old = ("FROM articles WHERE date != '' AND date < ? AND id NOT IN "
           "(SELECT article_id FROM picks WHERE action = 'pin')")  # fmt: skip
    pinned_old = ("SELECT count(*) FROM articles WHERE date != '' AND date < ? AND id IN "
                  "(SELECT article_id FROM picks WHERE action = 'pin')")  # fmt: skip
    with crawl_lock(data_dir):
        store = open_store(data_dir)
        try:
            conn = store.db.conn
            kept = int(conn.execute(pinned_old, (cut,)).fetchone()[0])
            if dry_run:
                return Pruned(cut, int(conn.execute(f"SELECT count(*) {old}", (cut,))
                                       .fetchone()[0]), kept)  # fmt: skip
            deleted = 0
            while True:
                with store.db.transaction() as tx:
                    done = tx.execute(f"DELETE FROM articles WHERE rowid IN (SELECT rowid {old} "
                                      "LIMIT ?)", (cut, _BATCH)).rowcount  # fmt: skip
                    trim_changes(tx)
                deleted += done
                if done < _BATCH:
                    return Pruned(cut, deleted, kept)
        finally:
            store.close()


def prune_index(config: WatchConfig, age: timedelta, *, dry_run: bool = False,
                now: datetime | None = None, poll: float = 2.0) -> Pruned:  # fmt: skip
    """The same on the Elasticsearch index of ``config`` (pinned articles of this data dir
    kept), and this server's outbox. Holds the crawl lock of the data dir."""
    from watch.store.elastic import ElasticArticleStore
    from watch.store.elastic_client import check_cluster

    cut = _cut(age, now)
    with crawl_lock(config.data_dir):
        store = open_store(config.data_dir, config=config)
        try:
            index = cast(ElasticArticleStore, store.articles)  # config.es_url is set
            check_cluster(index.client, config)
            pinned = [row[0] for row in store.db.conn.execute(
                "SELECT DISTINCT article_id FROM picks WHERE action = 'pin' ORDER BY 1")]  # fmt: skip
            deleted, kept = index.delete_before(cut, pinned, dry_run=dry_run, poll=poll)
            waiting = store.state.outbox_drop_before(cut, pinned, dry_run=dry_run)
            return Pruned(cut, deleted, kept, waiting)
        finally:
            store.close()
