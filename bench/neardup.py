"""Near-duplicate clusters: quality on bench/data/neardup.jsonl and speed of fingerprint + lookup.

Quality: every text of the set is stored, in a shuffled order (seeded), into a fresh SQLite store
through the real upsert path (fingerprint, LSH lookup, cluster assignment); the cluster ids it
gives are compared with the labelled groups: pairwise precision, recall and F1 (a pair is positive
when both texts are in one group), cluster purity, and how many labelled hard-negative pairs were
wrongly clustered. It also checks that every cluster's id is its earliest member's.

Speed: fingerprints/s over the set's texts, then the time to store N real texts (feed entries of
../shared/corpora/feeds-real, extraction-corpus bodies, topics excerpts) into a store, and the
lookups/s of the set's texts against that store of N articles (candidates by band keys).

    python bench/neardup.py [--data bench/data/neardup.jsonl] [--seed 1] [--store-size N] [-v]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from watch.dedupe import fingerprint, head_key  # noqa: E402
from watch.errors import SourceError  # noqa: E402
from watch.feeds import parse_feed  # noqa: E402
from watch.items import Article  # noqa: E402
from watch.store import open_store  # noqa: E402
from watch.store.clusters import _matching_clusters  # noqa: E402

BATCH = 50  # the store pipeline's default batch


def load(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not JSON ({exc.msg}) — rebuild the set") from None
    return items


def article(item: dict[str, Any], order: int) -> Article:
    return Article(
        id=item["id"], url=item.get("url") or f"https://bench.invalid/{item['id']}",
        canonical_url=item.get("url", ""), source_id=item.get("origin", "").split("#")[0],
        title=item.get("title", ""), text=item["text"], published_at=item.get("published_at", ""),
        fetched_at=f"2026-01-01T00:00:{order % 60:02d}Z",
    )  # fmt: skip


def store_all(data_dir: Path, articles: list[Article]) -> float:
    store = open_store(data_dir)
    start = time.perf_counter()
    for i in range(0, len(articles), BATCH):
        store.articles.upsert(articles[i : i + BATCH])
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def quality(items: list[dict[str, Any]], seed: int, verbose: bool) -> None:
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    articles = [article(items[i], n) for n, i in enumerate(order)]
    with tempfile.TemporaryDirectory() as tmp:
        store_all(Path(tmp), articles)
        store = open_store(tmp)
        stored = {a.id: store.articles.get(a.id) for a in articles}
        store.close()
    cluster = {k: a.cluster_id for k, a in stored.items() if a}
    group = {i["id"]: i["group"] for i in items}
    report_pairs(items, cluster, group, verbose)
    report_heads(stored)


def report_pairs(
    items: list[dict[str, Any]], cluster: dict[str, str], group: dict[str, str], verbose: bool
) -> None:
    tp = fp = fn = 0
    origin = {i["id"]: i["origin"].split("#")[0].split(":")[0] for i in items}
    wrong: Counter[tuple[str, str]] = Counter()
    for a, b in itertools.combinations(sorted(group), 2):
        same, predicted = group[a] == group[b], cluster[a] == cluster[b]
        tp, fp, fn = (
            tp + (same and predicted),
            fp + (predicted and not same),
            fn + (same and not predicted),
        )
        if same != predicted:
            wrong["fp" if predicted else "fn", origin[a]] += 1
            if verbose:
                print(f"  {'FP' if predicted else 'FN'} {a} {b}", file=sys.stderr)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    members: dict[str, list[str]] = defaultdict(list)
    for item_id, cluster_id in cluster.items():
        members[cluster_id].append(group[item_id])
    purity = sum(Counter(g).most_common(1)[0][1] for g in members.values()) / len(cluster)
    negatives = {tuple(sorted((i["id"], n))) for i in items for n in i.get("negatives", [])}
    merged = sum(cluster[a] == cluster[b] for a, b in negatives)
    groups = sum(n > 1 for n in Counter(group.values()).values())
    print(
        f"set: {len(items)} texts, {groups} duplicate groups, {len(negatives)} hard-negative pairs"
    )
    print(f"pairs: {tp + fn} positive; predicted {tp + fp}: tp {tp}, fp {fp}, fn {fn}")
    print(f"pairwise precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"cluster purity {purity:.3f} ({len(members)} clusters)")
    print(f"hard negatives wrongly clustered: {merged} of {len(negatives)}")
    print(
        "wrong pairs by source: " + ", ".join(f"{k} {n} {o}" for (k, o), n in wrong.most_common())
    )


def report_heads(stored: dict[str, Article | None]) -> None:
    members: dict[str, list[Article]] = defaultdict(list)
    for a in stored.values():
        if a:
            members[a.cluster_id].append(a)
    wrong = sum(
        cid != min(ms, key=lambda a: head_key(a.published_at, a.fetched_at, a.id)).id
        for cid, ms in members.items()
    )
    print(f"clusters whose id is not their earliest member: {wrong}")


def corpus_texts(corpora: Path) -> list[str]:
    texts: list[str] = []
    for path in sorted((corpora / "feeds-real").rglob("*")):
        if path.is_file() and path.suffix not in {".md", ".tsv", ".json"}:
            try:
                entries = parse_feed(path.read_bytes(), "https://feeds.invalid/").entries
            except SourceError:
                continue
            texts += [e.content or e.summary for e in entries if e.content or e.summary]
    truth = json.loads((corpora / "extraction/ground-truth.json").read_text("utf-8"))
    texts += [v["articleBody"] for v in truth.values()]
    for name in ("topics-dev", "topics-test"):
        lines = (ROOT / f"bench/data/{name}.jsonl").read_text("utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines]
    return texts


def speed(items: list[dict[str, Any]], corpora: Path, background_size: int) -> None:
    texts = [i["text"] for i in items]
    start = time.perf_counter()
    prints = [fingerprint(i["text"], i.get("title", "")) for i in items]
    elapsed = time.perf_counter() - start
    chars = sum(map(len, texts)) / len(texts)
    print(f"fingerprint: {len(texts) / elapsed:,.0f} texts/s (mean {chars:,.0f} chars)")
    background = corpus_texts(corpora)[:background_size]
    articles = [
        Article(id=f"bg-{n}", url=f"https://bench.invalid/bg/{n}", text=t,
                fetched_at="2026-01-01T00:00:00Z")
        for n, t in enumerate(background)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        elapsed = store_all(Path(tmp), articles)
        print(f"store with clustering: {len(articles)} articles in {elapsed:.2f} s "
              f"({len(articles) / elapsed:,.0f} articles/s, batches of {BATCH})")  # fmt: skip
        store = open_store(tmp)
        conn = store.db.conn
        start = time.perf_counter()
        found = sum(bool(_matching_clusters(conn, -1, p)) for p in prints if p)
        elapsed = time.perf_counter() - start
        n = sum(p is not None for p in prints)
        print(f"lookup against a store of {len(articles)}: {n / elapsed:,.0f} lookups/s "
              f"({found} of {n} set texts matched: the store holds the corpora they come from)")  # fmt: skip
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench/data/neardup.jsonl")
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared/corpora")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--store-size", type=int, default=10**9, help="at most this many texts in the store (all)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list the wrong pairs")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"{args.data}: no such file — run scripts/build_neardup.py", file=sys.stderr)
        return 2
    items = load(args.data)
    quality(items, args.seed, args.verbose)
    speed(items, args.corpora, args.store_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
