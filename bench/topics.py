"""Topics and relevance benchmark: precision / recall / F1 on the labelled dev set, and speed.

The dev set (``bench/data/topics-dev.jsonl``, see its README) holds excerpts of real published
text, each labelled by a person with its topics and whether it is relevant to lifelong learning,
with hard negatives (sports training, machine learning, finance, university hospitals...). Each
item is analysed as the crawl would (its language given as the source's declared language), and
the script prints per-topic precision/recall/F1, micro-averaged topic F1, relevance P/R/F1 at the
threshold, then the speed of the whole understanding step (language + topics + countries +
relevance) on one core for 4,000-character articles.

    python bench/topics.py [--dev FILE] [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from watch.relevance import DEFAULT_THRESHOLD  # noqa: E402
from watch.understand import Analyzer  # noqa: E402

DEV = ROOT / "bench" / "data" / "topics-dev.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return (
        precision,
        recall,
        (2 * precision * recall / (precision + recall) if precision + recall else 0.0),
    )


def evaluate(
    analyzer: Analyzer, items: list[dict[str, Any]]
) -> tuple[dict[str, Counter[str]], Counter[str]]:
    per_topic: dict[str, Counter[str]] = {t: Counter() for t in analyzer.taxonomy.ids}
    rel: Counter[str] = Counter()
    for item in items:
        found = analyzer.analyze(item["title"], item["text"], hints=[item["language"]])
        got, want = {t.id for t in found.topics}, set(item["topics"])
        for topic in per_topic:
            key = {(True, True): "tp", (True, False): "fp", (False, True): "fn"}.get(
                (topic in got, topic in want)
            )
            if key:
                per_topic[topic][key] += 1
        key = {(True, True): "tp", (True, False): "fp", (False, True): "fn"}.get(
            (found.relevant, item["relevant"])
        )
        if key:
            rel[key] += 1
    return per_topic, rel


def speed(analyzer: Analyzer, items: list[dict[str, Any]], seconds: float = 5.0) -> float:
    """Articles per second for 4,000-character articles (dev texts repeated to that length)."""
    texts = [
        ((item["text"] + " ") * (4000 // max(len(item["text"]), 1) + 1))[:4000] for item in items
    ]
    for text in texts[:20]:  # warm-up: every language's pipeline built
        analyzer.analyze("", text)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        item = items[done % len(items)]
        analyzer.analyze(item["title"], texts[done % len(texts)], hints=[item["language"]])
        done += 1
    return done / (time.perf_counter() - started)


def report(per_topic: dict[str, Counter[str]], rel: Counter[str]) -> None:
    print(f"{'topic':<26} {'P':>5} {'R':>5} {'F1':>5}   tp  fp  fn")
    total: Counter[str] = Counter()
    for topic, counts in per_topic.items():
        p, r, f = f1(counts["tp"], counts["fp"], counts["fn"])
        total.update(counts)
        print(
            f"{topic:<26} {p:5.2f} {r:5.2f} {f:5.2f} {counts['tp']:4} {counts['fp']:3} {counts['fn']:3}"
        )
    p, r, f = f1(total["tp"], total["fp"], total["fn"])
    print(
        f"{'topics, micro':<26} {p:5.2f} {r:5.2f} {f:5.2f} {total['tp']:4} {total['fp']:3} {total['fn']:3}"
    )
    p, r, f = f1(rel["tp"], rel["fp"], rel["fn"])
    print(f"{'relevance':<26} {p:5.2f} {r:5.2f} {f:5.2f} {rel['tp']:4} {rel['fp']:3} {rel['fn']:3}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long the speed test runs")
    args = parser.parse_args(argv)
    items = load(args.dev)
    analyzer = Analyzer(threshold=args.threshold)
    languages = Counter(item["language"] for item in items)
    print(
        f"{args.dev.name}: {len(items)} items, {sum(i['relevant'] for i in items)} relevant; {dict(languages)}"
    )
    report(*evaluate(analyzer, items))
    print(
        f"understanding: {speed(analyzer, items, args.seconds):.0f} articles/s on one core (4,000 characters)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
