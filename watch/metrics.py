"""The watch's state for monitoring: Prometheus gauges (``llwatch metrics``), written in the text
format that node_exporter's textfile collector reads.

Built on the official ``prometheus_client`` (its registry, text exposition and atomic
``write_to_textfile``): names follow Prometheus conventions (units in the name, timestamps in
seconds since the epoch, ages computed when written).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest, write_to_textfile

from watch.health import PublishingStats, assess, parse_iso
from watch.sources import Source
from watch.store import Store

__all__ = ["HEALTH_STATES", "collect", "exposition", "seconds_between", "write_textfile"]

#: Every health state a source can be in (watch.health), worst first.
HEALTH_STATES = ("dead", "failing", "silent", "dropping", "new", "ok", "disabled")


def seconds_between(start: str, end: str) -> float | None:
    """Seconds from one ISO stamp to another (None when either is missing)."""
    first, last = parse_iso(start), parse_iso(end)
    return (last - first).total_seconds() if first and last else None


def collect(store: Store, sources: list[Source], now: datetime | None = None) -> CollectorRegistry:
    """Gauges of the store: articles, sources by health, the last run, the outbox."""
    now = now or datetime.now(UTC)
    registry = CollectorRegistry()

    def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, text, labels, registry=registry)

    by_language = store.articles.count_by("language")
    gauge("llwatch_articles", "Articles in the store").set(sum(by_language.values()))
    languages = gauge("llwatch_articles_by_language", "Articles in the store by language",
                      ("language",))  # fmt: skip
    for language, count in by_language.items():
        languages.labels(language or "und").set(count)

    states, publishing = store.state.source_states(), store.articles.publishing()
    found = Counter(
        assess(s, states.get(s.id), publishing.get(s.id, PublishingStats()), now).state
        if s.enabled else "disabled"
        for s in sources
    )  # fmt: skip
    health = gauge("llwatch_sources", "Sources of the watch list by health state", ("state",))
    for state in HEALTH_STATES:
        health.labels(state).set(found.get(state, 0))

    runs = store.state.runs(limit=20)
    finished = [r for r in runs if r["finished_at"]]
    gauge("llwatch_crawl_running", "1 while a crawl run is open (started, not finished)").set(
        1 if runs and not runs[0]["finished_at"] else 0
    )
    if finished:
        last = finished[0]
        duration = seconds_between(last["started_at"], last["finished_at"]) or 0.0
        ended = parse_iso(last["finished_at"])
        gauge("llwatch_last_run_duration_seconds", "Duration of the last finished crawl run").set(
            duration
        )
        if ended is not None:
            gauge("llwatch_last_run_finished_timestamp_seconds",
                  "When the last crawl run finished (Unix time)").set(ended.timestamp())  # fmt: skip
            gauge("llwatch_last_run_age_seconds",
                  "Seconds since the last crawl run finished (when written)").set(
                      (now - ended).total_seconds())  # fmt: skip
        gauge("llwatch_last_run_ok", "1 when every source of the last run succeeded").set(
            1 if last["status"] == "ok" else 0
        )
        gauge("llwatch_last_run_new_articles", "New articles of the last run").set(last["new"])
        gauge("llwatch_last_run_failed_sources", "Failed sources of the last run").set(
            last["failed_sources"]
        )

    outbox = store.state.outbox_status()
    gauge("llwatch_outbox_pending", "Articles waiting in the outbox for the Elasticsearch index"
          ).set(outbox["pending"] - outbox["refused"])  # fmt: skip
    gauge("llwatch_outbox_refused", "Articles the index refused for good (need a person)").set(
        outbox["refused"]
    )
    oldest = parse_iso(outbox["oldest"])
    gauge("llwatch_outbox_oldest_age_seconds", "Age of the oldest article in the outbox").set(
        (now - oldest).total_seconds() if oldest else 0
    )
    return registry


def exposition(registry: CollectorRegistry) -> str:
    """The Prometheus text format."""
    return generate_latest(registry).decode("utf-8")


def write_textfile(registry: CollectorRegistry, path: Path) -> None:
    """Write atomically (a temporary file renamed), as the textfile collector needs."""
    write_to_textfile(str(path), registry)
