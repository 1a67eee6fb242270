"""Speed of watch.pdf.extract_pdf on generated PDFs (fpdf2, a test dependency).

Writes briefs of several page counts (a heading, five paragraphs a page, a running header and
footer), then times extract_pdf on each, several rounds, and prints milliseconds per document,
pages read per second and the peak RSS. Figures are printed, never judged.

    python bench/pdf.py                     # 1, 10, 30 and 100 pages, 5 rounds
    python bench/pdf.py --pages 1,5 --rounds 2
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_pdf import brief  # the same generator the tests use
from watch.pdf import MAX_PDF_PAGES, extract_pdf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="1,10,30,100", help="page counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    extract_pdf(brief(pages=1), "http://bench.test/warm-up.pdf")  # imports pypdf
    print(f"first call (imports pypdf): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"extract_pdf, max_pages={MAX_PDF_PAGES}, {args.rounds} rounds each")
    print(f"{'pages':>6} {'bytes':>9} {'read':>5} {'ms/doc':>8} {'pages/s':>8} {'chars':>7}")
    for count in (int(n) for n in args.pages.split(",")):
        body = brief(pages=count)
        start = time.perf_counter()
        for _ in range(args.rounds):
            found = extract_pdf(body, "http://bench.test/brief.pdf")
        seconds = (time.perf_counter() - start) / args.rounds
        read = min(count, MAX_PDF_PAGES)
        chars = len(found.text) if found else 0
        print(f"{count:>6} {len(body):>9,} {read:>5} {seconds * 1000:>8.1f} "
              f"{read / seconds:>8.0f} {chars:>7,}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
