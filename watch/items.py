"""The article: the one record type passed between the crawl, the pipelines and the stores."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["ARTICLE_FIELDS", "Article", "TopicTag"]


@dataclass
class TopicTag:
    """One topic of an article, with why it was given (filled by the understanding pipelines)."""

    id: str  # a topic id of watch/taxonomy.yaml
    score: float  # 0..1
    terms: list[str] = field(default_factory=list)  # the terms that matched


@dataclass
class Article:
    """A news article as stored and served. Every date is UTC ISO 8601 (``2026-11-26T14:05:00Z``)."""

    id: str = ""  # stable: first 32 hex chars of sha256(canonical_url)
    url: str = ""  # the link as the feed gave it
    canonical_url: str = ""  # after redirects, without tracking parameters (see watch.urls)
    source_id: str = ""  # feeds.yaml id
    source_name: str = ""
    source_country: str = ""  # ISO 3166-1 alpha-2, or a region slug / "global"
    source_org_type: str = ""  # feeds.yaml org_type
    feed_url: str = ""  # the feed the article came from
    title: str = ""
    summary: str = ""  # plain text, from the feed (or the page description)
    text: str = ""  # plain-text body (paragraphs separated by blank lines)
    authors: list[str] = field(default_factory=list)
    published_at: str = ""  # UTC ISO 8601, "" when unknown
    fetched_at: str = ""  # UTC ISO 8601
    language: str = "und"  # ISO 639-1, "und" when unknown
    language_confidence: float = 0.0  # 0..1
    topics: list[TopicTag] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2 mentioned
    relevance: float | None = None  # 0..1 relevance to lifelong learning (None: not scored)
    simhash: str = ""  # 16 hex chars, near-duplicate fingerprint
    cluster_id: str = ""  # id of the earliest article of its near-duplicate cluster
    content_hash: str = ""  # sha256 of the normalised text (exact duplicates)
    extraction: str = ""  # where the text came from: "page" (trafilatura), "pdf" or "feed"
    extraction_note: str = ""  # why the feed's text was used, e.g. "page: HTTP 404"
    declared_languages: list[str] = field(default_factory=list)  # hints: feed, page, source
    entry_key: str = ""  # crawl only: the feed entry's key (guid or link), not stored in the index
    entry_hash: str = ""  # crawl only: fingerprint of the entry, to see when the feed changes it
    source_focus: str = ""  # crawl only: feeds.yaml focus (general sources keep relevant articles)
    duplicate_of: str = ""  # crawl only: id of a stored article with the same text at another URL
    source_since: str = ""  # crawl only: feeds.yaml since (no article of the source is older)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every stored field (crawl-only fields left out)."""
        data = asdict(self)
        for name in CRAWL_ONLY:
            data.pop(name)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {k: v for k, v in data.items() if k in _NAMES}
        known["topics"] = [TopicTag(**t) for t in known.get("topics") or []]
        return cls(**known)


CRAWL_ONLY = ("declared_languages", "entry_key", "entry_hash", "source_focus", "duplicate_of",
              "source_since")  # fmt: skip
_NAMES = frozenset(f.name for f in fields(Article))
#: The stored fields, in order (export columns).
ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article) if f.name not in CRAWL_ONLY)
