"""The SQLite schema of the embedded store, as numbered migrations (``PRAGMA user_version``).

A migration is appended, never edited: a store at version N gets migrations N+1.. applied in order,
each in its own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from watch.store import clusters

__all__ = ["MIGRATIONS", "Migration"]

#: SQL run as one script, or a function given the connection (inside the migration transaction).
Migration = str | Callable[[sqlite3.Connection], None]

_V1 = """
CREATE TABLE articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    source_id TEXT NOT NULL,
    source_name TEXT NOT NULL DEFAULT '',
    source_country TEXT NOT NULL DEFAULT '',
    source_org_type TEXT NOT NULL DEFAULT '',
    feed_url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    published_at TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'und',
    language_confidence REAL NOT NULL DEFAULT 0,
    topics TEXT NOT NULL DEFAULT '[]',
    countries TEXT NOT NULL DEFAULT '[]',
    relevance REAL,
    simhash TEXT NOT NULL DEFAULT '',
    cluster_id TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    extraction TEXT NOT NULL DEFAULT '',
    extraction_note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX articles_source ON articles(source_id, date);
CREATE INDEX articles_language ON articles(language, date);
CREATE INDEX articles_country ON articles(source_country, date);
CREATE INDEX articles_date ON articles(date);
CREATE INDEX articles_content_hash ON articles(content_hash) WHERE content_hash != '';
CREATE INDEX articles_canonical ON articles(canonical_url);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, text,
    content='articles', content_rowid='rowid',
    tokenize="unicode61 remove_diacritics 2"
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, summary, text)
    VALUES (new.rowid, new.title, new.summary, new.text);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, summary, text)
    VALUES ('delete', old.rowid, old.title, old.summary, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, summary, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, summary, text)
    VALUES ('delete', old.rowid, old.title, old.summary, old.text);
    INSERT INTO articles_fts(rowid, title, summary, text)
    VALUES (new.rowid, new.title, new.summary, new.text);
END;

CREATE TABLE source_state (
    source_id TEXT PRIMARY KEY,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    body_hash TEXT NOT NULL DEFAULT '',
    last_attempt TEXT NOT NULL DEFAULT '',
    last_success TEXT NOT NULL DEFAULT '',
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);

CREATE TABLE entries (
    source_id TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    article_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (source_id, entry_key)
) WITHOUT ROWID;

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'running',
    sources INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    failed_sources INTEGER NOT NULL DEFAULT 0,
    finish_reason TEXT NOT NULL DEFAULT ''
);

CREATE TABLE run_sources (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    source_id TEXT NOT NULL,
    status TEXT NOT NULL,
    entries INTEGER NOT NULL DEFAULT 0,
    fetched INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    fallback INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    duration REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, source_id)
);
"""

# v2: topics and mentioned countries as indexed rows (filters and facets), derived from the
# JSON columns by triggers so they can never drift from the article.
_V2 = """
CREATE TABLE article_topics (
    article INTEGER NOT NULL,
    topic TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (topic, article)
) WITHOUT ROWID;
CREATE INDEX article_topics_article ON article_topics(article);
CREATE TABLE article_countries (
    article INTEGER NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (code, article)
) WITHOUT ROWID;
CREATE INDEX article_countries_article ON article_countries(article);

CREATE TRIGGER articles_tags_ai AFTER INSERT ON articles BEGIN
    INSERT OR IGNORE INTO article_topics(article, topic, score)
        SELECT new.rowid, json_extract(t.value, '$.id'), json_extract(t.value, '$.score')
        FROM json_each(new.topics) t;
    INSERT OR IGNORE INTO article_countries(article, code)
        SELECT new.rowid, c.value FROM json_each(new.countries) c;
END;
CREATE TRIGGER articles_tags_au AFTER UPDATE OF topics, countries ON articles BEGIN
    DELETE FROM article_topics WHERE article = old.rowid;
    DELETE FROM article_countries WHERE article = old.rowid;
    INSERT OR IGNORE INTO article_topics(article, topic, score)
        SELECT new.rowid, json_extract(t.value, '$.id'), json_extract(t.value, '$.score')
        FROM json_each(new.topics) t;
    INSERT OR IGNORE INTO article_countries(article, code)
        SELECT new.rowid, c.value FROM json_each(new.countries) c;
END;
CREATE TRIGGER articles_tags_ad AFTER DELETE ON articles BEGIN
    DELETE FROM article_topics WHERE article = old.rowid;
    DELETE FROM article_countries WHERE article = old.rowid;
END;

INSERT OR IGNORE INTO article_topics(article, topic, score)
    SELECT a.rowid, json_extract(t.value, '$.id'), json_extract(t.value, '$.score')
    FROM articles a, json_each(a.topics) t;
INSERT OR IGNORE INTO article_countries(article, code)
    SELECT a.rowid, c.value FROM articles a, json_each(a.countries) c;
CREATE INDEX articles_relevance ON articles(relevance);
ALTER TABLE run_sources ADD COLUMN not_relevant INTEGER NOT NULL DEFAULT 0;
"""

# v3: source health — graded failure score, last change, unchanged polls, adapted interval.
_V3 = """
ALTER TABLE source_state ADD COLUMN failure_score REAL NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN last_changed TEXT NOT NULL DEFAULT '';
ALTER TABLE source_state ADD COLUMN unchanged_polls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_state ADD COLUMN interval INTEGER NOT NULL DEFAULT 0;
UPDATE source_state SET failure_score = consecutive_failures;
"""

# v4: near-duplicate clusters. MinHash signatures and LSH band keys (indexed) beside the articles,
# cluster_id indexed; every stored article is then fingerprinted and clustered, earliest first
# (see watch.store.clusters), so an old store opens with its reposts already grouped.
_V4 = """
CREATE TABLE article_minhash (
    article INTEGER PRIMARY KEY,
    text_sig BLOB NOT NULL,
    lead_sig BLOB NOT NULL,
    size INTEGER NOT NULL,
    numbers BLOB NOT NULL,
    names BLOB NOT NULL,
    key_names BLOB NOT NULL
);
CREATE TABLE article_bands (
    key INTEGER NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (key, article)
) WITHOUT ROWID;
CREATE INDEX article_bands_article ON article_bands(article);
CREATE TRIGGER articles_clusters_ad AFTER DELETE ON articles BEGIN
    DELETE FROM article_bands WHERE article = old.rowid;
    DELETE FROM article_minhash WHERE article = old.rowid;
END;
UPDATE articles SET cluster_id = id;
CREATE INDEX articles_cluster ON articles(cluster_id);
"""


def _v4(conn: sqlite3.Connection) -> None:
    for statement in statements(_V4):
        conn.execute(statement)
    clusters.backfill(conn)


def statements(script: str) -> list[str]:
    """Split a migration script into statements (trigger bodies kept whole)."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    return [s for s in out if s]


# v5: the outbox — articles waiting for an external index (Elasticsearch) that could not take
# them yet: the newest version of each article once (keyed by id), with why and how often it failed.
_V5 = """
CREATE TABLE outbox (
    article_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    permanent INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    queued_at TEXT NOT NULL,
    last_attempt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_queued ON outbox(queued_at);
"""

# v6: the editors' picks — pins (for one ISO week), drops and one-line notes (everywhere), with
# the article's source, title and date as they were, so lists and ranking feedback need no index.
_V6 = """
CREATE TABLE picks (
    article_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('pin', 'drop', 'note')),
    week TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    source_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    article_date TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    PRIMARY KEY (article_id, action, week)
);
CREATE INDEX picks_week ON picks(week);
CREATE INDEX picks_source ON picks(source_id, action, at);
"""

# v7: article_facts — the short columns that facets and trends count (language, source, source
# country, date), one narrow row per article, kept by triggers. Counting them in ``articles``
# reads each wide row, body text and all (language and date are stored after the text).
_V7 = """
CREATE TABLE article_facts (
    article INTEGER PRIMARY KEY,
    language TEXT NOT NULL,
    source_id TEXT NOT NULL,
    source_country TEXT NOT NULL,
    date TEXT NOT NULL
);
INSERT INTO article_facts(article, language, source_id, source_country, date)
    SELECT rowid, language, source_id, source_country, date FROM articles;
CREATE INDEX article_facts_date ON article_facts(date);
CREATE INDEX article_facts_language ON article_facts(language, date);
CREATE INDEX article_facts_source ON article_facts(source_id, date);
CREATE INDEX article_facts_country ON article_facts(source_country, date);
CREATE TRIGGER articles_facts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO article_facts(article, language, source_id, source_country, date)
    VALUES (new.rowid, new.language, new.source_id, new.source_country, new.date);
END;
CREATE TRIGGER articles_facts_au AFTER UPDATE OF language, source_id, source_country, date
ON articles BEGIN
    UPDATE article_facts SET language = new.language, source_id = new.source_id,
        source_country = new.source_country, date = new.date WHERE article = old.rowid;
END;
CREATE TRIGGER articles_facts_ad AFTER DELETE ON articles BEGIN
    DELETE FROM article_facts WHERE article = old.rowid;
END;
"""

# v8: article_changes — the rowids whose facts (those of article_facts, topics, countries) changed,
# in order, so a long-lived reader's in-memory columns (watch.store.columns) apply only what is
# new. AUTOINCREMENT: numbers are never reused, even after the writer trims the log.
_V8 = """
CREATE TABLE article_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    article INTEGER NOT NULL
);
CREATE TRIGGER articles_changes_ai AFTER INSERT ON articles BEGIN
    INSERT INTO article_changes(article) VALUES (new.rowid);
END;
CREATE TRIGGER articles_changes_au AFTER UPDATE OF language, source_id, source_country, date,
    topics, countries ON articles BEGIN
    INSERT INTO article_changes(article) VALUES (old.rowid);
END;
CREATE TRIGGER articles_changes_ad AFTER DELETE ON articles BEGIN
    INSERT INTO article_changes(article) VALUES (old.rowid);
END;
"""

# v9: alerts — the problems `llwatch alerts --mail` has mailed (one row per problem, with the
# state it was in), so each is mailed once until it changes; gone when the problem is.
_V9 = """
CREATE TABLE alerts (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    mailed_at TEXT NOT NULL
);
"""

#: MIGRATIONS[i] brings the store from version i to i + 1.
MIGRATIONS: tuple[Migration, ...] = (_V1, _V2, _V3, _v4, _V5, _V6, _V7, _V8, _V9)
