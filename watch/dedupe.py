"""Near-duplicate fingerprints: MinHash over shingles, banded for LSH lookups (pure, no Scrapy).

Two texts are near-duplicates (the same story reposted, syndicated, lightly edited or shortened)
when either

* their whole texts overlap: estimated Jaccard similarity of their shingle sets >= ``JACCARD``; or
* their leads match: the first ``LEAD_TOKENS`` tokens have Jaccard >= ``LEAD_JACCARD`` and the
  shorter text is short (a summary, at most ``SHORT`` shingles) or mostly inside the longer one
  (containment estimated from the Jaccard and the set sizes >= ``CONTAINMENT``). This finds a feed
  summary or a shortened repost against the full article, whose whole-text Jaccard is low because
  one is a small part of the other, without joining two long stories that open on one boilerplate
  paragraph (a series introduction);

and, in both cases, their numbers agree: when both texts (with their titles) contain tokens with
digits (kept whole: ``18.09``, ``16:30``), at least
``NUMBERS`` of the smaller set is in the other. Template stories of one source (release notes,
weather for another city, a fire brigade's call-outs) share almost every word and differ in their
slots, which are mostly numbers (versions, dates, times, counts); a repost keeps its numbers;

and their names agree: every name (a capitalised word inside a sentence) that the shorter text
(with its title) repeats is found in the longer one. The weather "for Rosario" and "for
Catamarca", or two stand-up videos of one show with another comedian, share nearly every word
but not the name they are about.

Texts are folded first (NFKC, case, punctuation and spacing ignored). Tokens are words; in
scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) every character
is a token, so shingles are character n-grams there. Shingles are ``SHINGLE`` tokens long.
A text with fewer than ``MIN_SHINGLES`` shingles (a title, a one-line teaser) gets no fingerprint
and is never clustered: short texts share too much by chance.

Candidates are found by LSH banding: the signature is cut into bands, each band hashed to a key;
texts sharing a key are compared. Keys are signed 64-bit integers so a SQLite index holds them.
MinHash is datasketch's (vectorised with numpy, which spaCy already brings in).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

__all__ = [
    "CONTAINMENT",
    "JACCARD",
    "LEAD_JACCARD",
    "MIN_SHINGLES",
    "NUMBERS",
    "SHORT",
    "Fingerprint",
    "fingerprint",
    "head_key",
    "shingles",
    "similar",
    "tokens",
]

SHINGLE = 3  # tokens per shingle
MIN_SHINGLES = 20  # fewer: no fingerprint (a title or a teaser alone never clusters)
LEAD_TOKENS = 40  # the opening compared on its own (summary vs body, shortened reposts)
NUM_PERM = 128  # whole-text signature length
LEAD_PERM = 64  # lead signature length
ROWS = 4  # signature values per LSH band: 32 bands on the text, 16 on the lead
JACCARD = 0.5  # whole texts at least this similar are near-duplicates
LEAD_JACCARD = 0.7  # or leads at least this similar, and
SHORT = 60  # the shorter text at most this many shingles, or
CONTAINMENT = 0.7  # at least this share of the shorter one's shingles in the longer one
NUMBERS = 0.5  # share of the smaller set of number tokens found in the other
MAX_NUMBERS = 64  # number tokens kept per fingerprint
MAX_NAMES = 512  # names kept per fingerprint (repeated names: 64)

_SCHEME = "affine32"  # datasketch >= 2.0 hashing; stored signatures depend on it
_WORD = re.compile(r"\w+")
_SENTENCE_END = set(".!?:;\"'«»“”‘’()[]|-–—…\n")  # a capital after these may not be a name
_NUMBER = re.compile(r"\w*\d(?:[.,:/-]?\w)*")
# Scripts written without spaces between words: each character is a token.
_NO_SPACES = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)

_UNSPACED_SPLIT = re.compile(f"{_NO_SPACES.pattern}|[^{_NO_SPACES.pattern[1:-1]}]+")


@dataclass(frozen=True)
class Fingerprint:
    """MinHash signatures of a text (uint32 values) and the LSH band keys derived from them."""

    text: bytes  # NUM_PERM uint32, little-endian
    lead: bytes  # LEAD_PERM uint32, little-endian
    size: int  # distinct shingles of the whole text
    numbers: bytes = b""  # sorted distinct uint32 hashes of the tokens with digits (at most 64)
    names: bytes = b""  # sorted uint32 hashes of the names (capitalised inside a sentence)
    key_names: bytes = b""  # the same, of the names that occur at least twice

    @property
    def keys(self) -> list[int]:
        """LSH band keys: text bands and lead bands, each a signed 64-bit int."""
        return _band_keys(b"t", self.text) + _band_keys(b"l", self.lead)


def tokens(text: str) -> list[str]:
    """Folded tokens: words, and single characters of scripts written without spaces."""
    out: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if _NO_SPACES.search(word):
            out.extend(_split_unspaced(word))
        else:
            out.append(word)
    return out


def _split_unspaced(word: str) -> list[str]:
    """``abc中文def`` -> ``abc``, ``中``, ``文``, ``def``: Latin runs stay words."""
    return _UNSPACED_SPLIT.findall(word)


def shingles(words: Sequence[str]) -> set[str]:
    """The set of ``SHINGLE``-token shingles of a token list."""
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def fingerprint(text: str, title: str = "") -> Fingerprint | None:
    """The fingerprint of a text, or None when it is too short to cluster safely.

    The title only adds its numbers to the number check (template stories often carry their slot
    there: "NixOS 18.09 released"); the signatures are of the text alone.
    """
    words = tokens(text)
    whole = shingles(words)
    if len(whole) < MIN_SHINGLES:
        return None
    return Fingerprint(
        text=_signature(whole, NUM_PERM),
        lead=_signature(shingles(words[:LEAD_TOKENS]), LEAD_PERM),
        size=len(whole),
        numbers=_numbers(f"{title}\n{text}"),
        **_names(f"{title}\n{text}"),
    )


def similar(a: Fingerprint, b: Fingerprint) -> bool:
    """True when two fingerprints are of near-duplicate texts (see the module docstring)."""
    whole = _jaccard(a.text, b.text)
    if whole < JACCARD and not _leads_match(a, b, whole):
        return False
    if not _numbers_agree(a.numbers, b.numbers):
        return False
    shorter, longer = sorted((a, b), key=lambda f: f.size)
    return _subset(shorter.key_names, longer.names)


def _leads_match(a: Fingerprint, b: Fingerprint, whole: float) -> bool:
    if _jaccard(a.lead, b.lead) < LEAD_JACCARD:
        return False
    small, large = sorted((a.size, b.size))
    shared = whole * (small + large) / (1 + whole)  # |A ∩ B| from J = |A ∩ B| / |A ∪ B|
    return small <= SHORT or shared >= CONTAINMENT * small


def _numbers(text: str) -> bytes:
    """Hashes of the number tokens, kept whole: ``18.09``, ``16.08.2018``, ``16:30``, ``3.5.0rc1``."""
    return _hashes(_NUMBER.findall(unicodedata.normalize("NFKC", text).casefold()), MAX_NUMBERS)


def _names(text: str) -> dict[str, bytes]:
    """Hashes of the capitalised words that do not start a sentence, and of those repeated."""
    text = unicodedata.normalize("NFKC", text)
    counts: Counter[str] = Counter()
    for match in _WORD.finditer(text):
        before = text[max(0, match.start() - 3) : match.start()].rstrip()
        if match.group()[0].isupper() and before and before[-1] not in _SENTENCE_END:
            counts[match.group().casefold()] += 1
    repeated = [w for w, n in counts.items() if n >= 2]
    return {"names": _hashes(counts, MAX_NAMES), "key_names": _hashes(repeated, MAX_NAMES // 8)}


def _hashes(words: Iterable[str], limit: int) -> bytes:
    hashed = sorted({int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
                     for w in words})  # fmt: skip
    return np.asarray(hashed[:limit], dtype="<u4").tobytes()


def _subset(small: bytes, large: bytes) -> bool:
    x, y = np.frombuffer(small, dtype="<u4"), np.frombuffer(large, dtype="<u4")
    return len(np.intersect1d(x, y)) == len(x)


def _numbers_agree(a: bytes, b: bytes) -> bool:
    x, y = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    if not len(x) or not len(y):
        return True
    return len(np.intersect1d(x, y)) >= NUMBERS * min(len(x), len(y))


def head_key(published_at: str, fetched_at: str, article_id: str) -> tuple[bool, str, str, str]:
    """Sort key of a cluster's members: the head is the least (unknown dates sort last)."""
    return (not published_at, published_at, fetched_at, article_id)


def _signature(items: set[str], num_perm: int) -> bytes:
    minhash = MinHash(num_perm=num_perm, permutations=_permutations(num_perm), scheme=_SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in items])
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


@cache
def _permutations(num_perm: int) -> np.ndarray:
    """datasketch's permutations for (num_perm, seed 1), drawn once instead of per text."""
    return MinHash(num_perm=num_perm, scheme=_SCHEME).permutations


def _jaccard(a: bytes, b: bytes) -> float:
    x, y = np.frombuffer(a, dtype="<u4"), np.frombuffer(b, dtype="<u4")
    return float(np.count_nonzero(x == y)) / len(x) if len(x) == len(y) and len(x) else 0.0


def _band_keys(kind: bytes, signature: bytes) -> list[int]:
    width = ROWS * 4
    return [
        int.from_bytes(
            hashlib.blake2b(kind + bytes([i]) + signature[i * width : (i + 1) * width],
                            digest_size=8).digest(),
            "little",
            signed=True,
        )
        for i in range(len(signature) // width)
    ]  # fmt: skip
