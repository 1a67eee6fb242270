"""Near-duplicate clusters on Elasticsearch: the same rules as watch.store.clusters (SQLite), with
the index as the fingerprint table, so several crawlers writing one index agree.

Each document carries its LSH band keys (``near_keys``) and signatures (``near``, see
watch.store.elastic_docs.near_fields). Before a batch is written, one ``_msearch`` finds the
candidates of every article (documents sharing a band key), the articles of the batch are
compared with them and with each other (a batch is not searchable before it is written), and
each article gets the id of its cluster's head: the earliest member (published, fetched, id),
as on SQLite. When an earlier article joins a cluster, or two clusters merge, the members
already in the index are moved under the new head by ``_update_by_query``.

When the cluster cannot answer, the articles keep the cluster they had (or their own id) and go
to the outbox; :func:`assign_clusters` runs again when the outbox is delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from watch.dedupe import Fingerprint, head_key, similar
from watch.items import Article
from watch.store.clusters import MAX_CANDIDATES
from watch.store.elastic_docs import article_fingerprint, read_near

__all__ = ["assign_clusters"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_FIELDS = ["id", "cluster_id", "near", "published_at", "fetched_at"]
HeadKey = tuple[bool, str, str, str]


class _Clusters:
    """Cluster heads as they are after the articles compared so far (renames followed)."""

    def __init__(self) -> None:
        self.renamed: dict[str, str] = {}
        self.keys: dict[str, HeadKey] = {}  # head id -> its head_key, when known

    def current(self, head: str) -> str:
        while head in self.renamed:
            head = self.renamed[head]
        return head

    def merge(self, heads: set[str]) -> str:
        """The earliest of ``heads`` (whose keys are known) becomes the head of all of them."""
        winner = min(heads, key=lambda h: self.keys.get(h, (True, "\uffff", "", h)))
        for head in heads - {winner}:
            self.renamed[head] = winner
        return winner


def assign_clusters(
    client: Any, alias: str, articles: Sequence[Article], stored: Mapping[str, Mapping[str, Any]]
) -> None:
    """Set ``cluster_id`` of each article (to be written) and move the indexed members of the
    clusters it merged; ``stored`` holds the current documents of the articles already indexed.

    Raises ``elasticsearch.TransportError``/``ApiError`` when the cluster cannot answer (each
    article then keeps its current cluster)."""
    for article in articles:
        old = stored.get(article.id)
        article.cluster_id = str(old.get("cluster_id") or article.id) if old else article.id
    prints = {a.id: article_fingerprint(a) for a in articles}
    found = [a for a in articles if prints[a.id] is not None]
    if not found:
        return
    candidates = _candidates(client, alias, found, prints)
    clusters = _Clusters()
    heads = {c["cluster_id"] for docs in candidates.values() for c in docs}
    heads |= {a.cluster_id for a in articles}
    clusters.keys.update(_head_keys(client, alias, heads - {a.id for a in articles}))
    written: list[tuple[Article, Fingerprint]] = []
    for article in articles:
        clusters.keys[article.id] = head_key(article.published_at, article.fetched_at, article.id)
        mine = prints[article.id]
        if mine is None:
            continue
        matched = {clusters.current(article.cluster_id)}
        for doc in candidates.get(article.id, []):
            theirs = doc["near"]
            if similar(mine, theirs):
                matched.add(clusters.current(doc["cluster_id"]))
        for other, theirs in written:
            if set(mine.keys) & set(theirs.keys) and similar(mine, theirs):
                matched.add(clusters.current(other.cluster_id))
        article.cluster_id = clusters.merge(matched)
        written.append((article, mine))
    for article in articles:
        article.cluster_id = clusters.current(article.cluster_id)
    fresh = {a.id for a in articles if a.id not in stored}  # no member in the index yet
    moves = {old: clusters.current(old) for old in clusters.renamed if old not in fresh}
    _move(client, alias, moves)


def _candidates(
    client: Any, alias: str, articles: list[Article], prints: Mapping[str, Fingerprint | None]
) -> dict[str, list[dict[str, Any]]]:
    """Per article id: the indexed documents sharing a band key with it (itself excluded)."""
    searches: list[dict[str, Any]] = []
    for article in articles:
        keys = prints[article.id].keys  # type: ignore[union-attr]
        searches.append({"index": alias})
        searches.append({
            "query": {"bool": {"filter": [{"terms": {"near_keys": keys}}],
                               "must_not": [{"ids": {"values": [article.id]}}]}},
            "size": MAX_CANDIDATES,
            "_source": _FIELDS,
        })  # fmt: skip
    answers = dict(client.msearch(searches=searches).body)["responses"]
    out: dict[str, list[dict[str, Any]]] = {}
    for article, answer in zip(articles, answers, strict=True):
        if "error" in answer:
            reason = answer["error"].get("reason", answer["error"]) if isinstance(
                answer["error"], dict) else answer["error"]  # fmt: skip
            logger.warning("near-duplicate lookup of %s failed: %s", article.url, reason)
            continue
        docs = []
        for hit in answer["hits"]["hits"]:
            source = hit["_source"]
            near = read_near(source)
            if near is not None:
                docs.append({"cluster_id": str(source.get("cluster_id") or hit["_id"]),
                             "near": near})  # fmt: skip
        out[article.id] = docs
    return out


def _head_keys(client: Any, alias: str, heads: set[str]) -> dict[str, HeadKey]:
    """The head_key of each indexed head (one ``mget``)."""
    if not heads:
        return {}
    found = dict(client.mget(index=alias, ids=sorted(heads), source=_FIELDS).body)["docs"]
    return {
        d["_id"]: head_key(
            str(d["_source"].get("published_at") or ""),
            str(d["_source"].get("fetched_at") or ""),
            d["_id"],
        )
        for d in found
        if d.get("found")
    }


def _move(client: Any, alias: str, moves: Mapping[str, str]) -> None:
    """Rewrite ``cluster_id`` of every indexed member of the clusters that merged."""
    for old, new in sorted(moves.items()):
        if old == new:
            continue
        client.update_by_query(
            index=alias,
            query={"term": {"cluster_id": old}},
            script={
                "source": "ctx._source.cluster_id = params.head",
                "lang": "painless",
                "params": {"head": new},
            },
            conflicts="proceed",
            refresh=True,
        )
