"""Language identification: the script first, then Lingua's n-gram models, then the hints.

``detect_language(text, hints)`` returns ``(code, confidence)``: an ISO 639-1 code (``und`` when
unknown) and a confidence in 0..1. Three steps, each deterministic:

1. **Sample.** A bounded sample of the text is read: the whole text up to ``MAX_CHARS``, beyond
   it ``WINDOWS`` evenly spaced windows, each scored on its own and the scores summed weighted by
   letters, so that a long mixed text gets its dominant language, in bounded time. Entities are
   decoded; tags, URLs and e-mail addresses removed.
2. **Script.** Letters are counted per Unicode script (CJK characters weigh ``CJK_WEIGHT``
   letters). The dominant script decides alone when one language writes it (Hangul → ko, kana →
   ja, Han without kana → zh, Greek → el, Hebrew → he, Thai → th, …); otherwise it narrows the
   candidates to the languages of that script (Latin, Cyrillic, Arabic, Devanagari), and in
   Arabic script the letters پ چ ژ گ ک ی separate Persian from Arabic.
3. **Statistics.** Lingua (``lingua-language-detector``; its n-gram models ship inside the wheel,
   nothing is downloaded) ranks the candidates: ``SUPPORTED`` languages of that script, plus the
   hinted ones Lingua models.

Hints are the languages the entry, feed, page and source declare. They act as a prior: each
hinted candidate's score is multiplied by ``HINT_WEIGHT`` before normalising, so they settle
short or ambiguous texts but do not override a clear detection. Codes that are not ISO 639-1
(nor a tag such as ``pt-BR`` whose first part is one) are ignored. A text with fewer than
``MIN_CHARS`` letters is not detected: the first valid hint is taken (confidence 0.5), else
``und``. The confidence is the winner's share of the weighed scores times the share of the
letters in the dominant script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

import pycountry
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

__all__ = [
    "HINT_WEIGHT",
    "MAX_CHARS",
    "MIN_CHARS",
    "SUPPORTED",
    "UNKNOWN",
    "detect_language",
    "warm_up",
]

UNKNOWN = "und"
#: Below this many letters, detection is not tried: the first valid hint (if any) is taken.
MIN_CHARS = 3
#: The sample read from a text: the whole text up to this many characters (about 1.3 ms for
#: Latin text: the budget is 2 ms an article; a few hundred characters give a stable answer)…
MAX_CHARS = 1000
#: …and beyond it this many windows of ``MAX_CHARS // WINDOWS`` characters, evenly spaced.
WINDOWS = 3
#: Prior odds of a declared language: its score is multiplied by this before normalising. Five
#: trusts declarations (usually right) without letting a wrong one (a site-wide ``<html lang>``
#: on pages in another language) outweigh text that says otherwise.
HINT_WEIGHT = 5.0
#: A Han, kana or Hangul character carries about a syllable or a word: it counts as this many
#: letters when the scripts of a mixed text are weighed.
CJK_WEIGHT = 3
#: The languages llwatch answers with when statistics must choose among the languages of one
#: script (languages alone in their script are always answered, see ``_SCRIPT_LANGUAGE``).
#: The six UN languages (ar en es fr ru zh) and those of the sources in feeds.yaml (de ja pt),
#: plus the main languages of lifelong-learning publishing worldwide: Europe's large languages
#: (it nl pl ro sv el uk ca), Türkiye, Iran, Israel, India, Indonesia, Viet Nam, Korea and East
#: Africa (tr fa he hi id vi ko sw). Every other language that Lingua models is still answered
#: for a text whose entry, feed, page or source declares it (hints widen the candidates).
#: Restricting the choice avoids answers no source ever publishes in (Malay for Indonesian,
#: Galician-like Catalan…); widen it here when the watch list gains sources in other languages.
SUPPORTED = frozenset({
    "ar", "ca", "de", "el", "en", "es", "fa", "fr", "he", "hi", "id", "it", "ja", "ko", "nl",
    "pl", "pt", "ro", "ru", "sv", "sw", "tr", "uk", "vi", "zh",
})  # fmt: skip

_SCRIPTS = {  # script name → its letters (Latin includes the accented letters of Vietnamese)
    "latin": "A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    "cyrillic": "\u0400-\u0481\u048a-\u052f",
    "greek": "\u0370-\u0373\u0376-\u037d\u0386-\u03ff\u1f00-\u1fff",
    "arabic": "\u0620-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u0750-\u077f\ufb50-\ufdfb\ufe70-\ufefc",
    "hebrew": "\u05d0-\u05ea\u05f0-\u05f2\ufb1d-\ufb4f",
    "devanagari": "\u0900-\u0963\u0971-\u097f",
    "bengali": "\u0980-\u09e3\u09f0\u09f1",
    "gurmukhi": "\u0a00-\u0a65",
    "gujarati": "\u0a80-\u0ae5",
    "oriya": "\u0b00-\u0b65",
    "tamil": "\u0b80-\u0be5",
    "telugu": "\u0c00-\u0c65",
    "kannada": "\u0c80-\u0ce5",
    "malayalam": "\u0d00-\u0d65",
    "sinhala": "\u0d80-\u0de5\u0df2-\u0dff",
    "thai": "\u0e01-\u0e4e",
    "lao": "\u0e80-\u0ecf",
    "tibetan": "\u0f00-\u0fff",
    "myanmar": "\u1000-\u103f\u1050-\u109f",
    "georgian": "\u10a0-\u10ff",
    "ethiopic": "\u1200-\u137f",
    "khmer": "\u1780-\u17df",
    "hangul": "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3",
    "kana": "\u3041-\u309f\u30a1-\u30ff\u31f0-\u31ff\uff66-\uff9d",
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "armenian": "\u0531-\u0556\u0561-\u0587",
}
_LATIN_LETTERS = re.compile(f"[{_SCRIPTS['latin']}]+")
#: What is in no other script is removed before those are counted (so Latin text costs little).
_IN_NO_OTHER_SCRIPT = re.compile(
    "[^" + "".join(chars for name, chars in _SCRIPTS.items() if name != "latin") + "]+"
)
_SCRIPT_RUNS = re.compile(
    "|".join(f"(?P<{name}>[{chars}]+)" for name, chars in _SCRIPTS.items() if name != "latin")
)
_CJK = frozenset({"hangul", "kana", "han"})
#: Scripts that one language writes (among the languages anyone would publish news in here).
_SCRIPT_LANGUAGE = {
    "greek": "el",
    "hebrew": "he",
    "hangul": "ko",
    "kana": "ja",
    "han": "zh",
    "bengali": "bn",
    "gurmukhi": "pa",
    "gujarati": "gu",
    "oriya": "or",
    "tamil": "ta",
    "telugu": "te",
    "kannada": "kn",
    "malayalam": "ml",
    "sinhala": "si",
    "thai": "th",
    "lao": "lo",
    "tibetan": "bo",
    "myanmar": "my",
    "georgian": "ka",
    "ethiopic": "am",
    "khmer": "km",
    "armenian": "hy",
}
#: Scripts shared by several languages: Lingua chooses among them.
_SHARED_SCRIPTS = {
    "latin": Language.all_with_latin_script(),
    "cyrillic": Language.all_with_cyrillic_script(),
    "arabic": Language.all_with_arabic_script(),
    "devanagari": Language.all_with_devanagari_script(),
}
#: Kana from this share of the Han + kana letters on make a CJK text Japanese; below, it is a
#: stray character (a brand name, ``の`` in a Chinese headline).
_KANA_SHARE = 0.05
#: Letters of Persian (and Urdu), absent from Arabic: پ چ ژ گ ک ی.
_PERSIAN_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc]")
#: Persian letters from this share of the Arabic-script letters on rule Arabic out; none at all
#: in at least ``_PERSIAN_ABSENT`` letters rules Persian and Urdu out. Between: Lingua decides.
_PERSIAN_SHARE = 0.02
_PERSIAN_ABSENT = 50
_NOISE = re.compile(r"<[^<>]{0,1000}>|\b(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_SPACE = re.compile(r"\s")
_SUBTAG = re.compile("[-_]")


#: A sentence per script whose languages Lingua tells apart: reading them loads its models.
_WARM_UP = (
    "Adult learning and literacy classes for all, in every town and village.",
    "Обучение взрослых и курсы грамотности для всех, в каждом городе.",
    "تعليم الكبار ودروس محو الأمية للجميع في كل مدينة وقرية.",
)


def warm_up() -> None:
    """Load Lingua's models now (a few seconds, once per process) instead of on the first
    article: a crawl calls this before its first request, so that no request in flight waits
    behind the loading and times out."""
    for text in _WARM_UP:
        detect_language(text)


def detect_language(text: str, hints: Sequence[str] = ()) -> tuple[str, float]:
    """The language of ``text`` as (ISO 639-1, confidence); ``("und", 0.0)`` when unknown."""
    declared = _valid_hints(hints)
    totals: dict[str, float] = {}
    letters = in_script = 0.0
    for window in _sample(text):
        sample = _clean(window)
        weights = _script_weights(sample)
        size = sum(weights.values())
        if size < MIN_CHARS:
            continue
        scores, share = _window_scores(sample, weights, declared)
        for code, score in scores.items():
            totals[code] = totals.get(code, 0.0) + score * size
        letters, in_script = letters + size, in_script + share * size
    if letters < MIN_CHARS or not totals:
        return (declared[0], 0.5) if declared else (UNKNOWN, 0.0)
    code, confidence = _with_hints(totals, declared)
    return code, round(confidence * in_script / letters, 3)


def _window_scores(
    sample: str, weights: dict[str, int], declared: list[str]
) -> tuple[dict[str, float], float]:
    """Scores of the candidate languages (summing to 1, or empty) and the dominant script's share
    of the letters."""
    script = max(weights, key=lambda name: (weights[name], name))
    share = weights[script] / sum(weights.values())
    if script in _CJK:
        script = _cjk_script(weights)
    if script == "han" and "ja" in declared:  # Han alone may be Japanese: the hints decide
        return {"zh": 0.5, "ja": 0.5}, share
    if script in _SCRIPT_LANGUAGE:
        return {_SCRIPT_LANGUAGE[script]: 1.0}, share
    return _scores(sample, script, weights, declared), share


# --- input -----------------------------------------------------------------------------------


def _valid_hints(hints: Sequence[str]) -> list[str]:
    """The hints that are ISO 639-1 codes, lower case, in order, without repeats."""
    codes = (_SUBTAG.split(h.strip().lower(), maxsplit=1)[0] for h in hints if isinstance(h, str))
    return [code for code in dict.fromkeys(codes) if _is_iso639_1(code)]


@lru_cache(maxsize=512)
def _is_iso639_1(code: str) -> bool:
    return len(code) == 2 and pycountry.languages.get(alpha_2=code) is not None


def _sample(text: str) -> list[str]:
    """The text up to ``MAX_CHARS``, or ``WINDOWS`` evenly spaced windows of a longer one."""
    if len(text) <= MAX_CHARS:
        return [text]
    width = MAX_CHARS // WINDOWS
    step = (len(text) - width) // (WINDOWS - 1)
    return [_window(text, i * step, width) for i in range(WINDOWS)]


def _window(text: str, start: int, width: int) -> str:
    """``width`` characters from ``start``, without the word cut at each end."""
    chunk = text[start : start + width]
    if start > 0 and (space := _SPACE.search(chunk[:64])):
        chunk = chunk[space.end() :]
    if start + width < len(text) and (cut := chunk.rfind(" ", len(chunk) - 64)) > 0:
        chunk = chunk[:cut]
    return chunk


def _clean(sample: str) -> str:
    """The sample without markup, URLs and e-mail addresses (Latin-letter noise)."""
    return _NOISE.sub(" ", html.unescape(sample))


# --- script ----------------------------------------------------------------------------------


def _script_weights(sample: str) -> dict[str, int]:
    """Letters per script (CJK characters weighted); scripts without letters left out."""
    latin = len(sample) - len(_LATIN_LETTERS.sub("", sample))
    weights = {"latin": latin} if latin else {}
    for run in _SCRIPT_RUNS.finditer(_IN_NO_OTHER_SCRIPT.sub("", sample)):
        name = run.lastgroup or ""
        size = run.end() - run.start()
        weights[name] = weights.get(name, 0) + size * (CJK_WEIGHT if name in _CJK else 1)
    return weights


def _cjk_script(weights: dict[str, int]) -> str:
    """Hangul → Korean; kana beyond a stray character → Japanese; Han alone → Chinese."""
    hangul, kana, han = (weights.get(name, 0) for name in ("hangul", "kana", "han"))
    if hangul >= kana and hangul >= _KANA_SHARE * (hangul + han + kana):
        return "hangul"
    return "kana" if kana >= _KANA_SHARE * (han + kana) else "han"


# --- statistics ------------------------------------------------------------------------------


def _scores(
    sample: str, script: str, weights: dict[str, int], declared: list[str]
) -> dict[str, float]:
    """Lingua's confidence for each candidate language of the script (codes → 0..1)."""
    candidates = _candidates(script, weights, sample, declared)
    if len(candidates) == 1:
        return {next(iter(candidates)): 1.0}
    if not candidates:
        return {}
    values = _detector(candidates).compute_language_confidence_values(sample)
    return {_code(v.language): v.value for v in values if v.value > 0}


def _candidates(
    script: str, weights: dict[str, int], sample: str, declared: list[str]
) -> frozenset[str]:
    known = {_code(language) for language in _SHARED_SCRIPTS.get(script, ())}
    candidates = known & (SUPPORTED | set(declared))
    if script == "arabic":
        candidates = _arabic_or_persian(candidates, weights["arabic"], sample)
    return frozenset(candidates)


def _arabic_or_persian(candidates: set[str], letters: int, sample: str) -> set[str]:
    """Persian letters rule Arabic out; their absence in a long enough text rules Persian out."""
    persian = len(_PERSIAN_LETTERS.findall(sample))
    if persian >= _PERSIAN_SHARE * letters:
        return (candidates - {"ar"}) or candidates
    if persian == 0 and letters >= _PERSIAN_ABSENT:
        return (candidates - {"fa", "ur"}) or candidates
    return candidates


@lru_cache(maxsize=256)
def _detector(codes: frozenset[str]) -> LanguageDetector:
    """A Lingua detector for these languages (models are shared and loaded on first use)."""
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
    return LanguageDetectorBuilder.from_languages(*sorted(languages, key=_code)).build()


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _with_hints(scores: dict[str, float], declared: list[str]) -> tuple[str, float]:
    """The best language once each hinted one has its score multiplied by ``HINT_WEIGHT``.

    Ties go to the earlier hint, then to the code (deterministic)."""
    weighted = {
        code: score * (HINT_WEIGHT if code in declared else 1.0) for code, score in scores.items()
    }
    rank = {code: declared.index(code) if code in declared else len(declared) for code in scores}
    best = max(weighted, key=lambda code: (weighted[code], -rank[code], code))
    return best, weighted[best] / sum(weighted.values())
