"""The weekly digest: the best lifelong-learning news of a period, ranked, one pick per story,
varied, grouped by world region (or topic), with the editors' pins, drops and notes applied.

How a pick is chosen (every number is shown by ``llwatch digest --explain``):

1. **Candidates**: the articles dated in the period (in the languages asked for), minus the
   stories an editor dropped. Near-duplicates (one ``cluster_id``) are one story: its best
   member represents it, and the number of distinct sources that covered it is its size.
2. **Score** = (0.45 × relevance + 0.20 × freshness + 0.35 × story size) × source weight ×
   feedback, where relevance is the article's 0..1 relevance to lifelong learning, freshness its
   place in the period (0 first day, 1 last), story size ``log2(sources) / 3`` capped at 1
   (1 source 0, 2 sources 0.33, 8 and more 1), source weight the feeds.yaml ``weight`` mapped
   to ``2w / (w + 1)`` (1 → 1, 3 → 1.5, 0 → 0), and feedback ``0.5 ** (drops / 4)`` (at least
   0.25) for the source's items dated in the 26 weeks up to the period's end that editors
   dropped.
3. **Variety** (maximal marginal relevance): each section is filled one pick at a time with the
   candidate maximising ``0.7 × score − 0.3 × similarity`` to the picks already there, where
   similarity is 0.45 for the same source, 0.30 for the same language and 0.25 for the same
   region (grouping by topic) or main topic (grouping by region). Pinned articles come first.

The same store, watch list and picks give the same digest: ties are broken by date and id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from watch.countries import region_of
from watch.errors import ConfigError
from watch.items import Article
from watch.picks import Picks
from watch.query import And, Field, Node, Or
from watch.sources import REGIONS, Source
from watch.store import Store
from watch.taxonomy import Taxonomy

__all__ = [
    "REGION_ORDER",
    "Digest",
    "DigestOptions",
    "DigestPick",
    "Period",
    "Section",
    "build_digest",
    "last_complete_week",
    "parse_languages",
    "parse_period",
    "region_of_article",
    "week_of",
]

GroupBy = Literal["region", "topic"]
#: Sections by region, in this order (the UNESCO regions, then sources without a country).
REGION_ORDER: tuple[str, ...] = (*REGIONS[1:], REGIONS[0])
WEIGHTS = {"relevance": 0.45, "freshness": 0.20, "story": 0.35}
LAMBDA = 0.7  # MMR: share of the score against similarity to the picks already made
SIMILARITY = {"source": 0.45, "language": 0.30, "other": 0.25}
FEEDBACK_WEEKS = 26
UNSCORED_RELEVANCE = 0.5  # articles never scored for relevance
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Period:
    """A span of days, UTC: ``since`` inclusive, ``until`` exclusive (ISO 8601 instants)."""

    first: date
    last: date  # inclusive
    week: str = ""  # "2026-W47" when the period is an ISO week

    @property
    def since(self) -> str:
        return f"{self.first.isoformat()}T00:00:00Z"

    @property
    def until(self) -> str:
        return f"{(self.last + timedelta(days=1)).isoformat()}T00:00:00Z"

    @property
    def label(self) -> str:
        return self.week or f"{self.first.isoformat()}..{self.last.isoformat()}"


def week_of(day: date) -> Period:
    """The ISO week holding ``day``."""
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    return Period(monday, monday + timedelta(days=6), f"{year}-W{week:02d}")


def last_complete_week(now: datetime | None = None) -> Period:
    """The last ISO week that has ended (on a Monday: the week before)."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    return week_of(today - timedelta(days=today.isoweekday()))


def parse_week(text: str) -> Period:
    """``2026-W47`` (ISO 8601 week); ConfigError with what to write otherwise."""
    found = _WEEK.fullmatch(text.strip())
    try:
        if not found:
            raise ValueError(text)
        return week_of(date.fromisocalendar(int(found[1]), int(found[2]), 1))
    except ValueError:
        raise ConfigError(
            f"--week {text}: not an ISO week — write the year and week number, e.g. 2026-W47"
        ) from None


def parse_period(
    week: str | None, since: str | None, until: str | None, now: datetime | None = None
) -> Period:
    """The period of ``--week`` or ``--since``/``--until`` (dates, both inclusive), or the last
    complete ISO week."""
    if week and (since or until):
        raise ConfigError("give --week, or --since/--until, not both")
    if week:
        return parse_week(week)
    if not since and not until:
        return last_complete_week(now)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    last = _day("--until", until) if until else today
    first = _day("--since", since) if since else last - timedelta(days=6)
    if first > last:
        raise ConfigError(f"--since {first} is after --until {last} — swap them")
    if (last - first).days > 366:
        raise ConfigError(f"{first}..{last} is more than a year — a digest covers days or weeks")
    return Period(first, last)


def parse_languages(text: str) -> tuple[str, ...]:
    """``en,fr,es`` as language codes (empty: all languages); ConfigError on anything else."""
    codes = tuple(c.strip().lower() for c in text.split(",") if c.strip())
    for code in codes:
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise ConfigError(
                f"--lang {text}: {code!r} is not a language code — write e.g. en,fr,es"
            )
    return codes


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{option} {text}: not a date — write YYYY-MM-DD") from None


@dataclass(frozen=True)
class DigestOptions:
    period: Period
    languages: tuple[str, ...] = ()  # article languages kept (all when empty)
    per_section: int = 5
    group_by: GroupBy = "region"


@dataclass
class DigestPick:
    """One story of the digest, represented by one article."""

    article: Article
    section: str
    score: float  # the ranking score (before variety)
    parts: dict[str, float]  # relevance, freshness, story, source, feedback, variety
    story_sources: list[str] = field(default_factory=list)  # the other sources' names, sorted
    story_size: int = 1  # distinct sources that covered the story in the period
    pinned: bool = False
    note: str = ""  # the editor's one-line note


@dataclass
class Section:
    key: str  # a region slug, a topic id, or "other"
    picks: list[DigestPick]


@dataclass
class Digest:
    period: Period
    options: DigestOptions
    sections: list[Section]
    considered: int  # articles dated in the period (in the languages asked for)
    stories: int  # stories among them, dropped ones left out

    @property
    def picks(self) -> list[DigestPick]:
        return [pick for section in self.sections for pick in section.picks]


# --- candidates ------------------------------------------------------------------------------


def period_query(period: Period, languages: Sequence[str]) -> Node:
    """since/until (both inclusive days) and the languages, as a query tree."""
    parts: list[Node] = [
        Field("since", period.first.isoformat(), 0),
        Field("until", period.last.isoformat(), 0),
    ]
    langs = [Field("lang", code, 0) for code in dict.fromkeys(languages)]
    if len(langs) == 1:
        parts.append(langs[0])
    elif langs:
        parts.append(Or(tuple(langs)))
    return And(tuple(parts))


def region_of_article(article: Article) -> str:
    """The region the story is about: its first country mentioned, else its source's country
    (or region), else ``global``."""
    for code in [*article.countries[:1], article.source_country]:
        if code and (region := region_of(code)) != "global":
            return region
    return "global"


def main_topic(article: Article) -> str:
    return max(article.topics, key=lambda t: (t.score, t.id)).id if article.topics else "other"


@dataclass
class _Story:
    members: list[Article]
    sources: list[str]  # distinct source ids, in order of arrival
    best: Article | None = None
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)


def _stories(articles: Iterable[Article], dropped: set[str]) -> tuple[list[_Story], int]:
    """The period's stories (near-duplicate clusters), dropped ones removed; and the count of
    articles read."""
    by_cluster: dict[str, _Story] = {}
    gone: set[str] = set()
    seen = 0
    for article in articles:
        seen += 1
        key = article.cluster_id or article.id
        if article.id in dropped:
            gone.add(key)
        story = by_cluster.setdefault(key, _Story([], []))
        story.members.append(article)
        if article.source_id not in story.sources:
            story.sources.append(article.source_id)
    return [s for k, s in by_cluster.items() if k not in gone], seen


# --- scores ----------------------------------------------------------------------------------


def source_factor(weight: float) -> float:
    """feeds.yaml weight (0..10, 1 by default) as a multiplier: 1 → 1, 3 → 1.5, 0 → 0."""
    return 2 * weight / (weight + 1)


def feedback_factor(drops: int) -> float:
    """Each 4 drops of a source's items halve its weight, down to a quarter."""
    return max(0.25, 0.5 ** (drops / 4))


def story_part(sources: int) -> float:
    return min(1.0, math.log2(max(1, sources)) / 3)


def _freshness(article: Article, period: Period) -> float:
    day = (article.published_at or article.fetched_at)[:10]
    try:
        offset = (date.fromisoformat(day) - period.first).days
    except ValueError:
        return 0.0
    span = max(1, (period.last - period.first).days)
    return min(1.0, max(0.0, offset / span))


def _score(
    article: Article,
    story_size: int,
    period: Period,
    sources: Mapping[str, Source],
    drops: Mapping[str, int],
) -> tuple[float, dict[str, float]]:
    relevance = UNSCORED_RELEVANCE if article.relevance is None else article.relevance
    parts = {
        "relevance": round(relevance, 4),
        "freshness": round(_freshness(article, period), 4),
        "story": round(story_part(story_size), 4),
    }
    source = sources.get(article.source_id)
    parts["source"] = round(source_factor(source.weight if source else 1.0), 4)
    parts["feedback"] = round(feedback_factor(drops.get(article.source_id, 0)), 4)
    base = sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
    return round(base * parts["source"] * parts["feedback"], 6), parts


def _rank_key(score: float, article: Article) -> tuple[float, int, str]:
    """Higher score first, then the newer, then the smaller id (a total order)."""
    return (-score, -_instant(article.published_at or article.fetched_at), article.id)


def _instant(text: str) -> int:
    """``2026-11-17T09:00:00Z`` as the number 20261117090000 (0 when unreadable)."""
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    return int(digits) if digits.isdigit() else 0


# --- variety ---------------------------------------------------------------------------------


def _traits(pick: DigestPick, group_by: GroupBy) -> tuple[str, str, str]:
    """What two picks may share: source, language, and main topic (or region)."""
    article = pick.article
    other = main_topic(article) if group_by == "region" else region_of_article(article)
    return (article.source_id, article.language, other)


def _similarity(a: tuple[str, str, str], b: tuple[str, str, str]) -> float:
    return (
        SIMILARITY["source"] * (a[0] == b[0])
        + SIMILARITY["language"] * (a[1] == b[1])
        + SIMILARITY["other"] * (a[2] == b[2])
    )


def _diversify(
    candidates: list[DigestPick], pinned: list[DigestPick], n: int, group_by: GroupBy
) -> list[DigestPick]:
    """Pinned picks, then up to ``n`` in all by maximal marginal relevance.

    Each candidate's greatest similarity to the picks so far is kept up to date (one comparison
    per candidate and pick), and candidates that cannot win are left out from the start: a
    candidate scoring below the n-th best score minus (1 − λ) / λ never beats that one, whose
    similarity is at most 1."""
    chosen = list(pinned)
    pool = sorted(candidates, key=lambda p: _rank_key(p.score, p.article))
    if len(pool) > n:
        floor = pool[n - 1].score - (1 - LAMBDA) / LAMBDA
        pool = [p for p in pool if p.score >= floor]
    traits = [_traits(p, group_by) for p in pool]
    most = [max((_similarity(t, _traits(c, group_by)) for c in chosen), default=0.0)
            for t in traits]  # fmt: skip
    while pool and len(chosen) < n:
        values = [LAMBDA * p.score - (1 - LAMBDA) * m for p, m in zip(pool, most, strict=True)]
        best = max(range(len(pool)), key=lambda i: (values[i], -i))  # ties: the better ranked
        pick, picked = pool.pop(best), traits.pop(best)
        pick.parts["variety"] = round(-(1 - LAMBDA) * most.pop(best), 4) + 0.0  # never -0.0
        chosen.append(pick)
        most = [max(m, _similarity(t, picked)) for t, m in zip(traits, most, strict=True)]
    return chosen


# --- the digest ------------------------------------------------------------------------------


def build_digest(
    store: Store,
    sources: Sequence[Source],
    options: DigestOptions,
    taxonomy: Taxonomy | None = None,
) -> Digest:
    """Rank, deduplicate and diversify the period's articles into sections."""
    period = options.period
    picks = Picks(store.db)
    by_id = {s.id: s for s in sources}
    feedback_since = (period.last - timedelta(weeks=FEEDBACK_WEEKS)).isoformat()
    drops = picks.drops_by_source(feedback_since, period.until)
    dropped = picks.dropped()
    notes = picks.notes()
    weeks = dict.fromkeys(week_of(period.first + timedelta(days=d)).week
                          for d in range((period.last - period.first).days + 1))  # fmt: skip
    pinned_ids = [i for w in weeks for i in picks.pinned(w) if i not in dropped]
    query = period_query(period, options.languages)
    stories, considered = _stories(store.articles.iter_articles(query, brief=True), dropped)
    sections: dict[str, list[DigestPick]] = {}
    for story in stories:
        pick = _represent(story, period, by_id, drops, options.group_by, pinned_ids)
        if pick is not None:
            sections.setdefault(pick.section, []).append(pick)
    pinned = _pinned(store, pinned_ids, stories, period, by_id, drops, options.group_by)
    out: list[Section] = []
    for key in _section_order(set(sections) | {p.section for p in pinned}, options, taxonomy):
        mine = [p for p in pinned if p.section == key]
        chosen = _diversify(sections.get(key, []), mine, max(options.per_section, len(mine)),
                            options.group_by)  # fmt: skip
        out.append(Section(key, chosen))
    digest = Digest(period, options, [s for s in out if s.picks], considered, len(stories))
    _complete(store, digest, notes, by_id)
    return digest


def _represent(
    story: _Story,
    period: Period,
    sources: Mapping[str, Source],
    drops: Mapping[str, int],
    group_by: GroupBy,
    pinned: Sequence[str],
) -> DigestPick | None:
    """The story's best member as a pick (None when one of its members is pinned: the pin
    represents it)."""
    if any(m.id in pinned for m in story.members):
        return None
    size = len(story.sources)
    scored = [(*_score(m, size, period, sources, drops), m) for m in story.members]
    score, parts, best = min(scored, key=lambda t: _rank_key(t[0], t[2]))
    return _pick(best, score, parts, story, group_by)


def _pick(
    article: Article, score: float, parts: dict[str, float], story: _Story | None, group_by: GroupBy
) -> DigestPick:
    section = region_of_article(article) if group_by == "region" else main_topic(article)
    others = [s for s in (story.sources if story else []) if s != article.source_id]
    return DigestPick(article, section, score, parts, others, 1 + len(others))


def _pinned(
    store: Store,
    ids: Sequence[str],
    stories: Sequence[_Story],
    period: Period,
    sources: Mapping[str, Source],
    drops: Mapping[str, int],
    group_by: GroupBy,
) -> list[DigestPick]:
    """The pinned articles as picks (read from the store: a pin may be outside the period)."""
    story_of = {m.id: s for s in stories for m in s.members}
    out = []
    for article_id in ids:
        article = store.articles.get(article_id)
        if article is None:
            continue
        story = story_of.get(article_id)
        size = len(story.sources) if story else 1
        score, parts = _score(article, size, period, sources, drops)
        pick = _pick(article, score, parts, story, group_by)
        pick.pinned = True
        out.append(pick)
    return sorted(out, key=lambda p: _rank_key(p.score, p.article))


def _section_order(keys: set[str], options: DigestOptions, taxonomy: Taxonomy | None) -> list[str]:
    if options.group_by == "region":
        return [r for r in REGION_ORDER if r in keys]
    known = [t.id for t in taxonomy.topics] if taxonomy else []
    return (
        [k for k in known if k in keys]
        + sorted(keys - set(known) - {"other"})
        + (["other"] if "other" in keys else [])
    )


def _complete(
    store: Store, digest: Digest, notes: Mapping[str, str], sources: Mapping[str, Source]
) -> None:
    """Read the picks' whole articles (their text gives a summary when the feed had none),
    attach the editors' notes, and name the other sources of each story."""
    for pick in digest.picks:
        if not pick.pinned:
            pick.article = store.articles.get(pick.article.id) or pick.article
        pick.note = notes.get(pick.article.id, "")
        names = {sources[s].name if s in sources else s for s in pick.story_sources}
        pick.story_sources = sorted(names, key=str.casefold)
