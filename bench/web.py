"""The web API's latency on a large store, and the export's memory.

It builds a SQLite store of N generated articles (default 1,000,000; titles, summaries and
300-word texts drawn from a Zipf-distributed vocabulary of lifelong-learning words and filler, in
6 languages, 200 sources, 20 years, topics and countries), written straight into the articles
table in large transactions (the FTS index and the tag tables follow by the store's own
triggers; near-duplicate clustering is skipped: it does not change search), then asks the app
in-process (Starlette's client: routing, query parsing, the store, JSON) for:

- ``/api/search`` on typical queries (a word, two words, a phrase, a prefix, a field filter,
  a word with filters), first page, relevance and date order: p50 / p95 / max;
- the same with ``facets=true`` plus ``/api/trends`` of the query (what the page shows);
- the ``/coverage`` page over every article (193 countries counted two ways: its facets);
- ``/api/export`` of 100,000 rows, streamed: rows/s and the process's RSS before and after
  (the growth stays flat when the export streams).

Figures are printed, never judged (the issue asks p95 ≤ 50 ms and ≤ 200 ms with facets and the
trend, on 1,000,000 articles). Beside the relevance figure, the floor under it: SQLite FTS5's own
bm25 ranking of each query's words, alone. ``--keep DIR`` keeps (and reuses) the store.

    python bench/web.py                                   # 1,000,000 articles (~15 min to build)
    python bench/web.py --articles 20000 --rounds 2       # a quick check
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from watch.config import WatchConfig  # noqa: E402
from watch.store import open_store  # noqa: E402
from watch.taxonomy import default_taxonomy  # noqa: E402

KEYWORDS = ["literacy", "adult", "education", "learning", "training", "vocational", "skills", "apprenticeship", "community", "centre", "teachers", "women", "rural", "digital", "library", "university", "workers", "migrants", "recognition", "certificate", "policy", "funding", "city", "lifelong"]  # fmt: skip
LANGUAGES = ("en", "en", "en", "fr", "fr", "es", "es", "ar", "pt", "de")
COUNTRIES = [
    "SN",
    "KE",
    "NG",
    "ZA",
    "MA",
    "EG",
    "JO",
    "IN",
    "PH",
    "CN",
    "JP",
    "FR",
    "DE",
    "US",
    "CA",
    "GB",
    "BR",
    "MX",
    "CO",
    "AR",
]
QUERIES = ["literacy", "adult education", '"lifelong learning"', "apprentice*",
           "lang:fr", "topic:literacy", "literacy country:SN", "digital skills lang:es",
           "training -football", "women rural since:2020"]  # fmt: skip


def _vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    """Filler words, with the topic words at Zipf ranks 40 to 800 (frequent, not ubiquitous:
    in a few percent of the articles, as in real news)."""
    words = ["".join(rng.choice("abcdefghijklmnoprstuvy") for _ in range(rng.randint(3, 9)))
             for _ in range(size)]  # fmt: skip
    for keyword in KEYWORDS:
        words.insert(rng.randint(40, 800), keyword)
    return words


def build(data_dir: Path, n: int, seed: int) -> float:
    """N articles straight into the store's tables; returns the seconds it took."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    weights = [1 / (i + 1) ** 1.05 for i in range(len(words))]  # Zipf
    topics = [t.id for t in default_taxonomy().topics]
    store = open_store(data_dir)
    conn = store.db.conn
    start = time.perf_counter()
    sql = ("INSERT INTO articles (id, url, canonical_url, source_id, source_name, source_country, "
           "source_org_type, feed_url, title, summary, text, authors, published_at, fetched_at, "
           "date, language, language_confidence, topics, countries, relevance, simhash, "
           "cluster_id, content_hash, extraction, extraction_note, updated_at) VALUES "
           "(?, ?, ?, ?, ?, ?, 'media', '', ?, ?, ?, '[]', ?, ?, ?, ?, 0.9, ?, ?, ?, '', ?, "
           "'', 'page', '', ?)")  # fmt: skip
    batch = []
    for i in range(n):
        text = " ".join(rng.choices(words, weights, k=300))
        url = f"https://s{i % 200}.example.org/{i}"
        article_id = hashlib.sha256(url.encode()).hexdigest()[:32]
        day = f"{2006 + i * 20 // n:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        stamp = f"{day}T{rng.randint(0, 23):02d}:00:00Z"
        tags = json.dumps([{"id": t, "score": 0.8, "terms": []}
                           for t in rng.sample(topics, rng.randint(0, 2))])  # fmt: skip
        places = json.dumps(rng.sample(COUNTRIES, rng.randint(0, 2)))
        batch.append((article_id, url, url, f"src-{i % 200}", f"Source {i % 200}",
                      COUNTRIES[i % len(COUNTRIES)], " ".join(text.split()[:8]).title(),
                      text[:240], text, stamp, stamp, stamp, rng.choice(LANGUAGES), tags, places,
                      round(rng.random(), 3), article_id, stamp))  # fmt: skip
        if len(batch) == 20_000:
            with store.db.transaction() as tx:
                tx.executemany(sql, batch)
            batch = []
            print(f"\r  {i + 1:,} articles", end="", file=sys.stderr, flush=True)
    if batch:
        with store.db.transaction() as tx:
            tx.executemany(sql, batch)
    conn.execute("ANALYZE")
    store.close()
    print(file=sys.stderr)
    return time.perf_counter() - start


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(client: object, path: str, params: dict[str, str]) -> float:
    start = time.perf_counter()
    response = client.get(path, params=params)  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (path, params, response.text[:200])
    return elapsed


def _floor(data_dir: Path, rounds: int) -> list[float]:
    """What SQLite's FTS5 alone takes to rank the text of each query (its bm25 over every
    match, the best 20 kept): no app, no filter, no page. The ranking cannot go below it."""
    import sqlite3

    from watch.query import parse
    from watch.store.fts import compile_query
    from watch.store.sqlite import BM25_WEIGHTS

    conn = sqlite3.connect(f"{(data_dir / 'watch.sqlite3').resolve().as_uri()}?mode=ro", uri=True)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (f"SELECT rowid, bm25(articles_fts, {weights}) AS s FROM articles_fts "
           "WHERE articles_fts MATCH ? ORDER BY s LIMIT 20")  # fmt: skip
    matches = [m for q in QUERIES if (m := compile_query(parse(q)).match)]
    times = []
    for _ in range(rounds):
        for match in matches:
            start = time.perf_counter()
            conn.execute(sql, [match]).fetchall()
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def _report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"{label}: p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
          f"max {ordered[-1]:.1f} ms ({len(ordered)} requests)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="times each query is asked")
    parser.add_argument("--export", type=int, default=100_000, help="rows to export")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the store here")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from watch.web import create_app

    with tempfile.TemporaryDirectory(prefix="llwatch-bench-web-") as tmp:
        data_dir = args.keep or Path(tmp)
        if not (data_dir / "watch.sqlite3").exists():
            seconds = build(data_dir, args.articles, args.seed)
            print(f"store: {args.articles:,} articles written in {seconds:.0f}s")
        open_store(data_dir).close()  # a kept store of an older llwatch: migrated
        config = WatchConfig.load(
            {"WATCH_DATA_DIR": str(data_dir), "WATCH_SOURCES": "/nonexistent"}, env={}
        )
        start = time.perf_counter()
        with TestClient(create_app(config)) as client:
            print(f"app ready (columns loaded) in {time.perf_counter() - start:.1f}s")
            total = client.get("/api/search", params={"size": 1}).json()["total"]
            print(f"store: {total:,} articles; queries: {', '.join(QUERIES)}")
            for q in QUERIES:  # warm the page cache once
                _timed(client, "/api/search", {"q": q})
            plain, dated, page = [], [], []
            for _ in range(args.rounds):  # one kind of request over all the queries at a time:
                for q in QUERIES:  # no request follows one of the same query and kind
                    plain.append(_timed(client, "/api/search", {"q": q}))
                for q in QUERIES:
                    dated.append(_timed(client, "/api/search", {"q": q, "sort": "date"}))
                for q in QUERIES:  # what the page asks: results with facets, then the trend
                    page.append(_timed(client, "/api/search", {"q": q, "facets": "true"})
                                + _timed(client, "/api/trends", {"q": q}))  # fmt: skip
            _report("/api/search, relevance", plain)
            _report(
                "  of which the floor: FTS5's own bm25 top 20, SQL alone",
                _floor(data_dir, args.rounds),
            )
            _report("/api/search, by date", dated)
            _report("/api/search with facets + /api/trends", page)
            coverage = [_timed(client, "/coverage", {"since": "2000-01-01"})
                        for _ in range(args.rounds)]  # fmt: skip
            _report("/coverage page, every article since 2000 (193 countries)", coverage)
            before = _rss_mb()
            start = time.perf_counter()
            rows = 0
            with client.stream("GET", "/api/export", params={"format": "jsonl"}) as response:
                for _line in response.iter_lines():
                    rows += 1
                    if rows >= args.export:
                        break
            seconds = time.perf_counter() - start
            print(f"/api/export: {rows:,} rows in {seconds:.1f}s ({rows / seconds:,.0f} rows/s); "
                  f"RSS {before:.0f} MB before, {_rss_mb():.0f} MB after")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
