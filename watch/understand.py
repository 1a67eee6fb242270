"""The understanding of one text: language, topics, countries mentioned, relevance.

One :class:`Analyzer` serves the crawl's pipelines, ``llwatch analyze`` and ``llwatch retag``, so
a text gets the same answer wherever it is analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from watch.countries import CountryMention, country_codes, find_countries
from watch.items import Article, TopicTag
from watch.language import detect_language
from watch.relevance import DEFAULT_THRESHOLD, relevance
from watch.taxonomy import Taxonomy, default_taxonomy
from watch.topics import MIN_SCORE, Tagger, default_tagger

__all__ = ["Analysis", "Analyzer"]

#: Characters of body text given to the language detector.
LANGUAGE_SAMPLE = 1000
#: Countries kept per article (most mentioned first).
MAX_COUNTRIES = 10


@dataclass
class Analysis:
    """What the analyzer found, and why."""

    language: str
    language_confidence: float
    topics: list[TopicTag] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    relevance: float = 0.0
    relevant: bool = False
    contributions: list[tuple[str, float]] = field(default_factory=list)  # relevance by topic
    mentions: list[CountryMention] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of ``llwatch analyze``."""
        return {
            "language": self.language,
            "language_confidence": self.language_confidence,
            "topics": [asdict(t) for t in self.topics],
            "countries": self.countries,
            "relevance": self.relevance,
            "relevant": self.relevant,
        }


class Analyzer:
    """Language → topics → countries → relevance, with one taxonomy and one threshold."""

    def __init__(
        self, taxonomy: Taxonomy | None = None, threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        self.tagger = Tagger(taxonomy) if taxonomy is not None else default_tagger()
        self.taxonomy = taxonomy or default_taxonomy()
        self.threshold = threshold
        self._weights = {t.id: t.weight for t in self.taxonomy.topics}

    @staticmethod
    def detect(title: str, summary: str, text: str, hints: Sequence[str] = ()) -> tuple[str, float]:
        """The language of title + summary + the start of the text, helped by the hints."""
        return detect_language("\n".join((title, summary, text[:LANGUAGE_SAMPLE])), hints)

    def analyze(
        self,
        title: str,
        text: str,
        summary: str = "",
        hints: Sequence[str] = (),
        language: str | None = None,
    ) -> Analysis:
        """Analyse one text; ``language`` skips detection when already known."""
        if language is None:
            language, confidence = self.detect(title, summary, text, hints)
        else:
            confidence = 1.0
        body = f"{summary}\n{text}" if summary and summary not in text else text
        evidence = self.tagger.evidence(title, body, language)
        score, contributions = relevance(evidence, self._weights)
        mentions = find_countries(body, language, title)
        return Analysis(
            language=language,
            language_confidence=confidence,
            topics=[e.tag() for e in evidence if e.score >= MIN_SCORE],
            countries=country_codes(mentions, MAX_COUNTRIES),
            relevance=score,
            relevant=score >= self.threshold,
            contributions=contributions,
            mentions=mentions,
        )

    def apply(self, article: Article, *, detect: bool = True) -> Analysis:
        """Analyse an article and set its language, topics, countries and relevance."""
        found = self.analyze(
            article.title,
            article.text,
            article.summary,
            article.declared_languages,
            None if detect else article.language,
        )
        article.language, article.language_confidence = found.language, found.language_confidence
        article.topics, article.countries = found.topics, found.countries
        article.relevance = found.relevance
        return found
