"""Topic tagging with spaCy: lemma-based phrase matching against the taxonomy, explainable.

One blank spaCy pipeline per language, with the lookup lemmatizer's table where
spacy-lookups-data has one (en, fr, es, pt, de, it, nl, …) and lower-case norms elsewhere; each
word's lower-cased lemma is put in its lexeme's NORM (so "Learners" and "learners" both give
"learner"), once per word. The
taxonomy's terms go through the same pipeline and three PhraseMatchers on NORM are built once per
language: topic terms, context words, exclusions. A term inside an exclusion ("machine learning")
is ignored; a ``context: true`` term counts only when a context word occurs too.

Evidence per topic = Σ term weight × (TITLE_BOOST in the title), normalised for length; the score
is ``1 - exp(-evidence / SCALE)``. Topics scoring at least MIN_SCORE are kept, with their terms.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import spacy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import load_language_data, registry

from watch.items import TopicTag
from watch.taxonomy import Taxonomy, Term, default_taxonomy
from watch.text import html_to_text

__all__ = ["MIN_SCORE", "TITLE_BOOST", "Tagger", "TopicEvidence", "default_tagger"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

TITLE_BOOST = 2.5
MIN_SCORE = 0.35
SCALE = 2.0
#: Texts are cut to this many characters before tagging (bounded cost on huge pages).
MAX_CHARS = 20_000
_TAG = re.compile(r"<[A-Za-z/!][^<>]{0,200}>")
#: A term this heavy (and not itself context-gated) is unambiguous: it counts as context too.
STRONG_TERM = 1.5
#: Words of body text that count as one "unit" of length in the normalisation.
LENGTH_UNIT = 300


@dataclass
class TopicEvidence:
    """Why a topic was given: the raw evidence, the normalised score and the matched terms."""

    id: str
    evidence: float
    score: float
    terms: list[str] = field(default_factory=list)

    def tag(self) -> TopicTag:
        return TopicTag(self.id, round(self.score, 3), sorted(set(self.terms)))


class _LanguageMatcher:
    """The pipeline and matchers of one language."""

    def __init__(self, language: str, taxonomy: Taxonomy) -> None:
        self.nlp, self.lemmas = _pipeline(language)
        self._normed: set[int] = set()
        self.terms: dict[int, tuple[str, Term]] = {}
        self.topic_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.context_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.exclusion_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self._add_terms(language, taxonomy)
        self._add_phrases(self.context_matcher, "context", taxonomy.context.get(language, ()))
        self._add_exclusions(language, taxonomy)

    def doc(self, text: str) -> Doc:
        """The tokenised text, each new word's NORM set to its lower-cased lookup lemma.

        A lookup lemma depends on the word alone, so it is set once per word on the vocabulary's
        lexeme (every token of that word then has it): no per-token Python work."""
        doc = self.nlp.make_doc(text)
        fresh = set(doc.to_array(ORTH).tolist()) - self._normed
        for orth in fresh:
            lexeme = self.nlp.vocab[orth]
            lexeme.norm_ = self._norm(lexeme.orth_)
        self._normed |= fresh
        return doc

    def _norm(self, text: str) -> str:
        """The lower-cased lemma (looked up as written, then lower-cased), or the lower-case text."""
        if self.lemmas is None:
            return text.lower()
        found = self.lemmas.get(text) or self.lemmas.get(text.lower()) or text
        if isinstance(found, list):
            found = found[0] if found else text
        return str(found).lower()

    def _add_terms(self, language: str, taxonomy: Taxonomy) -> None:
        for topic in taxonomy.topics:
            for term in topic.terms.get(language, ()):
                key = f"{topic.id}\x1f{term.text}"
                self.terms[self.nlp.vocab.strings.add(key)] = (topic.id, term)
                self.topic_matcher.add(key, [self.doc(term.text)])

    def _add_phrases(self, matcher: PhraseMatcher, key: str, phrases: Iterable[str]) -> None:
        docs = [self.doc(p) for p in phrases if p]
        if docs:
            matcher.add(key, docs)

    def _add_exclusions(self, language: str, taxonomy: Taxonomy) -> None:
        self._add_phrases(self.exclusion_matcher, "*", taxonomy.exclusions.get(language, ()))
        for topic in taxonomy.topics:
            self._add_phrases(self.exclusion_matcher, topic.id, topic.exclusions.get(language, ()))


def _pipeline(language: str) -> tuple[Language, Any]:
    """A blank pipeline (the tokenizer) and the lookup lemmatizer's table, if spacy-lookups-data
    has one for the language (else None: lower-case norms)."""
    spacy_logger = logging.getLogger("spacy")  # it has its own handler: quiet its set-up chatter
    level = spacy_logger.level
    spacy_logger.setLevel(logging.WARNING)
    try:
        return _build_pipeline(language)
    finally:
        spacy_logger.setLevel(level)


def _build_pipeline(language: str) -> tuple[Language, Any]:
    try:
        nlp = spacy.blank(language)
    except Exception:  # spaCy has no such language: a multi-language tokenizer
        nlp = spacy.blank("xx")
    return nlp, _lemma_table(str(nlp.lang))


def _lemma_table(language: str) -> dict[str, Any] | None:
    """The lookup lemmatizer's table of spacy-lookups-data for the language, as a plain dict.

    Read straight from the package's file (through spaCy's lookups registry): ``load_lookups``
    would hash every key into a ``Table`` first, five times slower for the large tables (Portuguese
    has 825,000 forms); only this table is read, not the lexeme probabilities and clusters."""
    if language not in registry.lookups:
        return None
    path = registry.lookups.get(language).get("lemma_lookup")
    data = load_language_data(path) if path else None
    return data if isinstance(data, dict) and data else None


class Tagger:
    """Tags texts with the taxonomy's topics; one set of matchers per language, built on first use."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._matchers: dict[str, _LanguageMatcher] = {}
        self._lock = threading.Lock()

    def supports(self, language: str) -> bool:
        return language in self.taxonomy.languages

    def matcher(self, language: str) -> _LanguageMatcher:
        with self._lock:
            if language not in self._matchers:
                logger.info("building the %s topic matcher", language)
                self._matchers[language] = _LanguageMatcher(language, self.taxonomy)
            return self._matchers[language]

    def evidence(self, title: str, text: str, language: str) -> list[TopicEvidence]:
        """Every topic with any evidence, best first (scores not yet thresholded)."""
        if not self.supports(language):
            return []
        matcher = self.matcher(language)
        docs = [
            (matcher.doc(_plain(title[:1000])), TITLE_BOOST),
            (matcher.doc(_plain(text[:MAX_CHARS])), 1.0),
        ]
        hits = [(i, doc, boost, _Spans(matcher, doc)) for i, (doc, boost) in enumerate(docs)]
        found = [
            (i, boost, spans, start, end, *matcher.terms[match_id])
            for i, doc, boost, spans in hits
            for match_id, start, end in _longest(matcher.topic_matcher(doc), matcher.terms)
            if not spans.excluded(start, end, matcher.terms[match_id][0])
        ]
        for _i, _, spans, start, end, _, term in found:  # an unambiguous term is context too
            if not term.context and term.weight >= STRONG_TERM:
                spans.context.append((start, end))
        counts: Counter[tuple[str, Term, float]] = Counter()
        for i, boost, _, start, end, topic_id, term in found:
            if term.context and not any(h[3].context_outside(start, end, i == h[0]) for h in hits):
                continue
            counts[(topic_id, term, boost)] += 1
        units = 1.0 + math.log1p(len(docs[1][0]) / LENGTH_UNIT)
        return _scored(counts, units)

    def tag(self, title: str, text: str, language: str) -> list[TopicTag]:
        """The topics scoring at least MIN_SCORE, best first, with their matched terms."""
        return [e.tag() for e in self.evidence(title, text, language) if e.score >= MIN_SCORE]


class _Spans:
    """The exclusion and context spans of one doc."""

    def __init__(self, matcher: _LanguageMatcher, doc: Doc) -> None:
        self.exclusions = _excluded_spans(matcher, doc)
        global_exclusions = [(s, e) for s, e, label in self.exclusions if label == "*"]
        self.context = [
            (s, e)
            for _, s, e in matcher.context_matcher(doc)
            if not any(xs <= s and e <= xe for xs, xe in global_exclusions)
        ]

    def excluded(self, start: int, end: int, topic_id: str) -> bool:
        """Whether the span lies inside an exclusion (global or of this topic)."""
        return any(
            s <= start and end <= e for s, e, lab in self.exclusions if lab in ("*", topic_id)
        )

    def context_outside(self, start: int, end: int, same_doc: bool) -> bool:
        """Whether a context word occurs that is not part of the span itself."""
        return any(not same_doc or e <= start or s >= end for s, e in self.context)


def _scored(counts: Counter[tuple[str, Term, float]], units: float) -> list[TopicEvidence]:
    """Evidence per topic: each term's weight × boost × (1 + ln n) for n occurrences, so that a
    term repeated many times (affiliations, boilerplate) cannot make a topic on its own."""
    found: dict[str, TopicEvidence] = {}
    for (topic_id, term, boost), n in sorted(
        counts.items(), key=lambda kv: (kv[0][0], kv[0][1].text, -kv[0][2])
    ):
        ev = found.setdefault(topic_id, TopicEvidence(topic_id, 0.0, 0.0))
        ev.evidence += term.weight * boost * (1.0 + math.log(n))
        ev.terms.append(term.text)
    for ev in found.values():
        ev.score = 1.0 - math.exp(-ev.evidence / (SCALE * units))
    return sorted(found.values(), key=lambda e: (-e.score, e.id))


def _longest(
    matches: list[tuple[int, int, int]], terms: dict[int, tuple[str, Term]]
) -> list[tuple[int, int, int]]:
    """Longest matches first: a match inside a longer one is dropped ("adult literacy" hides
    "literacy", "digital literacy" hides the literacy topic's "literacy"), and so is one that
    overlaps a longer match of the same topic (no word counted twice for a topic)."""
    ordered = sorted(matches, key=lambda m: (m[1] - m[2], m[1]))
    kept: list[tuple[int, int, int]] = []
    for match in ordered:
        if not any(_hides(k, match, terms) for k in kept):
            kept.append(match)
    return kept


def _hides(
    kept: tuple[int, int, int], match: tuple[int, int, int], terms: dict[int, tuple[str, Term]]
) -> bool:
    (kid, ks, ke), (mid, ms, me) = kept, match
    if (ks, ke) == (ms, me):
        return False  # the same words for another topic: both count
    if ks <= ms and me <= ke:
        return True
    overlaps = ms < ke and ks < me
    return overlaps and terms[kid][0] == terms[mid][0]


def _plain(text: str) -> str:
    """Text without markup (HTML given where text was expected)."""
    return html_to_text(text) if _TAG.search(text) else text


def _excluded_spans(matcher: _LanguageMatcher, doc: Doc) -> list[tuple[int, int, str]]:
    strings = matcher.nlp.vocab.strings
    return [(s, e, strings[m]) for m, s, e in matcher.exclusion_matcher(doc)]


_default: Tagger | None = None
_default_lock = threading.Lock()


def default_tagger() -> Tagger:
    """The tagger of the shipped taxonomy (built once per process)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Tagger(default_taxonomy())
        return _default
