"""The Elasticsearch side of an article, without a cluster: mapping, documents, bulk protocol.

Pure functions (no ``elasticsearch`` import) used by the Elasticsearch store:

- :func:`load_mapping` gives the index settings and mappings of ``elastic_mapping.json``
  (``"dynamic": false``; :data:`MAPPING_VERSION` is its ``_meta.llwatch_mapping_version``; the
  index is ``<prefix>-articles-v<version>`` behind the alias ``<prefix>-articles``).
- :func:`to_document` / :func:`from_document` turn an :class:`~watch.items.Article` into the
  indexed source document and back. The document holds the parity fields (``title``, ``summary``,
  ``text`` with the ``folded`` analyzer, as SQLite FTS5 ``unicode61 remove_diacritics 2`` sees
  them), the one per-language field set of the article's language (ranking only), ``topic_ids``
  and ``date`` (published, else fetched). Every value is cut to the engine's limits so that no
  document is refused for its size: keywords to 1,000 UTF-16 units (what ``ignore_above`` counts;
  at most 4,000 UTF-8 bytes, far below Lucene's 32,766-byte term), arrays to 100 items, full
  text to 200,000 characters; URLs kept whole up to 8,192 characters (they are not indexed,
  except ``canonical_url``, whose longer values are stored but not indexed: ``ignore_above``).
- :func:`bulk_actions` gives idempotent upserts keyed by article id, in the action format of
  ``elasticsearch.helpers.bulk`` / ``streaming_bulk``.
- :func:`read_bulk_response` reads the items of a bulk response (``client.bulk(...)["items"]``
  or the ``(ok, item)`` pairs of ``streaming_bulk(raise_on_error=False,
  raise_on_exception=False)``) into a :class:`BulkOutcome`: which ids were stored new, updated
  or unchanged, which to retry (429, 502, 503, 504, rejected execution), which failed for good
  and why (one line each). An id sent but absent from the response is a retry, never dropped.
- :func:`backoff_delays` gives the waits between retries (exponential, capped, jittered;
  a seed makes them reproducible).

Outbox (design; the table itself belongs to the store's SQLite schema)
-----------------------------------------------------------------------
Articles that could not reach the cluster wait in the local SQLite file, in a table such as
``es_outbox(article_id PRIMARY KEY, article TEXT, reason TEXT, kind TEXT, attempts INTEGER,
first_failed TEXT, last_failed TEXT, mapping_version INTEGER)``:

- ``article`` is ``Article.to_dict()`` as JSON, not the ES document: when the article is sent
  again it goes through the :func:`to_document` of that day (a fixed bug or a new mapping
  version applies to it).
- The store sends a batch with :func:`bulk_actions`, reads the answer with
  :func:`read_bulk_response`, sends ``outcome.retry_ids`` again after each wait of
  :func:`backoff_delays`, and when the waits are spent writes ``outcome.outbox()`` (every
  failure still open, each with its id, one-line reason and ``retryable`` flag) to the outbox.
  When the whole request fails (connection refused, timeout, 5xx on ``_bulk``),
  :meth:`BulkOutcome.request_failed` gives the same outcome for every id of the batch.
- ``kind`` is ``transient`` (retryable: the cluster was busy or away) or ``permanent`` (the
  document itself was refused: mapping conflict, too large). Transient entries are sent first
  at the start of each run; permanent ones only when the mapping version (or llwatch) changed
  since they failed, or on an operator's request, so one bad document is not re-sent forever
  yet is never lost. A row leaves the outbox only when its id comes back stored (new, updated
  or unchanged); a newer version of the same article replaces the row (same id).
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from watch.dedupe import Fingerprint, fingerprint
from watch.items import Article, TopicTag

__all__ = [
    "ARRAY_MAX",
    "KEYWORD_MAX",
    "LANGUAGE_FIELDS",
    "MAPPING_VERSION",
    "RETRY_ERRORS",
    "RETRY_STATUSES",
    "TEXT_MAX",
    "URL_MAX",
    "BulkFailure",
    "BulkOutcome",
    "alias_name",
    "article_fingerprint",
    "backoff_delays",
    "bulk_actions",
    "from_document",
    "index_name",
    "is_retryable",
    "language_field",
    "load_mapping",
    "near_fields",
    "read_bulk_response",
    "read_near",
    "to_document",
]

KEYWORD_MAX = 1000  # UTF-16 code units, the unit of the mapping's ignore_above
TEXT_MAX = 200_000  # characters of title, summary and text (llwatch's own limit)
ARRAY_MAX = 100  # items of authors, countries, topic ids, topics, terms of a topic
URL_MAX = 8192  # characters of url, canonical_url and feed_url (kept whole below this)
ID_MAX_BYTES = 512  # Elasticsearch refuses a longer _id (the whole bulk request fails)

#: The per-language field set of each ISO 639-1 code: the built-in analyzer of that name.
LANGUAGE_FIELDS: dict[str, str] = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "de": "german",
    "it": "italian",
    "ar": "arabic",
    "zh": "cjk",
    "ja": "cjk",
    "ko": "cjk",
}
_TEXT_FIELDS = ("title", "summary", "text")
#: Cut to KEYWORD_MAX (source_name is text, but its keyword sub-field has the same limit).
_KEYWORDS = ("id", "source_id", "source_country", "source_org_type", "language", "cluster_id",
             "content_hash", "extraction", "simhash", "source_name")  # fmt: skip
_URLS = ("url", "canonical_url", "feed_url")
_DATES = ("published_at", "fetched_at")
_CANONICAL_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@cache
def _mapping_text() -> str:
    return resources.files("watch.store").joinpath("elastic_mapping.json").read_text("utf-8")


def load_mapping() -> dict[str, Any]:
    """The index body (``settings`` and ``mappings``), a fresh dict the caller may change."""
    data: dict[str, Any] = json.loads(_mapping_text())
    return data


#: The version of the mapping; a change of the JSON file bumps it (a new index is built).
MAPPING_VERSION: int = int(load_mapping()["mappings"]["_meta"]["llwatch_mapping_version"])


def alias_name(prefix: str = "llwatch") -> str:
    """The alias searches and writes go through: ``llwatch-articles``."""
    return f"{prefix}-articles"


def index_name(prefix: str = "llwatch", version: int = MAPPING_VERSION) -> str:
    """The concrete index of one mapping version: ``llwatch-articles-v1``."""
    return f"{alias_name(prefix)}-v{version}"


def language_field(language: str) -> str | None:
    """The per-language field suffix of an ISO 639-1 code (``pt-BR`` → ``portuguese``), if any."""
    return LANGUAGE_FIELDS.get(language.split("-")[0].split("_")[0].lower())


# --- cuts ---------------------------------------------------------------------------------


def _clean(value: str) -> str:
    """``value`` encodable as UTF-8: a lone surrogate (bad bytes decoded leniently) becomes U+FFFD."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def _cut_keyword(value: str) -> str:
    """At most KEYWORD_MAX UTF-16 units, never splitting a character."""
    value = _clean(value)
    if len(value) <= KEYWORD_MAX // 2:
        return value
    units = 0
    for end, char in enumerate(value):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > KEYWORD_MAX:
            return value[:end]
    return value


def _cut_text(value: str, limit: int = TEXT_MAX) -> str:
    return _clean(value[:limit])


def _keywords(values: Iterable[str]) -> list[str]:
    return [_cut_keyword(str(v)) for v in list(values)[:ARRAY_MAX]]


def _number(value: Any, default: float | None) -> float | None:
    """A finite float (JSON has no NaN), else ``default``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _date(value: str) -> str | None:
    """UTC ISO 8601 to the second (``2026-11-26T14:05:00Z``), or None when empty or unreadable."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if _CANONICAL_DATE.fullmatch(value):
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 has no UTC equivalent
        return None
    return parsed.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- documents ----------------------------------------------------------------------------


def _topic(tag: TopicTag) -> dict[str, Any]:
    return {
        "id": _cut_keyword(tag.id),
        "score": _number(tag.score, 0.0),
        "terms": _keywords(tag.terms),
    }


def to_document(article: Article, *, now: str | None = None) -> dict[str, Any]:
    """The source document of ``article``; ``now`` (UTC ISO 8601) is its ``updated_at``."""
    doc: dict[str, Any] = {name: _cut_keyword(getattr(article, name)) for name in _KEYWORDS}
    doc.update({name: _clean(getattr(article, name)[:URL_MAX]) for name in _URLS})
    doc["extraction_note"] = _cut_keyword(article.extraction_note)
    doc["authors"] = _keywords(article.authors)
    doc["countries"] = _keywords(article.countries)
    topics = article.topics[:ARRAY_MAX]
    doc["topics"] = [_topic(t) for t in topics]
    doc["topic_ids"] = [t["id"] for t in doc["topics"]]
    doc["relevance"] = _number(article.relevance, None)
    doc["language_confidence"] = _number(article.language_confidence, 0.0)
    for name in _DATES:
        if value := _date(getattr(article, name)):
            doc[name] = value
    if date := doc.get("published_at") or doc.get("fetched_at"):
        doc["date"] = date
    doc["updated_at"] = _date(now or "") or _utc_now()
    for name in _TEXT_FIELDS:
        doc[name] = _cut_text(getattr(article, name))
    if suffix := language_field(article.language):
        doc.update({f"{name}_{suffix}": doc[name] for name in _TEXT_FIELDS})
    doc.update(near_fields(article))
    return doc


_NEAR_BYTES = ("text", "lead", "numbers", "names", "key_names")


def article_fingerprint(article: Article) -> Fingerprint | None:
    """The near-duplicate fingerprint of an article's text (watch.store.clusters.cluster_text)
    and title. A write to the index needs it three times (the comparison with the stored
    document, the cluster lookup, the bulk document): it is computed once."""
    return _fingerprint(article.text or article.summary, article.title)


@lru_cache(maxsize=1024)
def _fingerprint(text: str, title: str) -> Fingerprint | None:
    return fingerprint(text, title)


def near_fields(article: Article) -> dict[str, Any]:
    """The near-duplicate fingerprint of an article (watch.dedupe) as document fields:
    ``near_keys``, its LSH band keys (indexed ``long``s: candidates are found by a terms query),
    and ``near``, the signatures (stored, not indexed); nothing for a text too short to cluster."""
    found = article_fingerprint(article)
    if found is None:
        return {}
    near: dict[str, Any] = {name: base64.b64encode(getattr(found, name)).decode("ascii")
                            for name in _NEAR_BYTES}  # fmt: skip
    near["size"] = found.size
    return {"near_keys": found.keys, "near": near}


def read_near(source: Mapping[str, Any]) -> Fingerprint | None:
    """The fingerprint stored in a document's ``near`` field (None when absent or damaged)."""
    near = source.get("near")
    if not isinstance(near, Mapping):
        return None
    try:
        parts = {name: base64.b64decode(str(near.get(name, ""))) for name in _NEAR_BYTES}
        return Fingerprint(size=int(near["size"]), **parts)
    except (KeyError, TypeError, ValueError):
        return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _topic_from(data: Any) -> TopicTag | None:
    if not isinstance(data, Mapping) or not data.get("id"):
        return None
    terms = [str(t) for t in _as_list(data.get("terms"))]
    return TopicTag(id=str(data["id"]), score=_number(data.get("score"), 0.0) or 0.0, terms=terms)


def from_document(source: Mapping[str, Any]) -> Article:
    """The Article of a stored source document (the inverse of :func:`to_document`).

    Derived fields (``date``, ``updated_at``, ``topic_ids``, the per-language copies, the
    fingerprint) are left out; a missing field takes the Article default, so documents of older
    mappings still read.
    """
    data: dict[str, Any] = {
        name: "" if source.get(name) is None else str(source[name])
        for name in (*_KEYWORDS, *_URLS, *_DATES, *_TEXT_FIELDS, "extraction_note")
    }
    data["language"] = data["language"] or "und"
    data["authors"] = [str(a) for a in _as_list(source.get("authors"))]
    data["countries"] = [str(c) for c in _as_list(source.get("countries"))]
    data["relevance"] = _number(source.get("relevance"), None)
    data["language_confidence"] = _number(source.get("language_confidence"), 0.0)
    article = Article.from_dict(data)
    article.topics = [t for t in map(_topic_from, _as_list(source.get("topics"))) if t]
    return article


def bulk_actions(
    articles: Iterable[Article], index: str, *, now: str | None = None
) -> list[dict[str, Any]]:
    """One ``index`` action per article, ``_id`` = article id: re-sending the same id replaces
    the document (idempotent; a field absent now is absent after, unlike a partial ``update``).

    Raises ValueError for an article without a usable id (empty, or over 512 UTF-8 bytes: the
    cluster would refuse the whole request), naming its URL.
    """
    stamp = now or _utc_now()
    actions = []
    for article in articles:
        if not article.id or len(article.id.encode("utf-8", "replace")) > ID_MAX_BYTES:
            raise ValueError(f"article {article.url!r} has no usable id ({article.id[:40]!r})")
        source = to_document(article, now=stamp)
        actions.append({"_op_type": "index", "_index": index, "_id": article.id, "_source": source})
    return actions


# --- bulk responses -----------------------------------------------------------------------

#: HTTP statuses worth retrying after a wait (the cluster is busy, starting or behind a proxy).
RETRY_STATUSES = frozenset({0, 429, 502, 503, 504})  # 0: no answer at all
#: Error types worth retrying whatever their status.
RETRY_ERRORS = frozenset(
    {
        "es_rejected_execution_exception",
        "circuit_breaking_exception",
        "unavailable_shards_exception",
        "no_shard_available_action_exception",
        "node_not_connected_exception",
        "node_closed_exception",
        "connect_transport_exception",
        "process_cluster_event_timeout_exception",
        "index_not_found_exception",  # the alias is missing (bulk with require_alias)
    }
)
_REASON_MAX = 300


@dataclass(frozen=True)
class BulkFailure:
    """An article the cluster did not store, and why (one line)."""

    id: str
    status: int  # HTTP status of the item (0 when the request got no answer)
    error_type: str  # e.g. "es_rejected_execution_exception", "document_parsing_exception"
    reason: str  # one line: "HTTP 400 document_parsing_exception: failed to parse field [date] ..."
    retryable: bool  # True: send again after a wait; False: the document itself was refused


@dataclass
class BulkOutcome:
    """What became of each article of a bulk request."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retry: list[BulkFailure] = field(default_factory=list)
    failed: list[BulkFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every article was stored."""
        return not self.retry and not self.failed

    @property
    def stored_ids(self) -> list[str]:
        return [*self.new, *self.updated, *self.unchanged]

    @property
    def retry_ids(self) -> list[str]:
        """The ids to send again after a wait."""
        return [f.id for f in self.retry]

    def outbox(self) -> list[BulkFailure]:
        """Every failure still open: what goes to the outbox (when no retry is left)."""
        return [*self.retry, *self.failed]

    def merge(self, later: BulkOutcome) -> BulkOutcome:
        """This outcome after a retry of its ``retry`` ids answered ``later``."""
        return BulkOutcome(
            new=[*self.new, *later.new],
            updated=[*self.updated, *later.updated],
            unchanged=[*self.unchanged, *later.unchanged],
            retry=later.retry,
            failed=[*self.failed, *later.failed],
        )

    @classmethod
    def request_failed(
        cls, ids: Iterable[str], reason: str, *, status: int = 0, retryable: bool = True
    ) -> BulkOutcome:
        """Every id of a request that failed as a whole (no item-level answer)."""
        line = _one_line(reason)
        failures = [BulkFailure(i, status, "request", line, retryable) for i in ids]
        return cls(retry=failures) if retryable else cls(failed=failures)


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _REASON_MAX else line[: _REASON_MAX - 1] + "…"


def _error_parts(error: Any) -> tuple[str, str]:
    """(type, reason) of an item's ``error``: a dict (cluster answer) or a string (client)."""
    if isinstance(error, Mapping):
        kind = str(error.get("type") or "error")
        reason = str(error.get("reason") or "")
        cause = error.get("caused_by")
        if isinstance(cause, Mapping) and cause.get("reason"):
            reason += f" (caused by {cause.get('type', 'error')}: {cause['reason']})"
        return kind, reason
    return "error", str(error)


def is_retryable(status: int, error_type: str = "") -> bool:
    """Whether a failure is the cluster's momentary state (retry) rather than the document's."""
    return status in RETRY_STATUSES or error_type in RETRY_ERRORS


def _failure(doc_id: str, item: Mapping[str, Any], status: int) -> BulkFailure:
    kind, reason = _error_parts(item.get("error"))
    line = _one_line(f"HTTP {status} {kind}: {reason}" if reason else f"HTTP {status} {kind}")
    return BulkFailure(doc_id, status, kind, line, is_retryable(status, kind))


def _item_body(item: Any) -> Mapping[str, Any]:
    """The inner dict of one response item: ``{"index": {...}}`` or ``(ok, {"index": {...}})``."""
    if isinstance(item, tuple | list) and len(item) == 2:
        item = item[1]
    if isinstance(item, Mapping) and len(item) == 1:
        inner = next(iter(item.values()))
        if isinstance(inner, Mapping):
            return inner
    return {}


def _status(body: Mapping[str, Any]) -> int:
    try:
        return int(body.get("status", 0))
    except (TypeError, ValueError):
        return 0


def _record(outcome: BulkOutcome, doc_id: str, body: Mapping[str, Any]) -> None:
    status = _status(body)
    if 200 <= status < 300 and not body.get("error"):
        result = str(body.get("result"))
        kept = {"created": outcome.new, "noop": outcome.unchanged}.get(result, outcome.updated)
        kept.append(doc_id)
        return
    failure = _failure(doc_id, body, status)
    (outcome.retry if failure.retryable else outcome.failed).append(failure)


def read_bulk_response(
    response_items: Iterable[Any], ids: Sequence[str] | None = None
) -> BulkOutcome:
    """Sort the items of a bulk response by outcome.

    ``ids`` (the ids sent, in order) are optional: with them, an item without ``_id`` takes the
    id at its position, and an id the response does not mention is a retry ("no answer").
    """
    outcome = BulkOutcome()
    seen: set[str] = set()
    for position, item in enumerate(response_items):
        body = _item_body(item)
        doc_id = str(body.get("_id") or "")
        if not doc_id and ids is not None and position < len(ids):
            doc_id = ids[position]
        if not body:
            body = {"status": 0, "error": {"type": "bad_response", "reason": repr(item)[:200]}}
        seen.add(doc_id)
        _record(outcome, doc_id, body)
    for doc_id in ids or ():
        if doc_id not in seen:
            reason = "no answer for this document in the bulk response"
            outcome.retry.append(BulkFailure(doc_id, 0, "missing", reason, True))
    return outcome


def backoff_delays(
    attempts: int, base: float = 1.0, cap: float = 60.0, *, seed: int | str | None = None
) -> list[float]:
    """Seconds to wait before each of ``attempts`` retries: exponential, capped, "equal jitter".

    Wait *i* is drawn from ``[d/2, d]`` with ``d = min(cap, base * 2**i)``: never less than half
    the exponential step (a busy cluster gets air), spread so that several crawlers do not retry
    in step. ``seed`` makes the draw reproducible (tests); None seeds from the system.
    """
    rng = random.Random(seed)
    delays = []
    for attempt in range(max(0, attempts)):
        step = min(cap, base * 2.0**attempt)
        delays.append(step / 2 + rng.uniform(0, step / 2))
    return delays
