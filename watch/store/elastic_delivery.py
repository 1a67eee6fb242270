"""Articles to Elasticsearch, nothing lost: bulk upserts keyed by article id, per-item outcomes
read, retries with backoff for what the cluster could not take *now* (429, 503, rejected
executions), and the local outbox for the rest.

- A request that fails as a whole (cluster down, timeout) puts every article of it in the outbox,
  to be delivered on the next run or by ``llwatch index sync``.
- An item refused for what it is (a mapping conflict, too large) goes to the outbox marked
  *refused*, with the reason: sending it again unchanged would not help, so it waits for an
  operator (``llwatch index status`` lists the reasons).
- Delivered articles leave the outbox. Re-sending an article replaces its document (the upsert
  is keyed by id), so a delivery that is repeated never duplicates anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from watch.items import Article
from watch.store.elastic_docs import (
    BulkOutcome,
    backoff_delays,
    bulk_actions,
    is_retryable,
    read_bulk_response,
)
from watch.store.state import CrawlState

__all__ = ["RETRIES", "Delivery", "api_reason", "deliver", "sync_outbox"]

#: Retries of the items a bulk request could not store yet, with backoff between them.
RETRIES = 3


@dataclass
class Delivery:
    """What became of the articles handed over."""

    stored: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # in the outbox, to be sent again
    refused: list[str] = field(default_factory=list)  # in the outbox, for a person
    reasons: list[str] = field(default_factory=list)  # one line per distinct reason


def deliver(
    client: Any,
    index: str,
    articles: Sequence[Article],
    state: CrawlState,
    *,
    retries: int = RETRIES,
    sleep: Callable[[float], None] = time.sleep,
    seed: int | None = None,
    refresh: bool | str = False,
) -> Delivery:
    """Send ``articles`` to ``index`` (the alias); what cannot be stored waits in the outbox.
    ``refresh="wait_for"`` returns once they are searchable (the store's near-duplicate lookups
    of the next batch need that)."""
    from elasticsearch import ApiError, TransportError

    by_id = {a.id: a for a in articles}
    outcome: BulkOutcome | None = None
    pending = list(by_id)
    for delay in [0.0, *backoff_delays(retries, seed=seed)]:
        if delay:
            sleep(delay)
        operations = _operations(bulk_actions([by_id[i] for i in pending], index))
        hopeless = False  # waiting will not help: the cluster refuses llwatch itself
        try:
            answer = client.bulk(operations=operations, refresh=refresh, require_alias=True)
            now = read_bulk_response(dict(answer.body).get("items", []), pending)
        except ApiError as exc:  # the whole request refused: 503 without master, 413 ...
            status = int(exc.meta.status)
            reason = f"HTTP {status}: {api_reason(exc)}"
            if status == 413 or is_retryable(status):  # busy, or too large whatever the wait
                now = BulkOutcome.request_failed(pending, reason, status=status,
                                                 retryable=status != 413)  # fmt: skip
            else:  # 401, 403, 400 of a wrong server version...: not the articles' fault
                now = BulkOutcome.request_failed(pending, reason, status=status)
                hopeless = True
        except TransportError as exc:  # down, timed out, connection reset
            now = BulkOutcome.request_failed(pending, f"cluster unreachable: {exc}")
        outcome = now if outcome is None else outcome.merge(now)
        pending = outcome.retry_ids
        if not pending or hopeless:
            break
    return _settle(outcome or BulkOutcome(), by_id, state)


def sync_outbox(
    state: CrawlState,
    send: Callable[[Sequence[Article]], Delivery],
    *,
    batch: int = 500,
    include_refused: bool = False,
) -> Delivery:
    """Hand what waits in the outbox to ``send`` (the store's clustering + :func:`deliver`),
    oldest first, batch by batch, until it is empty or the cluster stops taking it (refused
    articles only when asked, e.g. after a mapping fix)."""
    total = Delivery()
    tried: set[str] = set()
    while True:
        waiting = [a for a in state.outbox_take(batch, include_refused) if a.id not in tried]
        if not waiting:
            return total
        tried.update(a.id for a in waiting)
        done = send(waiting)
        total.stored += done.stored
        total.waiting += done.waiting
        total.refused += done.refused
        total.reasons += [r for r in done.reasons if r not in total.reasons]
        if done.waiting and not done.stored:
            return total  # the cluster takes nothing now: try again later


def api_reason(exc: Any) -> str:
    """The error's type and reason as the cluster gave them, on one line:
    ``cluster_block_exception: blocked by: [SERVICE_UNAVAILABLE/2/no master];``"""
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    reason = str(error.get("reason", "")) if error else ""
    return " ".join((f"{exc.message}: {reason}" if reason else str(exc.message)).split())


def _operations(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bulk actions (helpers format) as the alternating lines of the ``_bulk`` body."""
    lines: list[dict[str, Any]] = []
    for action in actions:
        lines.append({action["_op_type"]: {"_index": action["_index"], "_id": action["_id"]}})
        lines.append(action["_source"])
    return lines


def _settle(outcome: BulkOutcome, by_id: dict[str, Article], state: CrawlState) -> Delivery:
    done = Delivery(stored=outcome.stored_ids)
    state.outbox_delivered(done.stored)
    for failures, permanent in ((outcome.retry, False), (outcome.failed, True)):
        for reason in dict.fromkeys(f.reason for f in failures):
            ids = [f.id for f in failures if f.reason == reason]
            state.outbox_put([by_id[i] for i in ids if i in by_id], reason, permanent=permanent)
            (done.refused if permanent else done.waiting).extend(ids)
            done.reasons.append(reason)
    return done
