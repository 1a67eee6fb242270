"""Periods of a trend (day, ISO week, month, year), shared by the stores: the first day of the
period of a date, the periods from one to another with none skipped, and the assembly of counts
into a :class:`~watch.store.base.Trend` (top values by total count, then by value)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from watch.store.base import Interval, Trend

__all__ = ["MAX_PERIODS", "assemble", "period_of", "periods_between"]

#: A trend never has more periods than this (about 27 years of weeks); the oldest are cut.
MAX_PERIODS = 1500


def period_of(day: str, interval: Interval) -> str:
    """The first day of the period holding ``day`` (YYYY-MM-DD...)."""
    if interval == "day":
        return day[:10]
    if interval == "month":
        return day[:7] + "-01"
    if interval == "year":
        return day[:4] + "-01-01"
    parsed = date.fromisoformat(day[:10])
    return (parsed - timedelta(days=parsed.weekday())).isoformat()


def _next(start: str, interval: Interval) -> str:
    day = date.fromisoformat(start)
    if interval == "day":
        return (day + timedelta(days=1)).isoformat()
    if interval == "week":
        return (day + timedelta(days=7)).isoformat()
    if interval == "month":
        return (day.replace(year=day.year + 1, month=1) if day.month == 12
                else day.replace(month=day.month + 1)).isoformat()  # fmt: skip
    return day.replace(year=day.year + 1).isoformat()


def periods_between(first: str, last: str, interval: Interval) -> list[str]:
    """Every period from ``first`` to ``last`` (both period starts), at most MAX_PERIODS (the
    latest ones)."""
    out = [first]
    while out[-1] < last:
        out.append(_next(out[-1], interval))
        if len(out) > 2 * MAX_PERIODS:
            del out[:MAX_PERIODS]
    return out[-MAX_PERIODS:]


def assemble(
    counts: Iterable[tuple[str, str, int]], interval: Interval, limit: int, by: bool
) -> Trend:
    """A Trend of (period start, value, count) rows: with ``by``, the ``limit`` values with the
    most articles (then by value); without, one series "" (values are ignored)."""
    table: dict[str, dict[str, int]] = {}
    for period, value, count in counts:
        if not period or count <= 0:
            continue
        key = value if by else ""
        table.setdefault(key, {})
        table[key][period] = table[key].get(period, 0) + count
    if not table:
        return Trend(interval)
    if by:
        ranked = sorted(table, key=lambda v: (-sum(table[v].values()), v))[:limit]
        table = {v: table[v] for v in ranked}
    starts = [p for series in table.values() for p in series]
    periods = periods_between(min(starts), max(starts), interval)
    return Trend(interval, periods, {v: [s.get(p, 0) for p in periods] for v, s in table.items()})
