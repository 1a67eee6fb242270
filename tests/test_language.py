"""Tests of watch.language: seeded langdetect, declared languages as hints, a corpus check."""

from __future__ import annotations

import pytest

from tests.conftest import CORPORA
from watch.language import MAX_CHARS, MIN_CHARS, UNKNOWN, detect_language

SENTENCES = CORPORA / "langid" / "language-testdata" / "sentences"

FRENCH = (
    "Les universités populaires accueillent de nouveau les adultes qui souhaitent reprendre "
    "des études après une longue interruption."
)
ENGLISH = "Evening classes for adults return to the public library after the summer break."
# langdetect (seeded) hesitates on these: it then follows a hint it lists among its candidates.
AMBIGUOUS = "Formation professionnelle continue"  # it 0.80, fr 0.20 without hints
MIXED = "Education permanente et formation"  # fr 0.71, en 0.29


def test_clear_texts() -> None:
    assert detect_language(FRENCH) == ("fr", 1.0)
    assert detect_language(ENGLISH) == ("en", 1.0)
    assert detect_language(
        "终身学习是一个人一生中持续不断的学习过程，包括正规教育和非正规教育。"
    ) == ("zh", 1.0)


def test_deterministic_across_calls_and_other_texts() -> None:
    first = [detect_language(text) for text in (MIXED, AMBIGUOUS)]
    assert first == [("fr", 0.714), ("it", 0.799)]
    for _ in range(5):
        detect_language(ENGLISH)
        detect_language("Bildung und Lernen in der Region Hannover")
        assert [detect_language(text) for text in (MIXED, AMBIGUOUS)] == first


@pytest.mark.parametrize("hints", [["fr"], ["fr", "en"], ["", "fr"]])
def test_short_text_takes_the_first_hint(hints: list[str]) -> None:
    assert detect_language("Adult education", hints) == ("fr", 0.5)


@pytest.mark.parametrize("text", ["", "   ", "Adult education", "a" * (MIN_CHARS - 1)])
def test_short_text_without_hints_is_unknown(text: str) -> None:
    assert detect_language(text) == (UNKNOWN, 0.0)
    assert detect_language(text, ["", ""]) == (UNKNOWN, 0.0)


@pytest.mark.parametrize(
    "text",
    [
        "1234567890 2024-05-06 12:30 +33 1 23 45 67 89 --- !!! ???",
        "0" * 500,
        "😀🎓📚 " * 20,
    ],
)
def test_no_letters_is_unknown_or_the_hint(text: str) -> None:
    assert detect_language(text) == (UNKNOWN, 0.0)
    assert detect_language(text, ["es"]) == ("es", 0.5)


@pytest.mark.parametrize("hints", [["fr"], ["en", "fr"], ["pt"]])
def test_clear_detection_is_not_overridden_by_wrong_hints(hints: list[str]) -> None:
    assert detect_language("Bildung und Lernen in der Region Hannover", hints) == ("de", 1.0)


def test_ambiguous_text_is_settled_by_a_hint_among_the_candidates() -> None:
    assert detect_language(AMBIGUOUS) == ("it", 0.799)
    assert detect_language(AMBIGUOUS, ["fr"]) == ("fr", 0.5)  # fr's own 0.20 raised to 0.5
    assert detect_language(MIXED, ["en"]) == ("en", 0.5)
    assert detect_language(MIXED, ["fr"]) == ("fr", 0.714)  # a hint's higher probability kept


def test_ambiguous_text_with_hints_outside_the_candidates_keeps_the_detection() -> None:
    assert detect_language(AMBIGUOUS, ["de", "es"]) == ("it", 0.799)


def test_only_the_first_max_chars_are_read() -> None:
    french = (FRENCH + " ") * (MAX_CHARS // len(FRENCH) + 1)
    english = (ENGLISH + " ") * 200
    assert detect_language(french + english)[0] == "fr"
    assert detect_language(english + french)[0] == "en"


def test_result_shape() -> None:
    code, confidence = detect_language(MIXED)
    assert isinstance(code, str)
    assert len(code) == 2
    assert isinstance(confidence, float)
    assert 0.0 <= confidence <= 1.0
    assert round(confidence, 3) == confidence


# --- the Lingua sentence corpus ------------------------------------------------------------

# Accuracy of detect_language (no hints) on the first 200 sentences of each file, measured with
# langdetect 1.0.9 (seed 0): en 0.980, fr 0.975, es 0.985, pt 0.965, de 0.985, it 0.990.
# Most misses are sentences under MIN_CHARS letters, "und" by design when there is no hint.
# Thresholds sit two points below the measured values (never under 0.90).
THRESHOLDS = {"en": 0.96, "fr": 0.955, "es": 0.965, "pt": 0.945, "de": 0.965, "it": 0.97}


@pytest.mark.parametrize(("lang", "threshold"), sorted(THRESHOLDS.items()))
def test_sentence_accuracy(lang: str, threshold: float) -> None:
    path = SENTENCES / f"{lang}.txt"
    if not path.is_file():
        pytest.skip(f"langid corpus not found at {SENTENCES} (set LLWATCH_CORPORA)")
    lines = [s for s in path.read_text(encoding="utf-8").splitlines() if s.strip()][:200]
    assert len(lines) == 200
    wrong = [(s, got) for s in lines if (got := detect_language(s)[0]) != lang]
    accuracy = 1 - len(wrong) / len(lines)
    print(f"{lang}: accuracy {accuracy:.3f}; wrong: {wrong[:5]}")
    assert accuracy >= max(threshold, 0.90), wrong
