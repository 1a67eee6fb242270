"""Source health: graded failures, adaptive polling, and what needs an operator's attention.

- **Graded failures.** Each failed poll adds to a source's failure score by what went wrong: an
  error that will not fix itself (HTTP 404/410, DNS, not a feed, refused) counts 1, a server
  error 0.5, a timeout or a dropped connection 0.25. A success resets it. A source at
  ``DEAD_SCORE`` or more is *dead*: it is still polled (less often) and reported, never
  disabled silently.
- **Adaptive polling.** A source's interval follows how often it really publishes: half the
  typical gap between its articles over the last ``RATE_WINDOW_DAYS`` days, within a quarter and
  four times the interval feeds.yaml gives it (and never under 5 minutes or over 7 days). With
  fewer than ``MIN_ARTICLES_FOR_RATE`` articles the feeds.yaml interval is kept. A failing source
  backs off: the interval doubles with each consecutive failure, up to 2 days.
- **Health states**, worst first: ``dead``, ``failing`` (failed last time), ``silent`` (no new
  article for much longer than its usual gap, at least ``SILENT_DAYS`` days), ``dropping`` (the
  last four weeks publish less than a quarter of the twelve weeks before), ``new`` (never
  polled successfully), ``ok``; ``disabled`` for sources switched off in feeds.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from watch.sources import Source
from watch.store.base import SourceState

__all__ = [
    "DEAD_SCORE",
    "PublishingStats",
    "SourceHealth",
    "adaptive_interval",
    "assess",
    "failure_weight",
    "next_due",
    "parse_iso",
]

DEAD_SCORE = 3.0
RATE_WINDOW_DAYS = 90
MIN_ARTICLES_FOR_RATE = 3
SILENT_DAYS = 30
MIN_INTERVAL, MAX_INTERVAL = 5 * 60, 7 * 86400
MAX_BACKOFF = 2 * 86400
RECENT_WEEKS, BEFORE_WEEKS = 4, 12

#: Error wordings (see spiders/failures.py) and the weight of the failure they describe.
_SOFT = (("timed out", 0.25), ("connection lost", 0.25), ("HTTP 5", 0.5), ("HTTP 429", 0.5),
         ("connection refused", 0.5))  # fmt: skip


def failure_weight(error: str) -> float:
    """How much one failure with this error counts towards ``DEAD_SCORE``."""
    for start, weight in _SOFT:
        if error.startswith(start) or f": {start}" in error:
            return weight
    return 1.0


@dataclass
class PublishingStats:
    """What the store knows of a source's articles (dates are UTC ISO 8601)."""

    recent: int = 0  # articles dated in the last RECENT_WEEKS weeks
    before: int = 0  # articles dated in the BEFORE_WEEKS weeks before those
    window: int = 0  # articles dated in the last RATE_WINDOW_DAYS days
    window_oldest: str = ""  # the oldest date among those
    newest: str = ""  # the newest article date
    total: int = 0


def adaptive_interval(
    source: Source,
    stats: PublishingStats,
    consecutive_failures: int = 0,
    now: datetime | None = None,
) -> int:
    """The polling interval (seconds) this source has earned by its publishing and failures."""
    base = source.interval
    if consecutive_failures:
        return max(base, min(base * 2 ** min(consecutive_failures, 10), MAX_BACKOFF))
    if stats.window < MIN_ARTICLES_FOR_RATE or not stats.window_oldest:
        return base
    now = now or datetime.now(UTC)
    oldest = parse_iso(stats.window_oldest) or now
    observed = max((now - oldest).total_seconds(), 86400.0)
    wanted = observed / stats.window / 2
    low, high = max(MIN_INTERVAL, base / 4), min(MAX_INTERVAL, base * 4)
    return int(min(max(wanted, low), high))


def next_due(source: Source, state: SourceState) -> str:
    """When the source is due next (UTC ISO 8601); "" when it was never polled (due now)."""
    last = parse_iso(state.last_attempt)
    if last is None:
        return ""
    return _iso(last + timedelta(seconds=state.interval or source.interval))


@dataclass
class SourceHealth:
    source_id: str
    kind: str
    state: str
    flags: list[str] = field(default_factory=list)
    last_success: str = ""
    last_attempt: str = ""
    consecutive_failures: int = 0
    failure_score: float = 0.0
    last_error: str = ""
    per_week: float = 0.0  # articles per week, last RECENT_WEEKS weeks
    per_week_before: float = 0.0  # articles per week in the BEFORE_WEEKS weeks before
    newest: str = ""
    interval: int = 0  # seconds, as adapted
    next_due: str = ""


def assess(
    source: Source, state: SourceState | None, stats: PublishingStats, now: datetime | None = None
) -> SourceHealth:
    """The health of one source: its state, the flags that explain it, and the figures."""
    now = now or datetime.now(UTC)
    state = state or SourceState(source.id)
    health = SourceHealth(
        source.id,
        source.kind,
        "ok",
        last_success=state.last_success,
        last_attempt=state.last_attempt,
        consecutive_failures=state.consecutive_failures,
        failure_score=round(state.failure_score, 2),
        last_error=state.last_error,
        per_week=round(stats.recent / RECENT_WEEKS, 2),
        per_week_before=round(stats.before / BEFORE_WEEKS, 2),
        newest=stats.newest,
        interval=state.interval or source.interval,
        next_due=next_due(source, state),
    )
    flags = health.flags
    if state.failure_score >= DEAD_SCORE:
        flags.append(f"dead: failure score {state.failure_score:g} (≥ {DEAD_SCORE:g})")
    if state.consecutive_failures:
        flags.append(f"failing: {state.consecutive_failures} failed poll(s) in a row")
    newest = parse_iso(stats.newest)
    if newest is not None and state.last_success:
        usual = _usual_gap_days(stats)
        quiet = (now - newest).total_seconds() / 86400
        if quiet > max(SILENT_DAYS, 4 * usual):
            flags.append(f"silent: no new article for {int(quiet)} days")
    before, recent = stats.before / BEFORE_WEEKS, stats.recent / RECENT_WEEKS
    if before >= 1 and recent < before / 4:
        flags.append(f"dropping: {recent:.1f}/week lately, {before:.1f}/week before")
    if not state.last_success and not state.consecutive_failures:
        flags.append("new: never polled successfully yet")
    if not source.enabled:
        health.state = "disabled"
    elif flags:
        health.state = flags[0].split(":", 1)[0]
    return health


def _usual_gap_days(stats: PublishingStats) -> float:
    weeks = RECENT_WEEKS + BEFORE_WEEKS
    count = stats.recent + stats.before
    return (weeks * 7 / count) if count else 0.0


def parse_iso(text: str) -> datetime | None:
    """An ISO 8601 date-time as an aware datetime (naive ones taken as UTC); None when empty or
    unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
