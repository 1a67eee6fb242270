"""Language identification: langdetect, seeded for determinism, helped by declared languages.

``detect_language(text, hints)`` returns ``(code, confidence)``: an ISO 639-1 code (``und`` when
unknown) and a probability in 0..1. Hints are the languages the feed, the page and the source
declare; they settle short or ambiguous texts but never override a clear detection.
"""

from __future__ import annotations

from collections.abc import Sequence

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

__all__ = ["MIN_CHARS", "UNKNOWN", "detect_language"]

UNKNOWN = "und"
#: Below this many letters, detection is not tried: the first hint (if any) is taken.
MIN_CHARS = 20
#: A detection this sure is kept even against the hints.
CLEAR = 0.90
#: Texts longer than this are cut before detection (enough for a stable answer, bounded cost).
MAX_CHARS = 3000
_SEED = 0
# langdetect's codes that are not ISO 639-1 two-letter codes.
_NORMALISE = {"zh-cn": "zh", "zh-tw": "zh"}


def _candidates(text: str) -> list[tuple[str, float]]:
    DetectorFactory.seed = _SEED  # langdetect is random unless seeded before each run
    try:
        found = detect_langs(text[:MAX_CHARS])
    except LangDetectException:  # no features: digits, symbols, empty
        return []
    return [(_NORMALISE.get(c.lang, c.lang), float(c.prob)) for c in found]


def detect_language(text: str, hints: Sequence[str] = ()) -> tuple[str, float]:
    """The language of ``text`` as (ISO 639-1, confidence); ``("und", 0.0)`` when unknown."""
    hints = [h for h in hints if h]
    letters = sum(ch.isalpha() for ch in text[:MAX_CHARS])
    if letters < MIN_CHARS:
        return (hints[0], 0.5) if hints else (UNKNOWN, 0.0)
    found = _candidates(text)
    if not found:
        return (hints[0], 0.5) if hints else (UNKNOWN, 0.0)
    best, prob = found[0]
    if prob >= CLEAR or not hints:
        return best, round(prob, 3)
    for lang, p in found:
        if lang in hints:
            return lang, round(max(p, 0.5), 3)
    return best, round(prob, 3)
