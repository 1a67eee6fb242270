"""The article store on Elasticsearch: the same contract as the SQLite store (watch.store.base),
through the official client, over the alias of watch.store.elastic_index.

Writes go through watch.store.elastic_delivery (bulk upserts keyed by id; what the cluster cannot
take waits in the local outbox). Articles whose document would not change are not sent again
(one ``mget`` per batch tells), so the crawl's new / updated / unchanged counts mean what they
mean on SQLite. Near-duplicate clusters are assigned before writing (watch.store.elastic_clusters)
and each batch is searchable once written (``refresh=wait_for``), as the next batch's lookups
need. Queries are compiled by watch.store.elastic_query; deep pages and full exports use
``search_after``.

Every read that the cluster cannot answer raises StoreUnavailable with one line naming the
cluster and what to do; the crawl treats those as "not known" and carries on (the outbox keeps
what it collects).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from watch.errors import StoreUnavailable
from watch.items import Article
from watch.query import Node
from watch.store.base import (
    FACET_FIELDS,
    CountField,
    Duplicate,
    FacetField,
    Hit,
    Interval,
    SearchResult,
    Sort,
    Trend,
    UpsertOutcome,
)
from watch.store.elastic_client import cluster_problem
from watch.store.elastic_clusters import assign_clusters
from watch.store.elastic_delivery import Delivery, deliver, sync_outbox
from watch.store.elastic_docs import alias_name, from_document, to_document
from watch.store.elastic_query import (
    compile_query,
    count_body,
    facets_aggs,
    read_facets,
    search_body,
)
from watch.store.state import CrawlState
from watch.store.trend import assemble, period_of

if TYPE_CHECKING:
    from watch.health import PublishingStats

__all__ = ["ElasticArticleStore"]

#: Hits per request when walking a whole result set (export, iter_articles).
PAGE = 500
_COUNT_FIELDS = {
    "source_id": "source_id",
    "language": "language",
    "source_country": "source_country",
}
#: Fields that say nothing of the article itself: a change of these alone is "unchanged".
_BOOKKEEPING = ("updated_at", "cluster_id")


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
        self.problem = ""  # the last thing the cluster could not do, one line
        self.offline = ""  # why the cluster is not asked again in this process ("" = it is)

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
                article.cluster_id = str(old.get("cluster_id") or article.id)
            else:
                outcomes.append("updated" if old is not None else "new")
                changed.append(article)
        if changed:
            self._write(changed, stored)
        return outcomes

    def _write(
        self, articles: Sequence[Article], stored: dict[str, dict[str, Any]] | None = None
    ) -> Delivery:
        """Cluster, then deliver (what cannot be delivered waits in the outbox)."""
        from elasticsearch import ApiError, TransportError

        if self.offline:
            self.state.outbox_put(articles, self.offline)
            return Delivery(waiting=[a.id for a in articles], reasons=[self.offline])
        if stored is None:
            stored = self._stored_documents([a.id for a in articles])
        try:
            assign_clusters(self.client, self.alias, articles, stored)
        except (ApiError, TransportError) as exc:  # delivered later, clustered again then
            self._failed(exc)
        done = deliver(self.client, self.alias, articles, self.state, sleep=self.sleep,
                       refresh="wait_for")  # fmt: skip
        if done.waiting and not done.stored:  # the cluster takes nothing: stop asking it
            self.offline = self.problem = done.reasons[0]
        return done

    def _failed(self, exc: Exception) -> str:
        """Remember a failed request; a cluster that is away, refuses us or has no index is
        not asked again by this process (its writes go straight to the outbox)."""
        from elasticsearch import ApiError

        self.problem = cluster_problem(exc, self.alias)
        status = exc.meta.status if isinstance(exc, ApiError) else 0
        text = str(exc)
        if (not isinstance(exc, ApiError) or status in (401, 403)
                or "index_not_found" in text or "media_type" in text):  # fmt: skip
            self.offline = self.problem
        return self.problem

    def _stored_documents(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        from elasticsearch import ApiError, TransportError

        if self.offline:
            return {}
        try:
            found = self.client.mget(index=self.alias, ids=ids)
        except (ApiError, TransportError) as exc:
            self._failed(exc)
            return {}  # unreachable: the delivery puts them in the outbox
        return {d["_id"]: d["_source"] for d in dict(found.body)["docs"] if d.get("found")}

    def sync(self, *, include_refused: bool = False, batch: int = 500) -> Delivery:
        """Deliver what waits in the outbox (clustered now that the index can be searched)."""
        return sync_outbox(self.state, self._write, batch=batch, include_refused=include_refused)

    def delete_before(
        self, cut: str, keep: Sequence[str], *, dry_run: bool = False, poll: float = 2.0
    ) -> tuple[int, int]:
        """Delete the documents dated before ``cut`` (UTC ISO 8601) except those of ``keep``;
        (deleted, or would be with ``dry_run``; kept of ``keep``). One ``_delete_by_query``
        run as a task (a long delete outlives no request timeout), its status polled."""
        old = {"range": {"date": {"lt": cut}}}
        spared = [{"ids": {"values": list(keep)}}] if keep else []
        doomed = {"bool": {"filter": [old], "must_not": spared}}
        with self._asking():
            kept = (int(self.client.count(index=self.alias, query={"bool": {
                "filter": [old, *spared]}})["count"]) if keep else 0)  # fmt: skip
            if dry_run:
                return int(self.client.count(index=self.alias, query=doomed)["count"]), kept
            started = self.client.delete_by_query(index=self.alias, query=doomed, conflicts="proceed",
                                                  refresh=True, slices="auto",
                                                  wait_for_completion=False)  # fmt: skip
            task = str(started["task"])
            while not (status := self._task(task))["completed"]:
                self.sleep(poll)
        response = status.get("response") or {}
        problem = status.get("error") or next(iter(response.get("failures") or []), None)
        if problem:
            reason = problem.get("reason") or problem.get("cause", {}).get("reason") or problem
            raise StoreUnavailable(f"{self.alias}: deleting the old articles stopped (task {task}: "
                                   f"{str(reason)[:200]}) — run llwatch prune again")  # fmt: skip
        return int(response.get("deleted", 0)), kept

    def _task(self, task: str) -> dict[str, Any]:
        """The status of a task. The client flags the tasks API "technical preview", as
        Elasticsearch's docs have for years while every tool polls it: not a warning here."""
        from elasticsearch.exceptions import GeneralAvailabilityWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeneralAvailabilityWarning)
            return dict(self.client.tasks.get(task_id=task).body)

    @contextmanager
    def _asking(self) -> Iterator[None]:
        """Turn the client's errors into StoreUnavailable with one line."""
        from elasticsearch import ApiError, TransportError

        if self.offline:
            raise StoreUnavailable(self.offline)
        try:
            yield
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(self._failed(exc)) from None

    # --- reads -----------------------------------------------------------------------------

    def find_duplicate(self, article_id: str, content_hash: str) -> Duplicate | None:
        article = self.get(article_id)
        if article is not None:
            return Duplicate(article.id, article.url, article.canonical_url, "url")
        if not content_hash:
            return None
        with self._asking():
            found = self.client.search(
                index=self.alias,
                query={"term": {"content_hash": content_hash}},
                sort=[{"date": {"order": "asc", "missing": "_last"}}, {"id": {"order": "asc"}}],
                size=1,
            )
        hits = dict(found.body)["hits"]["hits"]
        if not hits:
            return None
        first = from_document(hits[0]["_source"])
        return Duplicate(first.id, first.url, first.canonical_url, "content")

    def get(self, article_id: str) -> Article | None:
        from elasticsearch import ApiError, NotFoundError, TransportError

        if self.offline:
            raise StoreUnavailable(self.offline)
        try:
            found = self.client.get(index=self.alias, id=article_id)
        except NotFoundError as exc:
            if "index_not_found" in str(exc):
                raise StoreUnavailable(self._failed(exc)) from None
            return None
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(self._failed(exc)) from None
        return from_document(dict(found.body)["_source"])

    def search(
        self, query: Node | None, *, sort: Sort = "relevance", limit: int = 20, offset: int = 0
    ) -> SearchResult:
        body = search_body(query, sort=sort, size=limit, offset=offset)
        with self._asking():
            found = dict(self.client.search(index=self.alias, **body).body)
        hits = [_hit(h) for h in found["hits"]["hits"]]
        sizes = self._cluster_sizes({h.article.cluster_id for h in hits} - {""})
        for hit in hits:
            hit.cluster_size = sizes.get(hit.article.cluster_id, 1)
        return SearchResult(int(found["hits"]["total"]["value"]), hits)

    def _cluster_sizes(self, clusters: set[str]) -> dict[str, int]:
        """Members of each of these near-duplicate clusters (one aggregation)."""
        if not clusters:
            return {}
        aggs = {"size": {"terms": {"field": "cluster_id", "size": len(clusters)}}}
        with self._asking():
            found = self.client.search(
                index=self.alias, size=0, aggs=aggs,
                query={"terms": {"cluster_id": sorted(clusters)}},
            )  # fmt: skip
        buckets = dict(found.body)["aggregations"]["size"]["buckets"]
        return {str(b["key"]): int(b["doc_count"]) for b in buckets}

    def iter_articles(
        self, query: Node | None, *, sort: Sort = "date", brief: bool = False
    ) -> Iterator[Article]:
        after: list[Any] | None = None
        while True:
            body = search_body(query, sort=sort, size=PAGE, search_after=after, snippets=False)
            if brief:
                body["_source"] = {"excludes": ["text", "*_english", "*_french", "*_spanish",
                                                "*_portuguese", "*_german", "*_italian",
                                                "*_arabic", "*_cjk", "near", "near_keys"]}  # fmt: skip
            with self._asking():
                hits = dict(self.client.search(index=self.alias, **body).body)["hits"]["hits"]
            for hit in hits:
                yield from_document(hit["_source"])
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    def count(self, query: Node | None = None) -> int:
        with self._asking():
            found = self.client.count(index=self.alias, **count_body(query))
        return int(dict(found.body)["count"])

    def count_by(self, field: CountField) -> dict[str, int]:
        aggs = {"by": {"terms": {"field": _COUNT_FIELDS[field], "size": 10_000}}}
        with self._asking():
            found = dict(self.client.search(index=self.alias, size=0, aggs=aggs).body)
        buckets = found["aggregations"]["by"]["buckets"]
        pairs = sorted(
            ((b["key"], int(b["doc_count"])) for b in buckets), key=lambda p: (-p[1], p[0])
        )
        return dict(pairs)

    def facets(
        self, query: Node | None, fields: Sequence[FacetField] = FACET_FIELDS, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        with self._asking():
            found = self.client.search(
                index=self.alias,
                query=compile_query(query, ranking=False),
                size=0,
                aggs=facets_aggs(fields, limit),
            )
        return read_facets(dict(found.body)["aggregations"], fields, limit)

    def trend(
        self,
        query: Node | None,
        interval: Interval = "month",
        by: FacetField | None = None,
        limit: int = 8,
    ) -> Trend:
        """A date histogram (per ``by`` value: the top ``limit`` values' histograms)."""
        histogram = {"date_histogram": {"field": "date", "calendar_interval": interval,
                                        "format": "yyyy-MM-dd", "min_doc_count": 1}}  # fmt: skip
        if by is None:
            aggs: dict[str, Any] = {"trend": histogram}
        else:
            order = [{"_count": "desc"}, {"_key": "asc"}]
            terms = facets_aggs([by], limit)[by]
            if "terms" not in terms:  # year: values are the periods' own years
                terms = {"terms": {"script": {"source": "doc['date'].value.getYear() + ''"},
                                   "size": limit, "order": order}}  # fmt: skip
            aggs = {"by": {**terms, "aggs": {"trend": histogram}}}
        with self._asking():
            found = self.client.search(
                index=self.alias, size=0, aggs=aggs, query=compile_query(query, ranking=False)
            )
        answer = dict(found.body)["aggregations"]
        groups = [("", answer)] if by is None else [
            (str(b.get("key_as_string", b["key"])), b) for b in answer["by"]["buckets"]]  # fmt: skip
        rows = ((period_of(str(h["key_as_string"]), interval), value, int(h["doc_count"]))
                for value, group in groups for h in group["trend"]["buckets"])  # fmt: skip
        return assemble(rows, interval, limit, by is not None)

    def publishing(self, now: datetime | None = None) -> dict[str, PublishingStats]:
        """Per source: articles dated in the recent weeks, the weeks before, the rate window,
        and the newest date (one terms aggregation with filter sub-aggregations)."""
        from watch.health import BEFORE_WEEKS, RATE_WINDOW_DAYS, RECENT_WEEKS, PublishingStats

        now = now or datetime.now(UTC)
        recent = _iso(now - timedelta(weeks=RECENT_WEEKS))
        before = _iso(now - timedelta(weeks=RECENT_WEEKS + BEFORE_WEEKS))
        window = _iso(now - timedelta(days=RATE_WINDOW_DAYS))
        aggs = {"source": {
            "terms": {"field": "source_id", "size": 10_000},
            "aggs": {
                "recent": {"filter": {"range": {"date": {"gte": recent}}}},
                "before": {"filter": {"range": {"date": {"gte": before, "lt": recent}}}},
                "window": {"filter": {"range": {"date": {"gte": window}}},
                           "aggs": {"oldest": {"min": {"field": "date"}}}},
                "newest": {"max": {"field": "date"}},
            },
        }}  # fmt: skip
        with self._asking():
            found = self.client.search(
                index=self.alias, size=0, aggs=aggs, query={"exists": {"field": "date"}}
            )
        stats = {}
        for b in dict(found.body)["aggregations"]["source"]["buckets"]:
            stats[str(b["key"])] = PublishingStats(
                recent=int(b["recent"]["doc_count"]),
                before=int(b["before"]["doc_count"]),
                window=int(b["window"]["doc_count"]),
                window_oldest=_agg_date(b["window"]["oldest"]),
                newest=_agg_date(b["newest"]),
                total=int(b["doc_count"]),
            )
        return stats

    def close(self) -> None:
        self.client.close()


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return {k: v for k, v in old.items() if k not in _BOOKKEEPING} == {
        k: v for k, v in new.items() if k not in _BOOKKEEPING
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _agg_date(agg: dict[str, Any]) -> str:
    """A min/max aggregation over ``date`` as UTC ISO 8601 to the second ("" when empty)."""
    if agg.get("value") is None:
        return ""
    moment = datetime.fromtimestamp(float(agg["value"]) / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hit(hit: dict[str, Any]) -> Hit:
    passages = hit.get("highlight", {}).get("text") or [""]
    return Hit(from_document(hit["_source"]), float(hit.get("_score") or 0.0), passages[0])
