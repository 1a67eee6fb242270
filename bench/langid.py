"""Language-identification benchmark: ``watch.language.detect_language`` on Lingua's test data.

What it measures. For each language asked for (by default the 25 of the issue), the share of the
corpus lines that ``detect_language(line)`` answers with that language's code, without hints (a
hint would be the answer), in three categories: sentences, word pairs and single words
(``language-testdata/<category>/<code>.txt``, up to 1000 lines each). Beside each figure it
prints langdetect's published accuracy on the same files (``published-accuracy-reports/
<category>-accuracy-values.csv``, column ``langdetect``; measured by lingua-py's author with
langdetect choosing among all its 55 languages). Then the means over the languages shown, and the
detector's speed: texts/s for each category, for 4,000-character articles (corpus sentences of
one language joined), and the one-off cost of the first call (models loading), plus peak RSS.

The corpus is a test set: figures are printed, never judged here, and nothing in
``watch.language`` was chosen by looking at them language by language.

Run from the repository root::

    python bench/langid.py                        # the 25 languages, 1000 lines per file
    python bench/langid.py --limit 100 --languages en,fr,ca
    python bench/langid.py --corpus /path/to/langid --baseline   # also bare langdetect (slow)
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere: import the working tree's watch
    sys.path.insert(0, str(REPO))

from watch.language import detect_language  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "langid"
#: The languages of the issue, in its order.
ISSUE_ORDER = "en fr es pt de it nl ar zh ja ru pl tr sw id vi hi ko el ro ca sv uk fa he"
LANGUAGES = ISSUE_ORDER.split()
#: Names used by the published tables.
NAMES = {
    "ar": "Arabic", "ca": "Catalan", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "fa": "Persian", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish",
    "sw": "Swahili", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
#: Corpus folder and published-table file of each category, in the order printed.
CATEGORIES = {
    "sentences": ("sentences", "sentences"),
    "word pairs": ("word-pairs", "word-pairs"),
    "single words": ("single-words", "single-words"),
}
ARTICLE_CHARS = 4000

Detector = Callable[[str], str]


def ours(text: str) -> str:
    return detect_language(text)[0]


def bare_langdetect() -> Detector:
    """langdetect as shipped (seeded), all its 55 languages: the published baseline, re-measured."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    def run(text: str) -> str:
        DetectorFactory.seed = 0
        try:
            return detect(text).split("-")[0]
        except LangDetectException:
            return "und"

    return run


# --- corpus ----------------------------------------------------------------------------------


def read_lines(corpus: Path, folder: str, code: str, limit: int) -> list[str]:
    path = corpus / "language-testdata" / folder / f"{code}.txt"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line][:limit]


def published(corpus: Path, table: str) -> dict[str, float]:
    """langdetect's published accuracy (percent) per language name; NaN for unsupported."""
    path = corpus / "published-accuracy-reports" / f"{table}-accuracy-values.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["language"]: float(row["langdetect"]) for row in csv.DictReader(handle)}


def articles(corpus: Path, languages: Sequence[str]) -> list[str]:
    """One 4,000-character text per language: its corpus sentences joined, cut at a space."""
    texts = []
    for code in languages:
        text = " ".join(read_lines(corpus, "sentences", code, 1000))
        while len(text) < ARTICLE_CHARS:
            text = f"{text} {text}"
        texts.append(text[: text.rfind(" ", 0, ARTICLE_CHARS)])
    return texts


# --- measures --------------------------------------------------------------------------------


def accuracy(detector: Detector, code: str, lines: Sequence[str]) -> tuple[float, int, float]:
    """(percent right, texts, seconds) of ``detector`` on ``lines`` of language ``code``."""
    start = time.perf_counter()
    right = sum(detector(line) == code for line in lines)
    return 100.0 * right / max(len(lines), 1), len(lines), time.perf_counter() - start


def rate(detector: Detector, texts: Sequence[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            detector(text)
    return rounds * len(texts) / (time.perf_counter() - start)


def warm_up(corpus: Path, languages: Sequence[str]) -> float:
    """Seconds of the first calls, which load the models (a short text loads more n-gram sizes)."""
    start = time.perf_counter()
    for code in languages:
        for folder, _ in CATEGORIES.values():
            ours(read_lines(corpus, folder, code, 1)[0])
    return time.perf_counter() - start


def mean(values: Sequence[float]) -> float:
    known = [v for v in values if v == v]  # NaN: not supported by langdetect
    return sum(known) / len(known) if known else float("nan")


def figure(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"


# --- report ----------------------------------------------------------------------------------


def measure(
    corpus: Path, languages: Sequence[str], limit: int, detectors: dict[str, Detector]
) -> tuple[list[list[str]], list[str], list[str]]:
    """The table rows, the means row and the speed lines."""
    tables = {name: published(corpus, table) for name, (_, table) in CATEGORIES.items()}
    columns: dict[str, list[float]] = {}
    counts = {name: [0, 0.0] for name in CATEGORIES}
    rows = []
    for code in languages:
        row = [code]
        for name, (folder, _) in CATEGORIES.items():
            lines = read_lines(corpus, folder, code, limit)
            for label, detector in detectors.items():
                value, n, seconds = accuracy(detector, code, lines)
                columns.setdefault(f"{name}/{label}", []).append(value)
                if label == "ours":
                    counts[name][0] += n
                    counts[name][1] += seconds
                row.append(figure(value))
            value = tables[name].get(NAMES.get(code, code), float("nan"))
            columns.setdefault(f"{name}/published", []).append(value)
            row.append(figure(value))
        rows.append(row)
    means = ["mean", *(figure(mean(values)) for values in columns.values())]
    speeds = [f"{name}: {n / s:,.0f} texts/s ({n} texts)" for name, (n, s) in counts.items() if s]
    return rows, means, speeds


def headers(labels: Sequence[str]) -> list[str]:
    short = {"sentences": "sent", "word pairs": "pairs", "single words": "words"}
    names = {"ours": "ours", "langdetect": "ld bare", "published": "ld publ."}
    return ["lang"] + [
        f"{short[name]} {names[label]}" for name in CATEGORIES for label in [*labels, "published"]
    ]


def render(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([lines[0], rule, *lines[1:-1], rule, lines[-1]])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="langid corpus folder")
    parser.add_argument("--limit", type=int, default=1000, help="lines per file (default 1000)")
    parser.add_argument("--languages", default=",".join(LANGUAGES), help="comma-separated codes")
    parser.add_argument(
        "--baseline", action="store_true", help="also measure bare langdetect (about 5 ms a text)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    if not (args.corpus / "language-testdata").is_dir():
        print(f"no corpus at {args.corpus} (see --corpus)", file=sys.stderr)
        return 2
    loading = warm_up(args.corpus, languages)
    detectors: dict[str, Detector] = {"ours": ours}
    if args.baseline:
        detectors["langdetect"] = bare_langdetect()
    rows, means, speeds = measure(args.corpus, languages, args.limit, detectors)
    print(render(headers(list(detectors)), [headers(list(detectors)), *rows, means]))
    print()
    print("accuracy in percent, no hints; 'ld publ.' = langdetect as published in the corpus")
    print("detect_language speed, one core, models loaded:")
    for line in speeds:
        print(f"  {line}")
    texts = articles(args.corpus, languages)
    print(f"  articles of {ARTICLE_CHARS:,} characters: {rate(ours, texts, 20):,.0f} texts/s")
    print(f"  loading the models (first calls, once per process): {loading:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS: {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
