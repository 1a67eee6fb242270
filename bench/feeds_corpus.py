"""Feed corpora benchmark: every file of feeds-wild and feeds-real through ``parse_feed``.

Walks ``../shared/corpora/feeds-wild`` (2,123 feedparser edge cases) and ``feeds-real`` (184
real feeds) with the checks of ``tests/test_feeds_corpus.py`` and prints, per corpus: files,
files that parsed right, entries parsed, parse failures (SourceError) the corpus expects, files
known to differ (the test's reasoned xfail list), files that are wrong, crashes (any other
exception), and the speed (files/s, MB/s, the slowest file). Exits 1 when a file is wrong or
crashed; timings are printed, never judged.

    python bench/feeds_corpus.py [--corpora PATH] [--repeat 3] [--limit N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, help="folder holding feeds-wild and feeds-real")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (the best is shown)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many files per corpus")
    return parser.parse_args()


def _outcome(case: Any, check_case: Any, xfail: dict[str, str]) -> tuple[str, int]:
    """("ok" | "failure" | "known" | "wrong" | "crash", entries) for one file."""
    try:
        feed = check_case(case)
    except AssertionError:
        return ("known" if case.id in xfail else "wrong"), 0
    except Exception:  # a crash is what this counts
        return "crash", 0
    if feed is None:
        return "failure", 0
    return ("wrong" if case.id in xfail else "ok"), len(feed.entries)  # an xfail that passes


def _timed_pass(cases: list[Any], parse_case: Any) -> tuple[float, float, str]:
    """Seconds for one pass of parse_feed over ``cases``, and the slowest file."""
    slowest, slowest_id, started = 0.0, "", time.perf_counter()
    for case in cases:
        begin = time.perf_counter()
        with contextlib.suppress(Exception):  # outcomes are counted by _outcome; this only times
            parse_case(case)
        took = time.perf_counter() - begin
        if took > slowest:
            slowest, slowest_id = took, case.id
    return time.perf_counter() - started, slowest, slowest_id


def _report(name: str, cases: list[Any], mod: Any, repeat: int) -> int:
    counts: Counter[str] = Counter()
    problems = []
    for case in cases:
        outcome, entries = _outcome(case, mod.check_case, mod.XFAIL)
        counts[outcome] += 1
        counts["entries"] += entries
        if outcome in ("wrong", "crash"):
            problems.append(f"  {outcome}: {case.id}")
    size = sum(case.path.stat().st_size for case in cases)
    best = min(_timed_pass(cases, mod.parse_case) for _ in range(max(1, repeat)))
    seconds, slowest, slowest_id = best
    print(
        f"{name}: {len(cases)} files, {counts['ok']} right, {counts['entries']} entries parsed, "
        f"{counts['failure']} expected parse failures, {counts['known']} known (xfail), "
        f"{counts['wrong']} wrong, {counts['crash']} crashes"
    )
    print(
        f"  {seconds:.2f} s, {len(cases) / seconds:.0f} files/s, {size / seconds / 1e6:.2f} MB/s "
        f"({size / 1e6:.1f} MB); slowest {slowest * 1000:.0f} ms: {slowest_id}"
    )
    for line in problems:
        print(line)
    return counts["wrong"] + counts["crash"]


def main() -> int:
    args = _arguments()
    if args.corpora:
        os.environ["LLWATCH_CORPORA"] = str(args.corpora)
    from tests import test_feeds_corpus as mod  # after LLWATCH_CORPORA is set

    cases = mod.corpus_cases()
    if not cases:
        print(f"feed corpora not found in {mod.CORPORA} (use --corpora)", file=sys.stderr)
        return 2
    bad = 0
    for prefix, name in (("wild/", "feeds-wild"), ("real/", "feeds-real")):
        chosen = [c for c in cases if c.id.startswith(prefix)]
        bad += _report(name, chosen[: args.limit or None], mod, args.repeat)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
