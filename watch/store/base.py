"""What every article store offers (SQLite or Elasticsearch), and the crawl-state records.

The crawl state (validators, failure counters, seen feed entries, run records) always lives in
the local SQLite file; only the article index can move to another backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from watch.items import Article
from watch.query import Node

if TYPE_CHECKING:
    from watch.health import PublishingStats

__all__ = [
    "FACET_FIELDS",
    "ArticleStore",
    "CountField",
    "Duplicate",
    "FacetField",
    "Hit",
    "Interval",
    "SearchResult",
    "Sort",
    "SourceRun",
    "SourceState",
    "Trend",
    "UpsertOutcome",
]

Sort = Literal["relevance", "date"]
Interval = Literal["day", "week", "month", "year"]
UpsertOutcome = Literal["new", "updated", "unchanged"]
CountField = Literal["source_id", "language", "source_country"]
FacetField = Literal["topic", "country", "language", "source", "source-country", "year"]
#: The facets ``llwatch search --facets`` shows.
FACET_FIELDS: tuple[FacetField, ...] = ("topic", "country", "language")


@dataclass
class Hit:
    """One search result."""

    article: Article
    score: float = 0.0  # higher is better; 0 when sorted by date
    snippet: str = ""  # a passage of the text with the matches between [ and ]
    cluster_size: int = (
        1  # articles in its near-duplicate cluster (article.cluster_id), itself included
    )


@dataclass
class SearchResult:
    """A page of results and the size of the whole result set."""

    total: int
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Trend:
    """Articles over time: ``periods`` are the first days (YYYY-MM-DD; weeks start on Monday)
    from the first period with an article to the last, none skipped; ``series`` maps a value of
    the field asked for (or "" for all the matching articles) to its count in each period."""

    interval: Interval
    periods: list[str] = field(default_factory=list)
    series: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Duplicate:
    """An article already stored that a new one duplicates (same canonical URL or same text)."""

    id: str
    url: str
    canonical_url: str
    reason: Literal["url", "content"]


@dataclass
class SourceState:
    """What the crawl remembers of one source between runs."""

    source_id: str
    etag: str = ""
    last_modified: str = ""
    body_hash: str = ""
    last_attempt: str = ""  # UTC ISO 8601
    last_success: str = ""
    consecutive_failures: int = 0
    last_error: str = ""
    failure_score: float = 0.0  # graded failures since the last success (watch.health)
    last_changed: str = ""  # when the source last answered with new content
    unchanged_polls: int = 0  # polls in a row that found nothing changed
    interval: int = 0  # polling interval adapted to the publishing rate (0: the feeds.yaml one)


@dataclass
class SourceRun:
    """The outcome of one source in one run."""

    source_id: str
    status: Literal["ok", "not_modified", "failed", "skipped"] = "ok"
    entries: int = 0  # entries in the feed
    fetched: int = 0  # article pages downloaded
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # articles that could not be stored
    fallback: int = 0  # articles whose text came from the feed because the page failed
    not_relevant: int = 0  # articles of a general source dropped as not relevant
    error: str = ""
    duration: float = 0.0  # seconds


class ArticleStore(Protocol):
    """The article index: idempotent upserts keyed by id, search by query tree, streaming export."""

    def upsert(self, articles: Sequence[Article]) -> list[UpsertOutcome]: ...

    def find_duplicate(self, article_id: str, content_hash: str) -> Duplicate | None: ...

    def get(self, article_id: str) -> Article | None: ...

    def search(
        self, query: Node | None, *, sort: Sort = "relevance", limit: int = 20, offset: int = 0
    ) -> SearchResult: ...

    def iter_articles(
        self, query: Node | None, *, sort: Sort = "date", brief: bool = False
    ) -> Iterator[Article]: ...

    def count(self, query: Node | None = None) -> int: ...

    def count_by(self, field: CountField) -> dict[str, int]: ...

    def facets(
        self, query: Node | None, fields: Sequence[FacetField] = FACET_FIELDS, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]: ...

    def trend(
        self,
        query: Node | None,
        interval: Interval = "month",
        by: FacetField | None = None,
        limit: int = 8,
    ) -> Trend: ...

    def publishing(self, now: datetime | None = None) -> dict[str, PublishingStats]: ...

    def close(self) -> None: ...
