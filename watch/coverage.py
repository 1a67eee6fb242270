"""Coverage report: does the watch cover the countries it should? Articles per country over a
period, counted two ways (from the country's own sources, and mentioning the country), against
a list of countries: the 193 UN member states by default, or the organisation's delegate
countries from a file. Countries with nothing either way are flagged.

Counted by the article store's facets, so the report reads the embedded store and an
Elasticsearch index alike.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import IO, Any

import pycountry

from watch.countries import country_name, region_of
from watch.errors import ConfigError
from watch.query import parse
from watch.store.base import ArticleStore

__all__ = [
    "DEFAULT_DAYS",
    "CountryCoverage",
    "Report",
    "coverage",
    "load_countries",
    "the_countries",
    "un_members",
]

#: The period when none is given: the last 30 days, today included.
DEFAULT_DAYS = 30


@dataclass
class CountryCoverage:
    code: str
    name: str
    region: str
    from_sources: int  # articles of sources based in the country
    mentioned: int  # articles that mention the country

    @property
    def covered(self) -> bool:
        return bool(self.from_sources or self.mentioned)


@dataclass
class Report:
    since: str
    until: str
    rows: list[CountryCoverage]

    @property
    def uncovered(self) -> list[CountryCoverage]:
        return [row for row in self.rows if not row.covered]

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since, "until": self.until, "countries": len(self.rows),
            "covered": len(self.rows) - len(self.uncovered),
            "uncovered": [row.code for row in self.uncovered],
            "rows": [asdict(row) | {"covered": row.covered} for row in self.rows],
        }  # fmt: skip

    def write_csv(self, stream: IO[str]) -> None:
        """One row per country: code, country, region, from_sources, mentioned, covered."""
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["code", "country", "region", "from_sources", "mentioned", "covered"])
        for row in self.rows:
            writer.writerow([row.code, row.name, row.region, row.from_sources, row.mentioned,
                             "yes" if row.covered else "no"])  # fmt: skip


@functools.cache
def un_members() -> tuple[str, ...]:
    """The ISO codes of the 193 UN member states (watch/data/un-members.tsv)."""
    text = (resources.files("watch") / "data" / "un-members.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return tuple(row[0] for row in rows if row[0] != "code")


@functools.cache
def _names() -> dict[str, str]:
    """Folded country names (English, French, Spanish; pycountry's official and common names)
    → ISO code."""
    out: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.name, getattr(country, "official_name", ""),
                 getattr(country, "common_name", "")]  # fmt: skip
        names += [country_name(code, language) for language in ("en", "fr", "es")]
        for name in names:
            if name:
                out.setdefault(name.casefold(), code)
    return out


def load_countries(path: Path) -> list[str]:
    """The ISO codes listed in ``path``: one country per line, as an ISO code (``SN``) or a
    name (``Senegal``, ``Sénégal``); ``#`` starts a comment; on a CSV line the first field
    counts. An unknown country is an error naming the line."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the country list ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text — save the country list as UTF-8") from None
    codes: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].split(",", 1)[0].strip().strip('"')
        if not value:
            continue
        upper = value.upper()
        if len(upper) == 2 and pycountry.countries.get(alpha_2=upper) is not None:
            code = upper
        elif (found := _names().get(value.casefold())) is not None:
            code = found
        else:
            raise ConfigError(f"{path}:{number}: unknown country {value!r} — write an ISO code "
                              "(SN) or a country name (Senegal)")  # fmt: skip
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ConfigError(f"{path}: no country in the list — one ISO code or name per line")
    return codes


def the_countries(path: Path | str | None) -> list[str] | None:
    """The countries to cover: those listed in ``path`` (``--countries``, WATCH_COUNTRIES), or
    None for the UN member states when no list is given."""
    return load_countries(Path(path).expanduser()) if path else None


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag} {value!r}: give a day as YYYY-MM-DD, e.g. 2026-11-01") from None


def _period(since: str | None, until: str | None, today: date) -> tuple[date, date]:
    last = _day(until, "--until") if until else today
    first = _day(since, "--since") if since else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ConfigError(f"--since {first} is after --until {last} — swap them")
    return first, last


def coverage(
    articles: ArticleStore,
    countries: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    today: date | None = None,
) -> Report:
    """The report over [since, until] (ISO dates, both included; default: the last 30 days)."""
    first, last = _period(since, until, today or datetime.now(UTC).date())
    query = parse(f"since:{first.isoformat()} until:{last.isoformat()}")
    counts = articles.facets(query, ("source-country", "country"), limit=1_000)  # ≥ ISO codes
    from_sources = dict(counts["source-country"])
    mentioned = dict(counts["country"])
    rows = [CountryCoverage(code, country_name(code), region_of(code),
                            from_sources.get(code, 0), mentioned.get(code, 0))
            for code in (countries or list(un_members()))]  # fmt: skip
    rows.sort(key=lambda r: (r.covered, r.from_sources + r.mentioned, r.name))
    return Report(first.isoformat(), last.isoformat(), rows)
