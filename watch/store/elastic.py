"""The article store on Elasticsearch: the same contract as the SQLite store (watch.store.base),
through the official client, over the alias of watch.store.elastic_index.

Writes go through watch.store.elastic_delivery (bulk upserts keyed by id; what the cluster cannot
take waits in the local outbox). Articles whose document would not change are not sent again
(one ``mget`` per batch tells), so the crawl's new / updated / unchanged counts mean what they
mean on SQLite. Queries are compiled by watch.store.elastic_query; deep pages and full exports
use ``search_after``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from watch.items import Article
from watch.query import Node
from watch.store.base import (
    FACET_FIELDS,
    CountField,
    Duplicate,
    FacetField,
    Hit,
    SearchResult,
    Sort,
    UpsertOutcome,
)
from watch.store.elastic_delivery import deliver
from watch.store.elastic_docs import alias_name, from_document, to_document
from watch.store.elastic_query import (
    compile_query,
    count_body,
    facets_aggs,
    read_facets,
    search_body,
)
from watch.store.state import CrawlState

__all__ = ["ElasticArticleStore"]

#: Hits per request when walking a whole result set (export, iter_articles).
PAGE = 500
_COUNT_FIELDS = {
    "source_id": "source_id",
    "language": "language",
    "source_country": "source_country",
}


class ElasticArticleStore:
    """ArticleStore on an Elasticsearch alias; crawl state and outbox stay in ``state``."""

    def __init__(
        self,
        client: Any,
        prefix: str,
        state: CrawlState,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.alias = alias_name(prefix)
        self.state = state
        self.sleep = sleep  # between bulk retries (tests pass a no-op)

    # --- writes ----------------------------------------------------------------------------

    def upsert(self, articles: Sequence[Article]) -> list[UpsertOutcome]:
        """Store each article (keyed by id); an article that cannot be stored now waits in the
        outbox and counts as new or updated all the same: it is not lost."""
        if not articles:
            return []
        stored = self._stored_documents([a.id for a in articles])
        outcomes: list[UpsertOutcome] = []
        changed: list[Article] = []
        for article in articles:
            old = stored.get(article.id)
            if old is not None and _same(old, to_document(article, now=old.get("updated_at"))):
                outcomes.append("unchanged")
            else:
                outcomes.append("updated" if old is not None else "new")
                changed.append(article)
        if changed:
            deliver(self.client, self.alias, changed, self.state, sleep=self.sleep)
        return outcomes

    def _stored_documents(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        from elasticsearch import TransportError

        try:
            found = self.client.mget(index=self.alias, ids=ids)
        except TransportError:
            return {}  # unreachable: the delivery puts them in the outbox
        return {d["_id"]: d["_source"] for d in dict(found.body)["docs"] if d.get("found")}

    # --- reads -----------------------------------------------------------------------------

    def find_duplicate(self, article_id: str, content_hash: str) -> Duplicate | None:
        article = self.get(article_id)
        if article is not None:
            return Duplicate(article.id, article.url, article.canonical_url, "url")
        if not content_hash:
            return None
        found = self.client.search(
            index=self.alias,
            query={"term": {"content_hash": content_hash}},
            sort=[{"date": {"order": "asc"}}, {"id": {"order": "asc"}}],
            size=1,
        )
        hits = dict(found.body)["hits"]["hits"]
        if not hits:
            return None
        first = from_document(hits[0]["_source"])
        return Duplicate(first.id, first.url, first.canonical_url, "content")

    def get(self, article_id: str) -> Article | None:
        from elasticsearch import NotFoundError

        try:
            found = self.client.get(index=self.alias, id=article_id)
        except NotFoundError:
            return None
        return from_document(dict(found.body)["_source"])

    def search(
        self, query: Node | None, *, sort: Sort = "relevance", limit: int = 20, offset: int = 0
    ) -> SearchResult:
        body = search_body(query, sort=sort, size=limit, offset=offset)
        found = dict(self.client.search(index=self.alias, **body).body)
        hits = [_hit(h) for h in found["hits"]["hits"]]
        return SearchResult(int(found["hits"]["total"]["value"]), hits)

    def iter_articles(self, query: Node | None, *, sort: Sort = "date") -> Iterator[Article]:
        after: list[Any] | None = None
        while True:
            body = search_body(query, sort=sort, size=PAGE, search_after=after)
            hits = dict(self.client.search(index=self.alias, **body).body)["hits"]["hits"]
            for hit in hits:
                yield from_document(hit["_source"])
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def count(self, query: Node | None = None) -> int:
        return int(dict(self.client.count(index=self.alias, **count_body(query)).body)["count"])

    def count_by(self, field: CountField) -> dict[str, int]:
        aggs = {"by": {"terms": {"field": _COUNT_FIELDS[field], "size": 10_000}}}
        found = dict(self.client.search(index=self.alias, size=0, aggs=aggs).body)
        buckets = found["aggregations"]["by"]["buckets"]
        pairs = sorted(
            ((b["key"], int(b["doc_count"])) for b in buckets), key=lambda p: (-p[1], p[0])
        )
        return dict(pairs)

    def facets(
        self, query: Node | None, fields: Sequence[FacetField] = FACET_FIELDS, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        found = self.client.search(
            index=self.alias,
            query=compile_query(query, ranking=False),
            size=0,
            aggs=facets_aggs(fields, limit),
        )
        return read_facets(dict(found.body)["aggregations"], fields, limit)

    def close(self) -> None:
        self.client.close()


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return {k: v for k, v in old.items() if k != "updated_at"} == {
        k: v for k, v in new.items() if k != "updated_at"
    }


def _hit(hit: dict[str, Any]) -> Hit:
    passages = hit.get("highlight", {}).get("text") or [""]
    return Hit(from_document(hit["_source"]), float(hit.get("_score") or 0.0), passages[0])
