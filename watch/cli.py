"""``llwatch``: the command line of the watch (crawl, search, export, stats, sources, demo).

Grammar shared by every command: data to stdout, messages and progress to stderr; ``--format``
(a readable table by default) with ``--json`` as a shorthand; exit 0 ok, 1 partial failure,
2 bad usage or input, 74 when the disk holding the store is full, 75 when another crawl holds
the data dir's lock.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from watch.config import VERSION, WatchConfig
from watch.crawl import CrawlReport, crawl_lock, run_crawl
from watch.entries import FILL_IN, fill_in, known_sources, render_entries, render_watch_list
from watch.errors import ConfigError, StoreUnavailable, WatchError
from watch.export import write_export
from watch.logs import LOG_FORMATS
from watch.query import parse
from watch.sources import (
    Shard,
    Source,
    check_sources,
    declared_languages,
    format_duration,
    load_sources,
    select_sources,
)
from watch.store import Store, open_store
from watch.store.base import Hit, SourceRun
from watch.tables import render_table

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])


# --- shared plumbing ---------------------------------------------------------------------------


def _fail(error: WatchError) -> None:
    if isinstance(error, ConfigError) and error.problems != [str(error)]:
        for problem in error.problems:
            click.echo(problem, err=True)
    click.echo(f"llwatch: error: {error}", err=True)
    sys.exit(error.exit_code)


def handle_errors(func: F) -> F:
    """Turn a WatchError into one line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WatchError as error:
            _fail(error)

    return wrapper  # type: ignore[return-value]


def data_options(func: F) -> F:
    """``--data-dir`` and ``--sources``, meaning the same for every command."""
    func = click.option(
        "--sources",
        "sources",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The watch list (default: $WATCH_SOURCES or ./feeds.yaml).",
    )(func)
    return click.option(
        "--data-dir",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the store lives (default: $WATCH_DATA_DIR or ./data).",
    )(func)


def load_config(data_dir: Path | None, sources: Path | None, **extra: Any) -> WatchConfig:
    overrides = {"WATCH_DATA_DIR": data_dir, "WATCH_SOURCES": sources, **extra}
    return WatchConfig.load(
        {k: (str(v) if isinstance(v, Path) else v) for k, v in overrides.items()}
    )


@contextmanager
def reading(config: WatchConfig) -> Iterator[Store]:
    """The store, read-only: the SQLite file, or with WATCH_ES_URL the checked cluster (the
    local file, holding only crawl state there, is created when missing)."""
    store = open_store(config.data_dir, readonly=True, config=config)
    if config.es_url:
        from watch.store.elastic_client import check_cluster

        try:
            check_cluster(store.articles.client, config)  # type: ignore[attr-defined]
        except BaseException:
            store.close()
            raise
    try:
        yield store
    finally:
        store.close()


@contextmanager
def output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        yield handle


def format_option(choices: Iterable[str], default: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        func = click.option("--json", "as_json", is_flag=True, help="Shorthand for --format json.")(
            func
        )
        return click.option(
            "--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
            help="Output format.",
        )(func)  # fmt: skip

    return decorate


# --- the group ---------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(VERSION, prog_name="llwatch")
def cli() -> None:
    """llwatch — the global watch on lifelong learning.

    Crawl the sources of a watch list (feeds.yaml) into a local store, then search and export
    what came in. Start with `llwatch demo` for an offline tour.
    """


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="llwatch")


# --- crawl -------------------------------------------------------------------------------------


@cli.command()
@data_options
@click.option(
    "--source", "only", multiple=True, metavar="ID", help="Crawl only this source (repeatable)."
)
@click.option("--force", is_flag=True, help="Poll every selected source now, even if not due.")
@click.option("--shard", metavar="K/N", help="Crawl only share K of N of the sources (one of N "
              "crawl servers; by source id: no overlap, no gap).")  # fmt: skip
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-v info, -vv debug).")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True,
              help="Log lines on stderr as text, or one JSON object each (time, level, logger, "
              "message) for log shippers.")  # fmt: skip
@format_option(["table", "json"], "table")
@handle_errors
def crawl(
    data_dir: Path | None, sources: Path | None, only: tuple[str, ...], force: bool,
    shard: str | None, verbose: int, log_format: str, fmt: str, as_json: bool,
) -> None:  # fmt: skip
    """Run one crawl of the due sources, then print what each source gave.

    Safe under cron or systemd timers: a second crawl on the same data dir exits with code 75
    while one runs. Exit 0 when every source succeeded, 1 when some failed (everything else is
    stored all the same).
    """
    share = Shard.parse(shard) if shard is not None else None
    config = load_config(data_dir, sources)
    level = ("WARNING", "INFO", "DEBUG")[min(verbose, 2)]
    report = run_crawl(config, only, force=force, log_level=level, shard=share,
                       log_format=log_format)  # fmt: skip
    if as_json or fmt == "json":
        click.echo(json.dumps(_report_dict(report), ensure_ascii=False))
    else:
        click.echo(render_summary(report))
        if attention := _needs_attention(config):
            click.echo(f"{attention} — see `llwatch sources health`", err=True)
    sys.exit(1 if report.failed else 0)


def _needs_attention(config: WatchConfig) -> str:
    """``2 dead, 1 silent`` for the enabled sources that need a person, or ""."""
    from watch.health import PublishingStats, assess

    chosen = select_sources(load_sources(config.sources))
    with reading(config) as store:
        states, publishing = store.state.source_states(), store.articles.publishing()
    found = [assess(s, states.get(s.id), publishing.get(s.id, PublishingStats())).state
             for s in chosen]  # fmt: skip
    counts = [f"{found.count(state)} {state}" for state in ("dead", "silent", "dropping")
              if state in found]  # fmt: skip
    return ", ".join(counts)


def _report_dict(report: CrawlReport) -> dict[str, Any]:
    return {
        "run_id": report.run_id,
        "status": report.status,
        "finish_reason": report.finish_reason,
        "sources": [vars(s) for s in report.sources],
        **({"index": report.index} if report.index else {}),
    }


def render_summary(report: CrawlReport) -> str:
    """The end-of-crawl table: per source new / updated / not modified / failed, and why."""
    rows = [_summary_row(s) for s in report.sources]
    table = render_table(
        ["source", "outcome", "entries", "new", "updated", "feed text", "time", "why"],
        rows,
        [28, 12, 7, 5, 7, 9, 7, 70],
    )
    total_new = sum(s.new for s in report.sources)
    line = (
        f"run {report.run_id}: {len(report.sources)} sources, {total_new} new articles, "
        f"{len(report.failed)} failed"
    )
    return f"{table}\n{line}" + (f"\n{report.index}" if report.index else "")


def _summary_row(s: SourceRun) -> list[object]:
    outcome = {"ok": "ok", "not_modified": "not modified"}.get(s.status, s.status)
    notes = [f"{s.failed} articles not stored" if s.failed else "",
             f"{s.not_relevant} not relevant" if s.not_relevant else ""]  # fmt: skip
    why = s.error or "; ".join(n for n in notes if n)
    return [
        s.source_id,
        outcome,
        s.entries,
        s.new,
        s.updated,
        s.fallback,
        f"{s.duration:.1f}s",
        why,
    ]


# --- search ------------------------------------------------------------------------------------


@cli.command()
@click.argument("query", nargs=-1, required=True)
@data_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--offset", default=0, type=click.IntRange(0, None), help="Skip this many results.")
@click.option(
    "--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True
)
@click.option("--facets", is_flag=True, help="Also count results by topic, country and language.")
@click.option(
    "--translingual", is_flag=True,
    help="Expand known terms to their labels in every language (UNESCO Thesaurus, topics).",
)  # fmt: skip
@format_option(["table", "json", "jsonl"], "table")
@handle_errors
def search(
    query: tuple[str, ...], data_dir: Path | None, sources: Path | None, limit: int, offset: int,
    sort: str, facets: bool, translingual: bool, fmt: str, as_json: bool,
) -> None:  # fmt: skip
    """Search the store. QUERY uses the query language (see README "Query syntax"):

    \b
      adult literacy                 both words
      "learning cities"              the exact phrase
      tvet OR apprenticeship         either
      literacy -children / NOT       without
      educat*                        prefix
      lang:fr topic:literacy         fields: lang, topic, country (mentioned),
      country:SN source:uil          source-country, source, since, until
      since:2026-01-01 until:2026-03

    With --json: one JSON object per result per line; with --facets a last line
    {"total": N, "facets": {...}}.
    """
    config = load_config(data_dir, sources)
    tree = parse(" ".join(query))
    if translingual:
        tree = _expander(config).expand(tree)
    with reading(config) as store:
        result = store.articles.search(tree, sort=sort, limit=limit, offset=offset)  # type: ignore[arg-type]
        counts = store.articles.facets(tree) if facets else None
    if as_json or fmt in {"json", "jsonl"}:
        for hit in result.hits:
            click.echo(json.dumps(_hit_dict(hit), ensure_ascii=False))
        if counts is not None:
            click.echo(json.dumps({"total": result.total, "facets": _facet_dict(counts)}))
        return
    click.echo(_hits_table(result.hits))
    if counts is not None:
        click.echo("\n" + _facets_text(counts))
    click.echo(f"{len(result.hits)} of {result.total} results", err=True)


def _expander(config: WatchConfig) -> Any:
    from watch.taxonomy import default_taxonomy, load_taxonomy
    from watch.translingual import Expander

    return Expander(load_taxonomy(config.taxonomy) if config.taxonomy else default_taxonomy())


def _facet_dict(counts: dict[str, list[tuple[str, int]]]) -> dict[str, dict[str, int]]:
    return {name: dict(values) for name, values in counts.items()}


def _facets_text(counts: dict[str, list[tuple[str, int]]]) -> str:
    lines = []
    for name, values in counts.items():
        shown = ", ".join(f"{value} {count}" for value, count in values[:12]) or "-"
        lines.append(f"{name}: {shown}")
    return "\n".join(lines)


def _hit_dict(hit: Hit) -> dict[str, Any]:
    data = hit.article.to_dict()
    data.pop("text")
    return data | {"score": hit.score, "snippet": hit.snippet, "cluster_size": hit.cluster_size}


def _hits_table(hits: list[Hit]) -> str:
    rows = [
        [h.article.title, h.article.source_id, h.article.language, h.article.published_at[:10] or
         h.article.fetched_at[:10], h.article.url]
        for h in hits
    ]  # fmt: skip
    return render_table(["title", "source", "lang", "date", "url"], rows, [60, 22, 4, 10, 80])


# --- export ------------------------------------------------------------------------------------


@cli.command()
@click.argument("query", nargs=-1)
@data_options
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@handle_errors
def export(
    query: tuple[str, ...], data_dir: Path | None, sources: Path | None, fmt: str, out: Path | None
) -> None:
    """Write every field of the matching articles (all articles without QUERY), streamed.

    CSV lists (authors, topics, countries) are JSON-encoded in their cell.
    """
    tree = parse(" ".join(query))
    with reading(load_config(data_dir, sources)) as store, output(out) as handle:
        articles = store.articles.iter_articles(tree)
        count = write_export(articles, fmt, handle)  # type: ignore[arg-type]
    click.echo(f"exported {count} articles", err=True)


# --- stats -------------------------------------------------------------------------------------


@cli.command()
@data_options
@click.option("--runs", "n_runs", default=5, show_default=True, help="How many recent runs.")
@format_option(["table", "json"], "table")
@handle_errors
def stats(
    data_dir: Path | None, sources: Path | None, n_runs: int, fmt: str, as_json: bool
) -> None:
    """What the store holds: articles by source, language and topic, and the last runs."""
    with reading(load_config(data_dir, sources)) as store:
        data = store_stats(store, n_runs)
    if as_json or fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(_stats_text(data))


def store_stats(store: Store, n_runs: int) -> dict[str, Any]:
    runs = store.state.runs(limit=n_runs)
    for run in runs:
        run["sources"] = [vars(s) for s in run["sources"]]
    return {
        "articles": store.articles.count(),
        "by_source": store.articles.count_by("source_id"),
        "by_language": store.articles.count_by("language"),
        "by_topic": dict(store.articles.facets(None, ["topic"], limit=100)["topic"]),
        "runs": runs,
    }


def _stats_text(data: dict[str, Any]) -> str:
    parts = [f"{data['articles']} articles", ""]
    parts.append(render_table(["source", "articles"], list(data["by_source"].items())))
    parts += ["", render_table(["language", "articles"], list(data["by_language"].items())), ""]
    parts += [render_table(["topic", "articles"], list(data["by_topic"].items())), ""]
    run_rows = [
        [r["id"], r["started_at"], r["status"], len(r["sources"]), r["new"], r["updated"],
         r["failed_sources"]]
        for r in data["runs"]
    ]  # fmt: skip
    parts.append(
        render_table(["run", "started", "status", "sources", "new", "updated", "failed"], run_rows)
    )
    if data["runs"]:
        last = data["runs"][0]
        parts += ["", f"last run ({last['id']}), per source:"]
        parts.append(render_summary(CrawlReport(last["id"], last["status"], last["finish_reason"],
                                                [SourceRun(**s) for s in last["sources"]])))  # fmt: skip
    return "\n".join(parts)


# --- sources -----------------------------------------------------------------------------------


@cli.group()
def sources() -> None:
    """Check, list, discover, import and export the sources of a watch list (feeds.yaml)."""


def _report_problems(path: Path | Traversable, problems: list[str]) -> None:
    """Each problem on its own stderr line, then one error (exit 2) if there were any."""
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s) — fix them and check again")


@sources.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def sources_check(file: Path | None) -> None:
    """Validate FILE (default: $WATCH_SOURCES or ./feeds.yaml); every problem with file:line.

    Exit 0 when the file is valid, 2 when it has problems.
    """
    path = file or load_config(None, None).sources
    found, problems = check_sources(path)
    _report_problems(path, problems)
    enabled = sum(s.enabled for s in found)
    click.echo(f"{path}: {len(found)} sources, {enabled} enabled, no problems")


@sources.command("list")
@data_options
@click.option("--all", "include_disabled", is_flag=True, help="Include disabled sources.")
@format_option(["table", "json"], "table")
@handle_errors
def sources_list(
    data_dir: Path | None, sources: Path | None, include_disabled: bool, fmt: str, as_json: bool
) -> None:
    """List the sources of the watch list, with their last crawl state when a store exists."""
    config = load_config(data_dir, sources)
    chosen = select_sources(load_sources(config.sources), include_disabled=include_disabled)
    states = _states(config)
    if as_json or fmt == "json":
        for source in chosen:
            click.echo(json.dumps(_source_dict(source, states.get(source.id)), ensure_ascii=False))
        return
    rows = [_source_row(s, states.get(s.id)) for s in chosen]
    headers = [
        "id",
        "name",
        "country",
        "langs",
        "type",
        "weight",
        "every",
        "on",
        "last success",
        "fails",
    ]
    click.echo(render_table(headers, rows, [28, 36, 8, 8, 17, 6, 5, 3, 20, 5]))


def _states(config: WatchConfig) -> dict[str, Any]:
    if not config.db_path.exists():
        return {}
    with reading(config) as store:
        return store.state.source_states()


def _source_dict(source: Source, state: Any) -> dict[str, Any]:
    data = dataclasses.asdict(source)
    data |= {"languages": list(source.languages), "tags": list(source.tags)}
    return data | {"state": vars(state) if state else None}


@sources.command("health")
@data_options
@click.option("--all", "include_disabled", is_flag=True, help="Include disabled sources.")
@click.option("--problems", is_flag=True, help="Only the sources that are not ok.")
@format_option(["table", "json"], "table")
@handle_errors
def sources_health(
    data_dir: Path | None,
    sources: Path | None,
    include_disabled: bool,
    problems: bool,
    fmt: str,
    as_json: bool,
) -> None:
    """How each source is doing: state, last success, failures, last error, articles per week,
    polling interval and when it is due; dead, failing, silent and dropping sources are flagged
    (worst first). Exit 0, or 1 when any source is dead or failing."""
    from watch.health import PublishingStats, assess

    config = load_config(data_dir, sources)
    chosen = select_sources(load_sources(config.sources), include_disabled=include_disabled)
    states: dict[str, Any] = {}
    publishing: dict[str, PublishingStats] = {}
    if config.db_path.exists():
        with reading(config) as store:
            states, publishing = store.state.source_states(), store.articles.publishing()
    report = [assess(s, states.get(s.id), publishing.get(s.id, PublishingStats())) for s in chosen]
    report.sort(key=lambda h: (_HEALTH_ORDER.index(h.state), h.source_id))
    if problems:
        report = [h for h in report if h.state != "ok"]
    if as_json or fmt == "json":
        for health in report:
            click.echo(json.dumps(dataclasses.asdict(health), ensure_ascii=False))
    else:
        headers = ["id", "state", "last success", "fails", "per week", "before", "newest",
                   "every", "last error / flags"]  # fmt: skip
        rows = [
            [h.source_id, h.state, h.last_success[:16], h.consecutive_failures or "",
             f"{h.per_week:g}", f"{h.per_week_before:g}", h.newest[:10],
             format_duration(h.interval), h.last_error or "; ".join(h.flags[1:] or h.flags)]
            for h in report
        ]  # fmt: skip
        click.echo(render_table(headers, rows, [28, 9, 16, 5, 8, 6, 10, 6, 60]))
        counts = {state: sum(h.state == state for h in report) for state in _HEALTH_ORDER}
        click.echo(", ".join(f"{n} {state}" for state, n in counts.items() if n))
    if any(h.state in ("dead", "failing") for h in report):
        sys.exit(1)


_HEALTH_ORDER = ("dead", "failing", "silent", "dropping", "new", "ok", "disabled")


def _source_row(s: Source, state: Any) -> list[object]:
    last = state.last_success if state else ""
    fails = state.consecutive_failures if state else ""
    return [s.id, s.name, s.country, ",".join(s.languages), s.org_type, s.weight,
            format_duration(s.interval), "yes" if s.enabled else "no", last, fails]  # fmt: skip


def _sources_option(func: F) -> F:
    return click.option(
        "--sources", "sources", type=click.Path(dir_okay=False, path_type=Path),
        help="The watch list (default: $WATCH_SOURCES or ./feeds.yaml).",
    )(func)  # fmt: skip


@sources.command("discover")
@click.argument("url")
@_sources_option
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 120),
              help="Seconds per request.")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="Also say why each rejected guess failed.")
@format_option(["yaml", "json"], "yaml")
@handle_errors
def sources_discover(
    url: str, sources: Path | None, timeout: float, verbose: bool, fmt: str, as_json: bool
) -> None:
    """Find the feeds and sitemaps of the site at URL; print them as feeds.yaml entries.

    Looks at the page's <link rel="alternate"> feeds and feed links, then (only if there
    are none) common feed paths (/feed, /rss.xml, /atom.xml...), and at the sitemaps of
    robots.txt (else /sitemap.xml...). Each candidate is fetched and parsed to confirm it,
    and printed with its entry count and newest date, best first, as an entry to paste under
    `sources:` with FILL-IN where you must decide (country, org_type...). With --json: one
    JSON object per candidate per line. Exit 2 when the site cannot be read or nothing is found.
    """
    from watch.discover import Fetcher, discover, discovery_dicts, discovery_text

    config = load_config(None, sources)
    known, taken = known_sources(config.sources)
    fetcher = Fetcher(config.user_agent, timeout=timeout, max_bytes=config.max_page_bytes)
    found = discover(url, fetcher, known)
    if verbose or not found.candidates:
        for note in found.notes:
            click.echo(f"  {note}", err=True)
    if not found.candidates:
        raise WatchError(f"no feed or sitemap found at {found.url} ({found.requests} requests) "
                         "— try the site's news page, or look for an RSS icon")  # fmt: skip
    if as_json or fmt == "json":
        for line in discovery_dicts(found, taken):
            click.echo(json.dumps(line, ensure_ascii=False))
    else:
        click.echo(discovery_text(found, taken), nl=False)
    hint = f" ({len(found.notes)} rejected; -v says why)" if found.notes and not verbose else ""
    click.echo(
        f"{len(found.candidates)} candidate(s) from {found.requests} requests{hint}", err=True
    )


@sources.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_sources_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a new watch list here (refused if the file exists), not stdout.")  # fmt: skip
@handle_errors
def sources_import(file: Path, sources: Path | None, out: Path | None) -> None:
    """Turn the feeds of an OPML subscription list (FILE) into feeds.yaml entries.

    Categories become tags, htmlUrl the homepage, the outline's title the name. Feeds already
    in the watch list are skipped and named. Keys the OPML cannot give (country, org_type,
    often languages) are written FILL-IN: replace each, then run `llwatch sources check`.
    Without --out the entries go to stdout, to paste under `sources:`.
    """
    from watch.opml import import_entries, read_opml

    config = load_config(None, sources)
    known, taken = known_sources(config.sources)
    if out is not None and out.exists():
        raise ConfigError(f"{out}: already exists — give a new file name (import never overwrites)")
    read = read_opml(_read_bytes(file), str(file))
    entries, duplicates = import_entries(read, known, taken)
    for line in [*read.skipped, *duplicates]:
        click.echo(line, err=True)
    if not entries:
        raise ConfigError(f"{file}: no new feed to import ({len(read.feeds)} feed outlines, "
                          f"{len(duplicates)} already in {config.sources})")  # fmt: skip
    header = [f"Imported from {file.name} ({read.title or 'OPML'}) by llwatch sources import.",
              f"Replace every {FILL_IN}, then run: llwatch sources check"]  # fmt: skip
    text = render_watch_list(entries, header) if out else render_entries(entries)
    with output(out) as handle:
        handle.write(text)
    todo = sum(len(fill_in(e.values)) for e in entries)
    click.echo(f"{len(entries)} feeds imported, {len(duplicates)} already watched, "
               f"{len(read.skipped)} outlines skipped; {todo} {FILL_IN} values to fill in", err=True)  # fmt: skip


@sources.command("export")
@_sources_option
@click.option("--opml", "as_opml", is_flag=True, help="OPML 2.0 (the default and only format).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@handle_errors
def sources_export(sources: Path | None, as_opml: bool, out: Path | None) -> None:
    """Write the watch list's feeds (kind: feed) as OPML 2.0, for feed readers.

    Categories come from each source's first tag; all tags go in `category`, and llwatch's
    own keys (country, org_type...) in attributes of the urn:llwatch:opml:1 namespace, so
    `llwatch sources import` gives the same sources back.
    """
    from watch.opml import write_opml

    path = load_config(None, sources).sources
    found = load_sources(path)
    with output(out) as handle:
        handle.write(write_opml(found, f"llwatch watch list ({path.name})"))
    feeds = sum(s.kind == "feed" for s in found)
    click.echo(f"exported {feeds} feeds ({len(found) - feeds} other sources left out)", err=True)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror}) — check the path") from None


# --- understanding ---------------------------------------------------------------------------


@cli.command()
@click.argument("file", required=False, type=click.File("r", encoding="utf-8"))
@click.option("--text", help="Explain the analysis of this one text, for a person.")
@click.option("--title", default="", help="The title that goes with --text.")
@click.option(
    "--hint", "hints", multiple=True, metavar="LANG", help="A declared language (repeatable)."
)
@data_options
@handle_errors
def analyze(
    file: IO[str] | None, text: str | None, title: str, hints: tuple[str, ...],
    data_dir: Path | None, sources: Path | None,
) -> None:  # fmt: skip
    """Analyse texts: language, topics, countries mentioned, relevance.

    Reads JSON lines from FILE (or stdin; `-` too), each {"title", "text", "url"?,
    "language_hint"?}, and writes one JSON line each: language, language_confidence, topics
    (id, score, terms), countries, relevance, relevant (by WATCH_RELEVANCE_THRESHOLD). A line
    that is not such an object gets one line on stderr naming it; the others go on (exit 1).
    With --text, explains one text in words.
    """
    analyzer = load_config(data_dir, sources).analyzer()
    if text is not None:
        click.echo(explain(analyzer.analyze(title, text, hints=hints), analyzer))
        return
    bad = analyze_lines(analyzer, file or sys.stdin, sys.stdout)
    sys.exit(1 if bad else 0)


def analyze_lines(analyzer: Any, lines: Iterable[str], out: IO[str]) -> int:
    """Analyse JSON lines to JSON lines; the number of bad input lines."""
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = _input_item(line)
        if isinstance(item, str):
            bad += 1
            click.echo(f"llwatch: line {number}: {item} — skipped", err=True)
            continue
        hint = item.get("language_hint")
        found = analyzer.analyze(str(item.get("title") or ""), str(item.get("text") or ""),
                                 hints=[hint] if isinstance(hint, str) else [])  # fmt: skip
        head = {"url": item["url"]} if isinstance(item.get("url"), str) else {}
        out.write(json.dumps(head | found.to_dict(), ensure_ascii=False) + "\n")
    return bad


def _input_item(line: str) -> dict[str, Any] | str:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
        return 'not an object like {"title": "...", "text": "..."}'
    return item


def explain(found: Any, analyzer: Any) -> str:
    """A person's reading of one analysis."""
    lines = [f"language   {found.language} (confidence {found.language_confidence:.2f})"]
    verdict = "relevant" if found.relevant else "not relevant"
    lines.append(f"relevance  {found.relevance:.2f} — {verdict} (threshold {analyzer.threshold:g})")
    for topic_id, share in found.contributions[:8]:
        lines.append(f"             {share:.2f} from {topic_id}")
    lines.append("topics" + ("     (none)" if not found.topics else ""))
    for tag in found.topics:
        label = analyzer.taxonomy.topic(tag.id).label("en")
        lines.append(f"  {tag.id:<24} {tag.score:.2f}  {label}: {', '.join(tag.terms)}")
    names = "; ".join(f"{m.code} ({', '.join(m.names)}) ×{m.count}" for m in found.mentions[:10])
    lines.append(f"countries  {names or '(none)'}")
    return "\n".join(lines)


@cli.command()
@data_options
@click.option("--jobs", default=0, type=click.IntRange(0, 64), help="Processes (0: one per core).")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 10_000))
@handle_errors
def retag(data_dir: Path | None, sources: Path | None, jobs: int, batch: int) -> None:
    """Run language, topics, countries and relevance again over every stored article.

    For after the taxonomy (or WATCH_TAXONOMY, WATCH_RELEVANCE_THRESHOLD) changed. Works in
    batches on every core; prints how many articles changed.
    """
    from watch.retag import RetagReport
    from watch.retag import retag as run_retag

    config = load_config(data_dir, sources)
    config.analyzer()  # a bad taxonomy is reported here, before any work
    hints = declared_languages(config.sources)
    tty = sys.stderr.isatty()

    def progress(report: RetagReport) -> None:
        if tty:
            click.echo(
                f"\rretag: {report.seen} articles, {report.changed} changed", err=True, nl=False
            )

    if not config.db_path.exists() and not config.es_url:
        raise StoreUnavailable(f"{config.db_path}: no store here yet — run `llwatch crawl` first")
    if config.es_url:
        _cluster(config).close()
    store = open_store(config.data_dir, config=config)
    try:
        report = run_retag(store, config, hints=hints, jobs=jobs, batch=batch, progress=progress)
    finally:
        store.close()
    if tty:
        click.echo("", err=True)
    rate = report.seen / report.seconds if report.seconds else 0.0
    click.echo(f"retagged {report.seen} articles in {report.seconds:.1f}s ({rate:.0f}/s): "
               f"{report.changed} changed")  # fmt: skip


# --- the Elasticsearch index ------------------------------------------------------------------


@cli.group()
def index() -> None:
    """The Elasticsearch article index (WATCH_ES_URL): init, migrate, status, sync."""


def _cluster(config: WatchConfig) -> Any:
    """A checked client for WATCH_ES_URL (ConfigError when unset, StoreUnavailable when unusable)."""
    from watch.store.elastic_client import check_cluster, connect

    if not config.es_url:
        raise ConfigError(
            "WATCH_ES_URL is not set — give the cluster, e.g. WATCH_ES_URL=http://127.0.0.1:9200 "
            "(docker-compose.yml starts one)"
        )
    client = connect(config)
    check_cluster(client, config)
    return client


@index.command("init")
@data_options
@handle_errors
def index_init(data_dir: Path | None, sources: Path | None) -> None:
    """Create the versioned index and its alias (nothing to do when they exist)."""
    from watch.store.elastic_docs import load_mapping
    from watch.store.elastic_index import init_index

    config = load_config(data_dir, sources)
    click.echo(init_index(_cluster(config), config.es_index, load_mapping()))


@index.command("migrate")
@data_options
@handle_errors
def index_migrate(data_dir: Path | None, sources: Path | None) -> None:
    """Copy the articles into a new index with this llwatch's mapping and move the alias to it
    in one step (readers see no gap); holds the crawl lock meanwhile."""
    from watch.store.elastic_docs import load_mapping
    from watch.store.elastic_index import migrate_index

    config = load_config(data_dir, sources)
    client = _cluster(config)
    with crawl_lock(config.data_dir):
        click.echo(migrate_index(client, config.es_index, load_mapping()))


@index.command("status")
@data_options
@format_option(["table", "json"], "table")
@handle_errors
def index_status(data_dir: Path | None, sources: Path | None, fmt: str, as_json: bool) -> None:
    """What the index holds and what waits in the outbox; exit 1 when something needs a person
    (cluster unreachable, index missing or out of date, articles refused)."""
    from watch.store.elastic_docs import load_mapping
    from watch.store.elastic_index import read_status

    config = load_config(data_dir, sources)
    report: dict[str, Any] = {"outbox": {"pending": 0, "refused": 0, "oldest": "", "reasons": []}}
    if config.db_path.exists():
        local = open_store(config.data_dir, readonly=True)  # the outbox is local: no cluster
        try:
            report["outbox"] = local.state.outbox_status()
        finally:
            local.close()
    problems = []
    try:
        status = read_status(_cluster(config), config.es_index, load_mapping())
        report["index"] = dataclasses.asdict(status)
        problems += [status.problem] if status.problem else []
    except (StoreUnavailable, ConfigError) as exc:
        report["index"] = None
        problems.append(str(exc))
    if report["outbox"]["refused"]:
        problems.append(f"{report['outbox']['refused']} article(s) refused by the cluster")
    report["problems"] = problems
    if as_json or fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        found = report["index"]
        if found:
            click.echo(f"index: {found['alias']} -> {found['index'] or '(none)'}, mapping "
                       f"v{found['version']} (this llwatch: v{found['wanted']}), "
                       f"{found['documents']} documents, health {found['health'] or '?'}")  # fmt: skip
        box = report["outbox"]
        click.echo(f"outbox: {box['pending']} waiting ({box['refused']} refused)"
                   + (f", oldest {box['oldest']}" if box["oldest"] else ""))  # fmt: skip
        for reason, count in box["reasons"]:
            click.echo(f"  {count} × {reason}")
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
    sys.exit(1 if problems else 0)


@index.command("sync")
@data_options
@click.option("--refused", is_flag=True, help="Also send the articles the cluster refused.")
@handle_errors
def index_sync(data_dir: Path | None, sources: Path | None, refused: bool) -> None:
    """Deliver what waits in the outbox (after an outage, or --refused after a mapping fix)."""
    from watch.store.elastic import ElasticArticleStore

    config = load_config(data_dir, sources)
    _cluster(config).close()  # one clear line when the cluster cannot be used
    store = open_store(config.data_dir, config=config)
    try:
        assert isinstance(store.articles, ElasticArticleStore)
        done = store.articles.sync(include_refused=refused)
        left = store.state.outbox_status()
    finally:
        store.close()
    click.echo(f"delivered {len(done.stored)}; {left['pending']} still waiting "
               f"({left['refused']} refused)")  # fmt: skip
    sys.exit(1 if left["pending"] else 0)


@cli.group()
def taxonomy() -> None:
    """Check the topic taxonomy (watch/taxonomy.yaml or WATCH_TAXONOMY)."""


@taxonomy.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def taxonomy_check(file: Path | None) -> None:
    """Validate FILE (default: WATCH_TAXONOMY or the shipped taxonomy); every problem with
    file:line. Exit 0 when valid, 2 when it has problems."""
    from watch.taxonomy import DEFAULT_TAXONOMY, check_taxonomy

    chosen = load_config(None, None).taxonomy
    path = file or (Path(chosen) if chosen else DEFAULT_TAXONOMY)
    found, problems = check_taxonomy(path)
    _report_problems(path, problems)
    assert found is not None  # no problems: a taxonomy
    terms = sum(len(t) for topic in found.topics for t in topic.terms.values())
    click.echo(f"{path}: {len(found.topics)} topics, {terms} terms in "
               f"{len(found.languages)} languages, no problems")  # fmt: skip


# --- demo --------------------------------------------------------------------------------------


@cli.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the demo's data dir here, to go on searching it.")  # fmt: skip
@handle_errors
def demo(keep: Path | None) -> None:
    """The offline tour: serve a bundled demo site on 127.0.0.1, crawl it, search it.

    The demo site has feeds in RSS, Atom and JSON Feed with articles in English, French and
    Spanish, and one broken source. No network is needed.
    """
    from watch.demo import DEMO_QUERIES, SITE, demo_config, write_demo_sources
    from watch.demo.server import SiteServer

    with tempfile.TemporaryDirectory(prefix="llwatch-demo-") as tmp:
        data_dir = keep or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        with SiteServer(SITE) as site:
            click.echo(f"demo site serving at {site.base_url}; data dir {data_dir}", err=True)
            config = demo_config(data_dir, write_demo_sources(site, data_dir))
            report = run_crawl(config, force=True)
        click.echo(render_summary(report))
        with reading(config) as store:
            for query in DEMO_QUERIES:
                result = store.articles.search(parse(query), limit=10)
                click.echo(f"\n$ llwatch search '{query}'    ({result.total} results)")
                click.echo(_hits_table(result.hits))
            click.echo("\nwhat the watch understood (topics, countries mentioned, languages):")
            click.echo(_facets_text(store.articles.facets(None, ["topic", "country", "language"])))
        if keep:
            click.echo(f"\ngo on: llwatch search --data-dir {keep} 'literacy lang:en'", err=True)


# --- digest, picks, runs, metrics and serve (registered here; defined in watch/cli_*.py) ---

from watch import cli_digest, cli_ops, cli_serve  # noqa: E402, F401
