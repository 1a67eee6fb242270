"""Near-duplicate clusters in the store, on real SQLite files: assignment, head change, migration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.test_dedupe import excerpt
from tests.test_store import make
from watch.items import Article
from watch.query import parse
from watch.store import open_store
from watch.store.schema import MIGRATIONS, statements


def story(n: int, source: str = "dev-001", **fields: object) -> Article:
    """Article ``n`` carrying a real excerpt (``edit`` makes a lightly edited repost of it)."""
    text = excerpt(source)
    if fields.pop("edit", False):
        text = text.replace("government", "State government", 1) + " (Reposted with permission.)"
    return make(n, text=text, **fields)


def clusters(data_dir: Path) -> dict[str, str]:
    s = open_store(data_dir)
    try:
        return {a.id: a.cluster_id for a in s.articles.iter_articles(None)}
    finally:
        s.close()


def test_repost_joins_the_cluster_of_the_earlier_article(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    first = story(1, published_at="2026-01-01T08:00:00Z")
    repost = story(2, edit=True, published_at="2026-01-03T08:00:00Z", source_id="other")
    other = story(3, source="dev-003", published_at="2026-01-02T08:00:00Z")
    assert s.articles.upsert([first, repost, other]) == ["new", "new", "new"]
    assert (first.cluster_id, repost.cluster_id, other.cluster_id) == ("id001", "id001", "id003")
    s.close()
    assert clusters(tmp_path) == {"id001": "id001", "id002": "id001", "id003": "id003"}


def test_earlier_article_arriving_later_becomes_the_head(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.articles.upsert([story(5, published_at="2026-01-05T00:00:00Z")])
    s.articles.upsert([story(6, edit=True, published_at="2026-01-06T00:00:00Z")])
    assert clusters(tmp_path) == {"id005": "id005", "id006": "id005"}
    s.articles.upsert([story(7, edit=True, published_at="2026-01-01T00:00:00Z")])
    assert clusters(tmp_path) == {"id005": "id007", "id006": "id007", "id007": "id007"}
    s.close()


def test_unknown_date_never_heads_a_dated_cluster(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.articles.upsert([story(1, published_at="", fetched_at="2026-01-01T00:00:00Z")])
    s.articles.upsert([story(2, edit=True, published_at="2026-03-01T00:00:00Z")])
    assert clusters(tmp_path) == {"id001": "id002", "id002": "id002"}
    s.close()


def test_article_bridging_two_clusters_merges_them(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    one, two, three = (excerpt(f"dev-00{n}") for n in (1, 2, 3))
    # A = 1+2 and B = 2+3 share a third (not similar); C = 1+2+3 is similar to both
    s.articles.upsert([make(1, text=f"{one}\n\n{two}"), make(3, text=f"{two}\n\n{three}")])
    assert len(set(clusters(tmp_path).values())) == 2
    s.articles.upsert([make(9, text=f"{one}\n\n{two}\n\n{three}")])
    assert set(clusters(tmp_path).values()) == {"id001"}  # id001 (Jan 2) is the earliest
    s.close()


def test_short_texts_are_their_own_cluster(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.articles.upsert([make(1, text="Adult literacy week"), make(2, text="Adult literacy week!")])
    assert clusters(tmp_path) == {"id001": "id001", "id002": "id002"}
    assert s.db.conn.execute("SELECT count(*) FROM article_bands").fetchone()[0] == 0
    s.close()


def test_recrawl_keeps_the_cluster_and_a_changed_text_is_fingerprinted_again(
    tmp_path: Path,
) -> None:
    s = open_store(tmp_path)
    s.articles.upsert([story(1), story(2, edit=True)])
    again = story(2, edit=True)
    assert s.articles.upsert([again]) == ["unchanged"]
    assert again.cluster_id == "id001"
    s.articles.upsert([story(3, source="dev-003")])
    s.articles.upsert([story(3, edit=True)])  # its page now carries the dev-001 story
    assert clusters(tmp_path)["id003"] == "id001"
    s.close()


def test_candidates_come_from_the_band_index(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    plan = s.db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT DISTINCT article FROM article_bands WHERE key IN (1, 2, 3)"
    ).fetchall()
    assert any("USING PRIMARY KEY" in row[-1] or "USING INDEX" in row[-1] for row in plan), plan
    s.close()


def test_search_gives_cluster_id_and_size(tmp_path: Path) -> None:
    s = open_store(tmp_path)
    s.articles.upsert([story(1), story(2, edit=True), story(3, source="dev-003")])
    hits = {h.article.id: h for h in s.articles.search(parse("Tamil"), limit=10).hits}
    assert {k: (h.article.cluster_id, h.cluster_size) for k, h in hits.items()} == {
        "id001": ("id001", 2),
        "id002": ("id001", 2),
    }
    s.close()


def test_store_of_schema_v2_is_migrated_and_clustered(tmp_path: Path) -> None:
    path = tmp_path / "watch.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        assert isinstance(script, str)
        for statement in statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    rows = [
        ("old1", excerpt("dev-001"), "2026-01-04T00:00:00Z"),
        ("old2", story(0, edit=True).text, "2026-01-02T00:00:00Z"),
        ("old3", excerpt("dev-003"), "2026-01-01T00:00:00Z"),
    ]
    for article_id, text, date in rows:
        conn.execute(
            "INSERT INTO articles(id, url, canonical_url, source_id, text, published_at, topics) "
            "VALUES (?, ?, ?, 'src', ?, ?, ?)",
            (article_id, f"https://x.example/{article_id}", "", text, date, json.dumps([])),
        )
    conn.commit()
    conn.close()
    s = open_store(tmp_path)
    assert s.db.schema_version == len(MIGRATIONS)
    assert s.db.conn.execute("SELECT count(*) FROM article_minhash").fetchone()[0] == 3
    s.close()
    assert clusters(tmp_path) == {"old1": "old2", "old2": "old2", "old3": "old3"}
