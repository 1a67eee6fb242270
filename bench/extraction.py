"""Article-text extraction benchmark: word 4-gram F1 and speed on the Zyte/Scrapinghub pages.

Runs ``watch.extract.extract_article`` (the function the crawler calls on every article page)
and bare ``trafilatura.extract`` on each page of ``../shared/corpora/extraction`` (181 real
article pages with their true article body; see its README) and scores both the way the
benchmark's published table does (PUBLISHED_RESULTS.md): each text becomes a multiset of word
4-gram shingles (``\\w+`` tokens); per page, true positives, false positives and false negatives
are normalised to sum to one; precision and recall are averaged over pages, and F1 is the
harmonic mean of the averaged precision and recall. The published figures of trafilatura and
news-please are printed beside the measured ones, and bare trafilatura measured in the same run
is the in-run baseline (it checks the scorer against the published figure too).

    python bench/extraction.py [--corpus PATH] [--limit N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from watch.extract import extract_article  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "extraction"
#: Published figures (F1, precision, recall) from the corpus's PUBLISHED_RESULTS.md; speed of
#: news-please as measured for our issue text.
PUBLISHED = {
    "trafilatura 2.0.0 (published)": (0.958, 0.938, 0.978, "-"),
    "news-please 1.6.16 (published)": (0.948, 0.964, 0.933, "~115 ms/page (our issue's figure)"),
}
_TOKEN = re.compile(r"\w+")
_SHINGLE = 4


@dataclass
class Page:
    id: str
    url: str
    html: bytes
    truth: str


@dataclass
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load(corpus: Path, limit: int | None = None) -> list[Page]:
    truth_file = corpus / "ground-truth.json"
    truth = json.loads(truth_file.read_text("utf-8"))
    pages = [
        Page(key, item["url"], gzip.decompress((corpus / "html" / f"{key}.html.gz").read_bytes()),
             item["articleBody"])
        for key, item in sorted(truth.items())[:limit]
    ]  # fmt: skip
    return pages


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Word 4-grams of a text; a text of fewer than four words is one shorter shingle."""
    tokens = _TOKEN.findall(text)
    count = max(1, len(tokens) - _SHINGLE + 1)
    return Counter(
        tuple(tokens[i : i + _SHINGLE]) for i in range(count) if tokens[i : i + _SHINGLE]
    )


def page_counts(truth: str, predicted: str) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) of one page's shingles."""
    want, got = shingles(truth), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _mean_ratio(pairs: list[tuple[float, float]]) -> float:
    values = [1.0 if other == 0 else hit / (hit + other) for hit, other in pairs if hit + other]
    return statistics.fmean(values) if values else 0.0


def score(counts: list[tuple[float, float, float]]) -> Score:
    return Score(
        precision=_mean_ratio([(tp, fp) for tp, fp, _ in counts]),
        recall=_mean_ratio([(tp, fn) for tp, _, fn in counts]),
    )


def bootstrap_f1(counts: list[tuple[float, float, float]], rounds: int = 1000) -> float:
    """Standard deviation of F1 over bootstrap resamples of the pages (seeded)."""
    rng = random.Random(0)
    figures = [score(rng.choices(counts, k=len(counts))).f1 for _ in range(rounds)]
    return statistics.pstdev(figures)


def run(
    pages: list[Page], extract: Callable[[Page], str], repeat: int = 1
) -> tuple[list[str], list[float]]:
    """Each page's text and extraction time in CPU milliseconds (one process, one core).

    CPU time rather than wall time, and each page's best of ``repeat`` passes over the whole
    corpus (as ``timeit`` advises): other processes on the machine then change the figures
    little, while the libraries' caches see each page only once per pass, as in a crawl.
    """
    texts = [""] * len(pages)
    times = [float("inf")] * len(pages)
    for _ in range(repeat):
        for index, page in enumerate(pages):
            started = time.process_time()
            texts[index] = extract(page)
            times[index] = min(times[index], (time.process_time() - started) * 1000)
    return texts, times


def llwatch(page: Page) -> str:
    article = extract_article(page.html, page.url)
    return article.text if article else ""


def bare_trafilatura(page: Page) -> str:
    """Called as the benchmark's published run calls it (decoded text, comments left out)."""
    return trafilatura.extract(page.html.decode("utf-8"), include_comments=False) or ""


def report_line(name: str, result: Score, spread: str, speed: str) -> str:
    return (
        f"{name:<34} {result.f1:6.3f} {spread:>7} {result.precision:9.3f} {result.recall:6.3f}"
        f"   {speed}"
    )


def measure(
    name: str, pages: list[Page], extract: Callable[[Page], str], repeat: int
) -> tuple[str, float]:
    """The report line of one extractor and its mean CPU time per page."""
    extract(pages[0])  # warm-up: lazy imports and caches outside the timings
    texts, times = run(pages, extract, repeat)
    counts = [page_counts(page.truth, text) for page, text in zip(pages, texts, strict=True)]
    speed = f"{statistics.median(times):5.1f} / {statistics.fmean(times):5.1f} ms/page"
    empty = sum(not text.strip() for text in texts)
    line = report_line(name, score(counts), f"±{bootstrap_f1(counts):.3f}", speed)
    return f"{line}   ({empty} empty)", statistics.fmean(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the extraction corpus")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="passes over the pages; each page's fastest is kept (default 3)",
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "ground-truth.json").is_file():
        parser.error(f"{args.corpus}/ground-truth.json not found: pass --corpus PATH")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be 1 or more")
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    pages = load(args.corpus, args.limit)
    print(f"{args.corpus}: {len(pages)} pages, trafilatura {trafilatura.__version__}")
    print(f"{'extractor':<34} {'F1':>6} {'± boot':>7} {'precision':>9} {'recall':>6}"
          f"   CPU time, best of {args.repeat} (median / mean)")  # fmt: skip
    ours, our_time = measure("llwatch extract_article", pages, llwatch, args.repeat)
    bare, bare_time = measure(
        "trafilatura.extract (this run)", pages, bare_trafilatura, args.repeat
    )
    print(ours, bare, sep="\n")
    for name, (f1, precision, recall, speed) in PUBLISHED.items():
        print(f"{name:<34} {f1:6.3f} {'':>7} {precision:9.3f} {recall:6.3f}   {speed}")
    print(f"llwatch's mean time is {our_time / bare_time:.2f} × bare trafilatura's in this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
