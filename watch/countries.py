"""Countries an article mentions, as ISO 3166-1 alpha-2 codes, and UNESCO regions of codes.

``find_countries(text, language, title)`` looks for country *place names* in the title and the
text with a gazetteer built once (lazily, per article language) from well-kept data:

- pycountry: each country's name, official name and common name, in English and in the
  translations pycountry ships (``Korea, Republic of`` is also read ``Republic of Korea``);
- Babel's CLDR territory names in :data:`LOCALES` (and zh_Hant, pt_PT);
- ``data/country_aliases.tsv``: hand-written aliases (``USA``, ``UK``, ``England``, ``Burma``,
  ``DRC``/``RDC``, ``Türkiye``/``Turkey``, ``Ivory Coast``…), *stop forms* that are matched and
  consumed but count for nothing (``New Mexico``, ``Guinea pig``, ``Georgia Tech``) and names to
  drop because they are ordinary words (Spanish ``Granada``, Arabic ``مالي`` "financial").

Only the 249 ISO 3166-1 codes are answered (no ``EU``, ``UN``, ``XK``). Demonyms and adjectives
are not countries: "French teachers" is no mention of France, "Nigerian" none of Nigeria.

Which names are used: those of the article's language, English ones, and the hand-written ones;
for an unknown language (or one not in :data:`LOCALES`), the names of every language.

Matching
--------
The text (cut to :data:`MAX_CHARS`; tags removed, entities decoded, NFC) is split into words;
a dict from a name's first word leads to the names that may start there, longest first: the
longest name wins and consumes its words ("Papua New Guinea" is PG, not GN; "Guinea-Bissau" GW;
"South Sudan" SS). Names are whole words, so "Nigeria" is not "Niger", "Indiana" not "India",
"Dominican" not "Dominica". Between a name's words any of space, hyphen, apostrophe, period,
``&`` may stand, so "Côte d’Ivoire", "Cote d'Ivoire" and "Guinea Bissau" match, and French,
Italian or Catalan elisions ("l'Inde", "d’Haïti", "dell'Italia") leave the name a word of its own.
Words written with a capital in the gazetteer need a capital in the text (names are proper nouns:
the bird "turkey" is never Türkiye, "chile" peppers never Chile); in a name of three words or
more only its last capital is needed ("république démocratique du Congo"); acronyms (``US``,
``DRC``) must be written as such, and a name of three letters or less must not be all capitals
("CAD" is not the Turkish "Çad"). Scripts without case match as written, after folding Arabic
letter variants and vowel marks. Inflection is handled by a few rules: Russian, Ukrainian,
Polish, Greek and Romanian case endings ("во Франции", "we Francji"; forms with a changed stem,
such as "w Polsce", are aliases), German/Swedish genitive ``-s``, Arabic and Hebrew one-letter
prefixes ("بالمغرب", "בצרפת"), Korean particles ("한국에서").
Chinese and Japanese have no spaces: their names match as substrings (a Japanese name in katakana
must not touch other katakana, so マリ is not found in マリア).

Ambiguities (rules named in ``country_aliases.tsv``)
----------------------------------------------------
- ``congo``: plain "Congo" (Kongo, Конго, 刚果…) is CD when the text also names the DRC (DRC,
  RDC, DR Congo, République démocratique du Congo…) or Kinshasa, Kivu, Goma, Lubumbashi, and no
  Congo-Brazzaville name or Brazzaville/Pointe-Noire; otherwise CG, the country ISO calls "Congo".
- ``georgia``: "Georgia" is not GE when followed by ", U.S."/", USA"/", United States", nor when
  the text mentions Atlanta, Savannah or "U.S. state" and not Tbilisi, Batumi, Kutaisi, Caucasus;
  "Georgia Tech", "Georgia State", "University of Georgia" and "state of Georgia" are stop forms.
- ``person`` (Jordan, Chad, Georgia, Holland, French Maurice, Spanish Mauricio…): not a country
  when the next word is a capitalised word that starts no country name ("Jordan Peterson", "Chad
  Smith"), or the previous one is a capitalised word that is not the first of its sentence and
  starts no country name ("Michael Jordan"; "In Jordan" still counts).
- ``turkey``: "Turkey" does not count when the text mentions Thanksgiving and not Ankara,
  Istanbul or Türkiye. The lower-case "turkey" never counts.
- ``shouty``: "US" does not count in all-capital context ("TELL US MORE") nor before ``$``.
- ``amman``: Arabic/Persian عمان (Oman, but also Amman unvowelled) does not count when the text
  names Jordan (الأردن).
- Plain "Korea" is KR, "North Korea"/"DPRK" KP; plain "Macedonia" is MK; plain "Virgin Islands"
  is a stop form (British VG or US VI?); "Samoa" WS, "American Samoa" AS; "Guyana" GY, "French
  Guiana" GF; "England", "Scotland", "Wales", "Northern Ireland" are GB.

``region_of(code)`` reads ``data/regions.tsv`` (code → UNESCO region slug) once;
``codes_in_region(slug)`` is the other way round.
``country_name(code, language)`` is the CLDR name in that language.
"""

from __future__ import annotations

import gettext
import html
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

import pycountry
from babel import Locale, UnknownLocaleError
from babel.localedata import load as load_locale_data

from watch import sources
from watch.text import language_tag

__all__ = [
    "LOCALES",
    "MAX_CHARS",
    "REGIONS",
    "CountryMention",
    "codes_in_region",
    "country_codes",
    "country_name",
    "find_countries",
    "region_of",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Languages whose CLDR and pycountry names make the gazetteer (ISO 639-1).
LOCALES = (
    "en", "fr", "es", "pt", "de", "it", "nl", "ar", "zh", "ru", "sw", "id", "tr", "pl", "ja",
    "ko", "hi", "fa", "he", "vi", "uk", "el", "ro", "ca", "sv",
)  # fmt: skip
#: Only the first this many characters of a text are read (the title is read too).
MAX_CHARS = 100_000
#: The UNESCO region slugs :func:`region_of` answers, ``global`` first.
REGIONS = sources.REGIONS

_DATA = resources.files("watch") / "data"  # also inside a zipped egg (Scrapyd)
_MAX_TITLE = 2_000
_BABEL_LOCALES = {"zh": ("zh", "zh_Hant"), "pt": ("pt", "pt_PT")}
_PYCOUNTRY_LOCALES = {"zh": ("zh_CN", "zh_TW", "zh_HK"), "pt": ("pt", "pt_BR"), "en": ()}

# Words: letters, digits and combining marks, but no Han or kana (those match as substrings).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a"
    "\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u0900-\u0903\u093a-\u093c\u093e-\u094f\u0951-\u0957\u0962\u0963"
)
_LETTERS = f"[^\\W{_CJK}]*+"  # possessive: a run of word characters that are not Han or kana
_WORD = re.compile(f"[^\\W{_CJK}]{_LETTERS}(?:[{_MARKS}]{_LETTERS})*+")
_SPLIT = re.compile(f"({_WORD.pattern})")
_HAS_CJK = re.compile(f"[{_CJK}]")
_KATAKANA = re.compile("[\u30a1-\u30fa\u30fc]")
# What may stand between two words of one name.
_GAP = re.compile("[\\s\\-\u2010-\u2015\u05be'\u2019\u02bc`\u05f3\"\u05f4.&]{1,4}")
_TAG = re.compile(r"<[^<>]{0,2000}>")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile('[.!?:;\n\u3002\u00ab\u201c"(]')
# Arabic vowel marks and tatweel go; letter variants fold; Hebrew points and the nukta go.
_FOLD = str.maketrans(
    {
        **dict.fromkeys(map(chr, range(0x064B, 0x0660)), None),
        **dict.fromkeys(map(chr, range(0x0591, 0x05BE)), None),
        "\u0640": None,
        "\u0670": None,
        "\u093c": None,
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ة": "ه",
        "ۀ": "ه",
        "ک": "ك",
    }
)
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(char)) for char in _FOLD) + "]")
_AR_PREFIXES = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
# No כ or ה: כיוון ("direction") is not כ + יוון (Greece).
_HE_PREFIXES = ("ו", "ב", "ל", "מ", "ש", "וב", "ול", "ומ", "וש", "שב", "של", "שמ")
_KO_PARTICLES = (
    "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "와", "과", "로", "으로", "도",
    "만", "에는", "에서는", "에서의", "과의", "와의", "으로의", "로의", "까지", "부터", "처럼",
    "보다", "이나", "나", "이라는", "라는", "이다", "에도", "엔", "에선",
)  # fmt: skip
# Case endings: (ending of the gazetteer word, endings it may take instead); the first that fits
# applies; "" fits a word ending in a consonant, "*" any word; a word that none fits is left as is.
_INFLECTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "ru": (
        ("ая", ("ой", "ую", "ою")),
        ("яя", ("ей", "юю")),
        ("ые", ("ых", "ым", "ыми")),
        ("ие", ("их", "им", "ими")),
        ("ый", ("ого", "ому", "ым", "ом")),
        ("ий", ("ого", "ому", "им", "ом", "ия", "ию", "ии", "ием")),
        ("ое", ("ого", "ому", "ым", "ом")),
        ("ия", ("ии", "ию", "ией")),
        ("а", ("ы", "и", "е", "у", "ой")),
        ("я", ("и", "е", "ю", "ей")),
        ("й", ("я", "ю", "е", "ем")),
        ("ы", ("ов", "ам", "ах", "ами")),
        ("ь", ("я", "ю", "е", "ем", "и")),
        ("", ("а", "у", "е", "ом")),
    ),
    "uk": (
        ("ія", ("ії", "ію", "ією")),
        ("а", ("и", "і", "у", "ою", "ої", "ій")),
        ("я", ("ї", "ю", "ею", "і")),
        ("ий", ("ого", "ому", "им", "ім")),
        ("і", ("их", "им", "ими")),
        ("й", ("ю", "я", "єм", "ї")),
        ("и", ("ів", "ам", "ах", "ами")),
        ("ь", ("ю", "і", "ем")),
        ("", ("а", "у", "і", "ом", "ові")),
    ),
    "pl": (
        ("ja", ("ji", "ję", "ją")),
        ("ia", ("ii", "ię", "ią")),
        ("a", ("y", "i", "ę", "ą", "ie", "ej")),
        ("ie", ("ii", "iach", "iom")),
        ("e", ("ych", "ym", "ymi")),
        ("y", ("ów", "ach", "om", "ami")),
        ("", ("u", "a", "em", "ie", "owi")),
    ),
    "el": (("ος", ("ου", "ο")), ("α", ("ας",)), ("η", ("ης",)), ("ες", ("ων",))),
    "ro": (("ele", ("elor",)), ("a", ("ei", "ii")), ("ă", ("ei",)), ("", ("ul", "ului"))),
    "de": (("s", ()), ("x", ()), ("z", ()), ("ß", ()), ("*", ("s",))),
    "sv": (("s", ()), ("x", ()), ("z", ()), ("*", ("s",))),
}
_LAST_WORD_ONLY = frozenset({"de", "sv"})
_KEEP_ACCENTS = frozenset({"vi", "tr", "pl", "ro"})
_VOWELS = frozenset("aeiouyąęóаеёиоуыэюяіїєйьαεηιουωάέήίόύώ")

# Context words of the ambiguity rules (substrings of the text).
_CD_MARKERS = ("Kinshasa", "Kivu", "Goma", "Lubumbashi", "Kisangani", "Katanga", "金沙萨", "كينشاسا", "Киншас")  # fmt: skip
_CG_MARKERS = ("Brazzaville", "Pointe-Noire", "布拉柴维尔", "برازافيل", "Браззавил")
_US_MARKERS = ("Atlanta", "Savannah", "U.S. state", "US state", "Peach State", "亚特兰大", "アトランタ")  # fmt: skip
_GE_MARKERS = ("Tbilisi", "Tiflis", "Batumi", "Kutaisi", "Caucasus", "Caucase", "Cáucaso", "Kaukasus", "تبليسي", "トビリシ", "트빌리시", "第比利斯")  # fmt: skip
_TR_MARKERS = ("Ankara", "Istanbul", "İstanbul", "Türkiye", "Erdoğan", "Erdogan")
_JO_MARKERS = ("الأردن", "الاردن", "اردن")
_US_AFTER = frozenset({"u", "us", "usa", "united"})


@dataclass(frozen=True)
class CountryMention:
    """A country named in an article."""

    #: ISO 3166-1 alpha-2 code, e.g. ``SN``.
    code: str
    #: How many times it is named (title included).
    count: int
    #: The names found, as written, in order of first appearance, e.g. ``("Senegal", "Sénégal")``.
    names: tuple[str, ...]


class _Name(NamedTuple):
    """One name from one source: ``code`` is a country, "" a stop form, "-"/"~" a drop order."""

    text: str
    code: str
    lang: str
    rules: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Entry:
    """A name ready for matching."""

    code: str
    keys: tuple[frozenset[str], ...]  # accepted (folded) forms of each word
    words: tuple[str, ...]  # the words as written in the gazetteer
    modes: str  # per word: x exact, c capital, t capital but not all capitals, a any case
    rules: frozenset[str]
    rank: int
    dotted: bool = False  # written with a final period ("U.S.")


_Index = dict[str, dict[str, tuple[_Entry, ...]]]


@dataclass(frozen=True)
class _Gazetteer:
    index: _Index  # first word's key -> second word's key -> entries, longest first
    cjk: re.Pattern[str] | None
    cjk_entries: dict[str, _Entry]
    size: int


_Tree = dict[str, "_Tree"]


class _Hit(NamedTuple):
    pos: int
    code: str
    surface: str
    rules: frozenset[str]


# --- public API --------------------------------------------------------------------------------


def find_countries(text: str, language: str = "", title: str = "") -> list[CountryMention]:
    """Countries mentioned in ``title`` + ``text``, most mentioned first (ties: first mention first).

    ``language`` is the article's ISO 639-1 code (``fr``, ``pt-BR``); unknown or empty uses the
    names of every language. Never raises: bad input gives ``[]``.
    """
    try:
        tag = language_tag(language) if isinstance(language, str) else ""
        return _find(_prepare(text, title), tag)
    except Exception:  # a crawl goes on: a failure here must not drop the article
        logger.exception("country detection failed")
        return []


def country_codes(mentions: list[CountryMention], limit: int = 10) -> list[str]:
    """The codes of the first ``limit`` mentions."""
    return [mention.code for mention in mentions[: max(limit, 0)]]


def region_of(code: str) -> str:
    """UNESCO region slug of an ISO alpha-2 code (``SN`` → ``africa``).

    A region slug is returned as is; "" and unknown codes give ``global``.
    """
    value = (code or "").strip()
    if value.lower() in REGIONS:
        return value.lower()
    return _regions().get(value.upper(), "global")


def codes_in_region(region: str) -> frozenset[str]:
    """The ISO alpha-2 codes that ``data/regions.tsv`` puts in a region slug (``global``: only
    Antarctica, which no UNESCO region holds; an unknown slug: none)."""
    slug = (region or "").strip().lower()
    return frozenset(code for code, where in _regions().items() if where == slug)


def country_name(code: str, language: str = "en") -> str:
    """Display name of ``code`` in ``language`` (CLDR via Babel), else the English name, else
    the code itself."""
    value = (code or "").strip().upper()
    name = _cldr_territories(language or "en").get(value) or _cldr_territories("en").get(value)
    country = pycountry.countries.get(alpha_2=value) if len(value) == 2 else None
    if country is None:
        return name or value
    return name or getattr(country, "common_name", None) or country.name


# --- regions and display names -------------------------------------------------------------------


@cache
def _regions() -> dict[str, str]:
    rows = (line.split("\t") for line in (_DATA / "regions.tsv").read_text("utf-8").splitlines())
    return {row[0]: row[1] for row in rows if len(row) == 2 and row[0] != "code"}


@lru_cache(maxsize=64)
def _cldr_territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (ValueError, TypeError, UnknownLocaleError):
        return {}


# --- matching ------------------------------------------------------------------------------------


def _prepare(text: str, title: str) -> str:
    text = text[:MAX_CHARS] if isinstance(text, str) else ""
    if isinstance(title, str) and title.strip():
        text = f"{title[:_MAX_TITLE]}\n\n{text}"
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _find(text: str, language: str) -> list[CountryMention]:
    if not text:
        return []
    gazetteer = _gazetteer(language if language in LOCALES else "*")
    hits = _word_hits(_Words(text), gazetteer.index)
    if gazetteer.cjk is not None and _HAS_CJK.search(text):
        hits = sorted(hits + _cjk_hits(text, gazetteer), key=lambda hit: hit.pos)
    return _mentions(_resolve(hits, text))


def _key(word: str) -> str:
    return word.lower() if word.isascii() else word.translate(_FOLD).lower()


class _Words:
    """The words of a text: ``keys[i]`` (folded), ``word(i)`` as written, ``gaps[i]`` before it.

    The usual text is lower-cased and split once; the words as written are sliced from the text
    only where a name may be (a text whose case folding changes its length, or with letters to
    fold, is split word by word instead).
    """

    __slots__ = ("_offset", "_part", "_parts", "_text", "_words", "gaps", "keys")

    def __init__(self, text: str) -> None:
        lowered = text.lower()
        self._text = text
        self._part = self._offset = 0  # a cursor: parts[_part] starts at _offset
        if len(lowered) == len(text) and (text.isascii() or not _FOLDABLE.search(text)):
            self._parts = _SPLIT.split(lowered)
            self.keys: list[str] = self._parts[1::2]
            self._words: list[str] | None = None
        else:
            self._parts = _SPLIT.split(text)
            self._words = self._parts[1::2]
            self.keys = [_key(word) for word in self._words]
        self.gaps: list[str] = self._parts[::2]  # gaps[i] precedes word i; the last ends the text

    def start(self, i: int) -> int:
        """Character offset of word ``i`` (words are mostly asked for in text order)."""
        part = 2 * i + 1
        if part > self._part:
            self._offset += sum(map(len, self._parts[self._part : part]))
        elif part < self._part:
            self._offset -= sum(map(len, self._parts[part : self._part]))
        self._part = part
        return self._offset

    def word(self, i: int) -> str:
        if self._words is not None:
            return self._words[i]
        start = self.start(i)
        return self._text[start : start + len(self.keys[i])]

    def is_titlecase(self, i: int) -> bool:
        word = self.word(i)
        return len(word) > 1 and word[0].isupper() and word[1:].islower()


def _word_hits(words: _Words, index: _Index) -> list[_Hit]:
    """Name matches among the words; the longest name wins and consumes its words."""
    keys = words.keys
    hits: list[_Hit] = []
    free = 0
    for i in [i for i, key in enumerate(keys) if key in index]:
        if i < free:
            continue
        entry = _match_at(words, i, index[keys[i]])
        if entry is None:
            continue
        free = end = i + len(entry.keys)
        if entry.code and (not entry.rules or _context_ok(entry, words, i, end, index)):
            surface = _surface(words, entry, i, end)
            hits.append(_Hit(words.start(i), entry.code, surface, entry.rules))
    return hits


def _match_at(words: _Words, i: int, after: dict[str, tuple[_Entry, ...]]) -> _Entry | None:
    """The longest name starting at word ``i`` (``after`` maps the next word's key to names)."""
    if i + 1 < len(words.keys):
        for entry in after.get(words.keys[i + 1], ()):
            if _fits(entry, words, i):
                return entry
    for entry in after.get("", ()):
        if entry.modes == "a" or _case_ok(entry, 0, words.word(i)):
            return entry
    return None


def _fits(entry: _Entry, words: _Words, i: int) -> bool:
    count = len(entry.keys)
    if i + count > len(words.keys):
        return False
    if any(words.keys[i + n] not in entry.keys[n] for n in range(2, count)):
        return False
    if not all(_GAP.fullmatch(words.gaps[i + n]) for n in range(1, count)):
        return False
    return all(_case_ok(entry, n, words.word(i + n)) for n in range(count) if entry.modes[n] != "a")  # fmt: skip


def _case_ok(entry: _Entry, n: int, word: str) -> bool:
    mode = entry.modes[n]
    if mode == "x":
        return word == entry.words[n]
    if mode == "t":
        return word[0].isupper() and not word.isupper()
    return word[0].isupper()


def _surface(words: _Words, entry: _Entry, start: int, end: int) -> str:
    if end == start + 1 and not entry.dotted:
        return words.word(start)
    surface = words.word(start) + "".join(
        _SPACES.sub(" ", words.gaps[k]) + words.word(k) for k in range(start + 1, end)
    )
    if entry.dotted and words.gaps[end].startswith("."):
        surface += "."
    return surface


def _context_ok(entry: _Entry, words: _Words, start: int, end: int, index: _Index) -> bool:
    """The word-level rules: person, shouty, georgia (", U.S.")."""
    rules = entry.rules
    if "person" in rules and _looks_like_person(words, start, end, index):
        return False
    if "shouty" in rules and _shouted(words, start, end):
        return False
    if "georgia" in rules and end < len(words.keys) and words.gaps[end].strip() == ",":
        return words.keys[end] not in _US_AFTER
    return True


def _looks_like_person(words: _Words, start: int, end: int, index: _Index) -> bool:
    """A capitalised word after the name, or before it (not opening a sentence), that starts no
    country name: "Jordan Peterson", "Michael Jordan"."""
    keys, gaps = words.keys, words.gaps
    if end < len(keys) and gaps[end] == " " and keys[end] not in index:
        following = words.word(end)
        if len(following) > 1 and following[0].isupper():  # "Maurice BISMOUTH" too
            return True
    if start == 0 or gaps[start] != " " or not words.is_titlecase(start - 1):
        return False
    opens_sentence = start == 1 or bool(_SENTENCE_END.search(gaps[start - 1]))
    return not opens_sentence and keys[start - 1] not in index


def _shouted(words: _Words, start: int, end: int) -> bool:
    """A "US" before "$", or among words in capitals only ("TELL US MORE")."""
    if words.gaps[end].startswith("$"):
        return True
    neighbours = []
    if start > 0 and "\n" not in words.gaps[start]:
        neighbours.append(words.word(start - 1))
    if end < len(words.keys) and "\n" not in words.gaps[end]:
        neighbours.append(words.word(end))
    return bool(neighbours) and all(word.isupper() and len(word) > 1 for word in neighbours)


def _cjk_hits(text: str, gazetteer: _Gazetteer) -> list[_Hit]:
    """Substring matches of Chinese and Japanese names; ``pos`` is a character offset."""
    assert gazetteer.cjk is not None
    hits: list[_Hit] = []
    pos = 0
    while match := gazetteer.cjk.search(text, pos):
        start, end, name = match.start(), match.end(), match.group()
        if _katakana_glued(text, start, end, name):
            pos = start + 1
            continue
        entry = gazetteer.cjk_entries[name]
        if entry.code:
            hits.append(_Hit(start, entry.code, name, entry.rules))
        pos = end
    return hits


def _katakana_glued(text: str, start: int, end: int, name: str) -> bool:
    before = start > 0 and _KATAKANA.match(name[0]) and _KATAKANA.match(text[start - 1])
    after = end < len(text) and _KATAKANA.match(name[-1]) and _KATAKANA.match(text[end])
    return bool(before or after)


def _resolve(hits: list[_Hit], text: str) -> list[_Hit]:
    """The text-level rules: congo, georgia, turkey, amman."""
    if not any(hit.rules for hit in hits):
        return hits
    codes = {hit.code for hit in hits if "congo" not in hit.rules}
    kept: list[_Hit] = []
    for hit in hits:
        if "congo" in hit.rules:
            hit = hit._replace(code=_congo(codes, text))
        if _text_rule_ok(hit, text):
            kept.append(hit)
    return kept


def _congo(codes: set[str], text: str) -> str:
    drc = "CD" in codes or _any_in(_CD_MARKERS, text)
    brazzaville = "CG" in codes or _any_in(_CG_MARKERS, text)
    return "CD" if drc and not brazzaville else "CG"


def _text_rule_ok(hit: _Hit, text: str) -> bool:
    rules = hit.rules
    if "georgia" in rules and _any_in(_US_MARKERS, text) and not _any_in(_GE_MARKERS, text):
        return False
    if "turkey" in rules and "thanksgiving" in text.lower() and not _any_in(_TR_MARKERS, text):
        return False
    return not ("amman" in rules and _any_in(_JO_MARKERS, text))


def _any_in(markers: Iterable[str], text: str) -> bool:
    return any(marker in text for marker in markers)


def _mentions(hits: list[_Hit]) -> list[CountryMention]:
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, dict[str, None]] = defaultdict(dict)
    for hit in hits:  # dicts keep first-appearance order
        counts[hit.code] += 1
        names[hit.code][hit.surface] = None
    order = sorted(counts, key=lambda code: -counts[code])  # stable: ties keep text order
    return [CountryMention(code, counts[code], tuple(names[code])) for code in order]


# --- the gazetteer -------------------------------------------------------------------------------


@lru_cache(maxsize=len(LOCALES) + 1)
def _gazetteer(language: str) -> _Gazetteer:
    """The gazetteer for articles in ``language`` ("*": unknown language, every name)."""
    entries = _entries(_names_for(language))
    cjk = {entry.words[0]: entry for entry in entries if not entry.keys}
    index = _index([entry for entry in entries if entry.keys])
    gazetteer = _Gazetteer(index, _cjk_pattern(cjk), cjk, len(entries))
    logger.debug("country gazetteer for %s: %d names", language, gazetteer.size)
    return gazetteer


def _names_for(language: str) -> list[tuple[_Name, int]]:
    """The names used for ``language``, each with its rank (0 is preferred)."""
    hand = _hand_names()
    drops = {(name.text, name.lang) for name in hand if name.code == "-"}
    dropped_here = {text for text, lang in drops if lang in (language, "*")}
    only = _only_in(hand)
    langs = LOCALES if language == "*" else tuple(dict.fromkeys((language, "en")))
    chosen: list[tuple[_Name, int]] = []
    for name in hand:
        if name.code in ("-", "~") or name.text in dropped_here:
            continue
        if name.lang in langs or name.lang == "*":
            chosen.append((name, 0))
    for lang in langs:
        rank = 1 if lang == language else 2 if lang == "en" else 3
        for name in _source_names(lang):
            if name.text in dropped_here or (name.text, lang) in drops:
                continue
            if name.text in only and language not in only[name.text]:
                continue
            chosen.append((name, rank))
    return chosen


def _only_in(hand: list[_Name]) -> dict[str, set[str]]:
    only: dict[str, set[str]] = defaultdict(set)
    for name in hand:
        if name.code == "~":
            only[name.text].add(name.lang)
    return only


@cache
def _hand_names() -> list[_Name]:
    names = []
    for line in (_DATA / "country_aliases.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "name\t")):
            continue
        text, code, lang, *rest = (*line.split("\t"), "")
        rules = frozenset(rule for rule in rest[0].split(",") if rule)
        names.append(_Name(text.strip(), code.strip(), lang.strip() or "*", rules))
    return names


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def _source_names(lang: str) -> tuple[_Name, ...]:
    """CLDR (Babel) and pycountry names of the countries in ``lang``."""
    found: dict[tuple[str, str], None] = {}
    for text, code in (*_babel_names(lang), *_pycountry_names(lang)):
        for variant in _variants(text.strip(), lang):
            found[(variant, code)] = None
    return tuple(
        _Name(text, code, lang, _automatic_rules(text, lang))
        for text, code in found
        if _long_enough(text)
    )


def _automatic_rules(text: str, lang: str) -> frozenset[str]:
    """Vietnamese one-syllable names (Đức, Nga, Pháp) are also people's names."""
    return frozenset({"person"}) if lang == "vi" and " " not in text else frozenset()


def _babel_names(lang: str) -> Iterator[tuple[str, str]]:
    codes = _country_codes()
    for locale in _BABEL_LOCALES.get(lang, (lang,)):
        territories = load_locale_data(locale).get("territories", {})
        for code, text in territories.items():
            if code in codes:
                yield from ((part, code) for part in _cldr_parts(text))


def _cldr_parts(text: str) -> list[str]:
    """``Myanmar (Burma)`` → Myanmar; ``Hong Kong, RAE da China`` → Hong Kong; CJK kept whole too."""
    parts = [re.split("[,،]", re.sub(r"\s*[(（].*?[)）]", "", text))[0]]
    if _HAS_CJK.search(text):
        parts.append(text)
    return parts


def _pycountry_names(lang: str) -> Iterator[tuple[str, str]]:
    translate = _translator(lang)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            text = getattr(country, attr, None)
            if text:
                parts = _pycountry_parts(translate(text), head=lang == "en")
                yield from ((part, country.alpha_2) for part in parts)


def _translator(lang: str) -> Callable[[str], str]:
    locales = _PYCOUNTRY_LOCALES.get(lang, (lang,))
    if not locales:
        return _identity
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=locales).gettext
    except OSError:
        return _identity


def _identity(text: str) -> str:
    return text


_ARTICLE = re.compile(r"^(?:(?:the|la|le|les|el|los|las|die|der|il|lo|a|o|os|as)\s+|l['’])", re.I)


def _pycountry_parts(text: str, head: bool) -> list[str]:
    """``Korea, Republic of`` → Republic of Korea (and Korea if ``head``: only in English, where
    translations such as ``Christmas, Île`` or ``Cook, Îles`` do not leave a bare "Cook");
    ``Saint Martin (French part)`` → Saint Martin."""
    text = re.sub(r"\s*[(（].*?[)）]", "", text).strip()
    if "," not in text:
        return [_without_article(text)]
    first, rest = (part.strip() for part in text.split(",", 1))
    inverted = _without_article(f"{rest} {first}")
    return [first, inverted] if head else [inverted]


def _without_article(text: str) -> str:
    """``the State of Eritrea`` → State of Eritrea; ``El Salvador`` stays."""
    shorter = _ARTICLE.sub("", text)
    return shorter if " " in shorter else text


def _variants(text: str, lang: str) -> list[str]:
    """The name and, in Latin script, its form without accents ("Cote d'Ivoire"), except in
    languages where accents tell words apart (Vietnamese "Mỹ" is not "My")."""
    text = unicodedata.normalize("NFC", text)
    latin = unicodedata.name(text[0], "").startswith("LATIN") if text else False
    if lang in _KEEP_ACCENTS or len(text) < 5 or not latin:
        return [text]
    decomposed = unicodedata.normalize("NFD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [text] if folded == text else [text, folded]


def _long_enough(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    cased = any(c.isupper() for c in text)
    return letters >= (3 if cased else 2)


def _entries(names: list[tuple[_Name, int]]) -> list[_Entry]:
    """Entries keyed by their words; a name claimed by several countries goes to the best-ranked
    claim, and is dropped if equally ranked claims disagree."""
    groups: dict[tuple[str, ...], list[tuple[_Name, int]]] = defaultdict(list)
    for name, rank in names:
        groups[_base_keys(name.text)].append((name, rank))
    entries = []
    for base, claims in groups.items():
        best = min(rank for _, rank in claims)
        top = [(name, rank) for name, rank in claims if rank == best]
        if len({name.code for name, _ in top}) > 1:
            logger.debug("ambiguous country name dropped: %s", base)
            continue
        entries.append(_entry(base, top[0][0], best, [name for name, _ in top]))
    return entries


def _base_keys(text: str) -> tuple[str, ...]:
    if _HAS_CJK.search(text):
        return ("\x00" + text,)
    return tuple(_key(word) for word in _WORD.findall(text))


def _entry(base: tuple[str, ...], name: _Name, rank: int, same: list[_Name]) -> _Entry:
    if base and base[0].startswith("\x00"):
        return _Entry(name.code, (), (name.text,), "", name.rules, rank)
    words = tuple(_WORD.findall(name.text))
    keys = tuple(
        frozenset(_forms(key, word, n, len(words), same))
        for n, (key, word) in enumerate(zip(base, words, strict=True))
    )
    dotted = name.text.endswith(".")
    return _Entry(name.code, keys, words, _modes(words), name.rules, rank, dotted)


def _modes(words: tuple[str, ...]) -> str:
    """The case each word needs; in a name of three words or more, only its last capital does
    ("république démocratique du Congo", "República democrática do Congo")."""
    modes = "".join(_mode(word, len(words)) for word in words)
    if len(words) < 3 or "c" not in modes:
        return modes
    last = modes.rindex("c")
    return modes[:last].replace("c", "a") + modes[last:]


def _mode(word: str, count: int) -> str:
    if word.isupper():
        return "x"
    if word[0].isupper():
        return "t" if count == 1 and len(word) <= 3 else "c"
    return "a"


def _forms(key: str, word: str, n: int, count: int, names: list[_Name]) -> Iterator[str]:
    """Accepted keys of the ``n``-th of ``count`` words of a name (inflected, prefixed)."""
    yield key
    langs = {name.lang for name in names}
    fixed = any("fixed" in name.rules for name in names)
    for lang in langs & _INFLECTIONS.keys() if not fixed else ():
        if n == count - 1 or lang not in _LAST_WORD_ONLY:
            yield from _inflected(key, _INFLECTIONS[lang])
    script = unicodedata.name(word[0], "")
    if n == 0 and script.startswith("ARABIC") and langs & {"ar", "*"}:
        yield from _arabic_prefixed(key)
    elif n == 0 and script.startswith("HEBREW"):
        yield from (prefix + key for prefix in _HE_PREFIXES)
    if n == count - 1 and script.startswith("HANGUL"):
        yield from (key + particle for particle in _KO_PARTICLES)


def _inflected(key: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> Iterator[str]:
    if len(key) < 3 or not key.isalpha():
        return
    for ending, endings in table:
        if ending in ("", "*"):
            if ending == "*" or key[-1] not in _VOWELS:
                yield from (key + other for other in endings)
                return
        elif key.endswith(ending):
            yield from (key[: -len(ending)] + other for other in endings)
            return


def _arabic_prefixed(key: str) -> Iterator[str]:
    yield from (prefix + key for prefix in _AR_PREFIXES)
    if key.startswith("ال"):
        yield from (prefix + "ل" + key[1:] for prefix in ("", "و", "ف"))


def _index(entries: list[_Entry]) -> _Index:
    """First word's key -> second word's key ("" for one-word names) -> the names: longest first,
    then a word written as in the gazetteer before an inflected one, then the best rank."""
    base_of: dict[str, str] = {}
    for entry in entries:
        if len(entry.keys) == 1:
            base_of.setdefault(_key(entry.words[0]), entry.code)
    found: dict[str, dict[str, list[tuple[int, bool, int, _Entry]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for entry in entries:
        base = _key(entry.words[0])
        seconds = entry.keys[1] if len(entry.keys) > 1 else ("",)
        for form in entry.keys[0]:
            if form != base and base_of.get(form, entry.code) != entry.code:
                continue  # an inflected form that is another country's name
            for second in seconds:
                found[form][second].append((-len(entry.keys), form != base, entry.rank, entry))
    return {
        form: {
            second: tuple(item[3] for item in sorted(items, key=lambda item: item[:3]))
            for second, items in after.items()
        }
        for form, after in found.items()
    }


def _cjk_pattern(entries: dict[str, _Entry]) -> re.Pattern[str] | None:
    if not entries:
        return None
    return re.compile(_trie(sorted(entries)))


def _trie(words: list[str]) -> str:
    """A regex alternation of ``words`` shaped as a prefix tree, longer words first."""
    tree: _Tree = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(tree)


def _trie_node(node: _Tree) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in node.items() if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
