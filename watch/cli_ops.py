"""``llwatch runs``, ``metrics``, ``backup`` and ``restore``: what the operator of unattended
crawls uses (registered on the ``llwatch`` group by watch.cli)."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from watch.cli import (
    cli,
    data_options,
    format_option,
    handle_errors,
    load_config,
    output,
    reading,
)
from watch.errors import ConfigError
from watch.logs import LOG_FORMATS
from watch.metrics import collect, exposition, seconds_between, write_textfile
from watch.sources import Shard, load_sources
from watch.store import open_store
from watch.tables import render_table

__all__ = [
    "alerts",
    "backup",
    "coverage",
    "daemon",
    "metrics",
    "prune",
    "restore",
    "runs",
    "schedule",
]


def _run_dict(run: dict[str, Any]) -> dict[str, Any]:
    duration = seconds_between(run["started_at"], run["finished_at"])
    return {k: v for k, v in run.items() if k != "sources"} | {
        "duration": round(duration, 1) if duration is not None else None,
        "sources": [vars(s) for s in run["sources"]],
    }


@cli.command()
@data_options
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10_000),
              help="How many runs, newest first.")  # fmt: skip
@click.option("--run", "run_id", type=int, help="One run, with the outcome of each source.")
@format_option(["table", "json"], "table")
@handle_errors
def runs(
    data_dir: Path | None, sources: Path | None, limit: int, run_id: int | None, fmt: str,
    as_json: bool,
) -> None:  # fmt: skip
    """The history of crawl runs: when, how long, what came in and what failed."""
    config = load_config(data_dir, sources)
    with reading(config) as store:
        if run_id is None:
            found = [_run_dict(r) for r in store.state.runs(limit=limit)]
        elif (one := store.state.run(run_id)) is not None:
            found = [_run_dict(one)]
        else:
            raise ConfigError(f"no run {run_id} in {config.db_path} — see `llwatch runs`")
    if as_json or fmt == "json":
        for run in found:
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    if run_id is None:
        rows = [[r["id"], r["started_at"], r["duration"] if r["duration"] is not None else "—",
                 r["status"], len(r["sources"]), r["new"], r["updated"],
                 r["failed_sources"], r["finish_reason"]] for r in found]  # fmt: skip
        headers = ["run", "started", "seconds", "status", "sources", "new", "updated", "failed",
                   "ended by"]  # fmt: skip
        click.echo(render_table(headers, rows) if rows else "no crawl run yet")
        return
    run = found[0]
    click.echo(f"run {run['id']}: {run['started_at']} → {run['finished_at'] or 'still open'}, "
               f"{run['status']}")  # fmt: skip
    rows = [[s["source_id"], s["status"], s["entries"], s["new"], s["updated"], s["unchanged"],
             s["failed"], round(s["duration"], 1), s["error"]] for s in run["sources"]]  # fmt: skip
    headers = ["source", "status", "entries", "new", "updated", "unchanged", "failed", "seconds",
               "error"]  # fmt: skip
    click.echo(render_table(headers, rows))


@cli.command()
@data_options
@click.option("--textfile", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file atomically (node_exporter's textfile collector: "
              "/var/lib/node_exporter/textfile_collector/llwatch.prom) instead of stdout.")  # fmt: skip
@handle_errors
def metrics(data_dir: Path | None, sources: Path | None, textfile: Path | None) -> None:
    """The watch's state in the Prometheus text format: articles, sources by health, the last
    run (duration, age, outcome), the outbox backlog."""
    config = load_config(data_dir, sources)
    watch_list = load_sources(config.sources)
    with reading(config) as store:
        registry = collect(store, watch_list)
    if textfile is None:
        click.echo(exposition(registry), nl=False)
        return
    try:
        write_textfile(registry, textfile)
    except OSError as exc:
        raise ConfigError(f"{textfile}: cannot write the metrics ({exc.strerror}) — "
                          "give --textfile a writable file") from None  # fmt: skip


@cli.command()
@data_options
@click.argument("dest", type=click.Path(path_type=Path))
@handle_errors
def backup(data_dir: Path | None, sources: Path | None, dest: Path) -> None:
    """Copy the store to DEST (a new file, or a folder: a dated file in it), consistent even
    while crawls run; checked before it is put in place."""
    from watch.backup import backup as copy_store

    config = load_config(data_dir, sources)
    done = copy_store(config.data_dir, dest)
    click.echo(f"{done.path}: {done.articles} articles, {done.bytes / 1e6:.1f} MB")


@cli.command()
@data_options
@click.argument("source", type=click.Path(path_type=Path))
@handle_errors
def restore(data_dir: Path | None, sources: Path | None, source: Path) -> None:
    """Make the backup SOURCE the store (no crawl meanwhile); the store it replaces is kept
    beside it as watch.sqlite3.before-restore-<time>."""
    from watch.backup import restore as put_back

    config = load_config(data_dir, sources)
    done = put_back(source, config.data_dir)
    kept = f"; the previous store is kept as {done.aside}" if done.aside else ""
    click.echo(f"{done.path}: restored from {source}, {done.articles} articles{kept}")


@cli.command()
@data_options
@click.option("--systemd", "kind", flag_value="systemd", help="A service and a timer unit.")
@click.option("--cron", "kind", flag_value="cron", help="Crontab lines.")
@click.option("--every", default="15min", show_default=True, help="How often (5min .. 24h).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the JSON log lines go (default: <data dir>/log/crawl.log).")  # fmt: skip
@click.option("--metrics-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write `llwatch metrics` there after each run (node_exporter's textfile "
              "collector folder).")  # fmt: skip
@click.option("--user", default="", help="systemd: the account the crawl runs as.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="systemd: write the unit files into this folder instead of printing them.")  # fmt: skip
@handle_errors
def schedule(
    data_dir: Path | None, sources: Path | None, kind: str | None, every: str,
    log_file: Path | None, metrics_file: Path | None, user: str, out: Path | None,
) -> None:  # fmt: skip
    """Print ready-to-install systemd units (--systemd) or crontab lines (--cron) that crawl
    this data dir's watch list on schedule, with absolute paths, a log file and the lock."""
    from watch.schedule import Plan, cron_lines, parse_every, systemd_units

    if kind is None:
        raise ConfigError("say --systemd or --cron")
    config = load_config(data_dir, sources)
    plan = Plan.make(config.data_dir, config.sources, log_file, parse_every(every), user,
                     metrics_file)  # fmt: skip
    if kind == "cron":
        click.echo(cron_lines(plan), nl=False)
        return
    units = systemd_units(plan)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            (out / name).write_text(text, "utf-8")
            click.echo(out / name)
        return
    for name, text in units.items():
        click.echo(f"# /etc/systemd/system/{name}\n{text}")
    click.echo("# then: systemctl daemon-reload && systemctl enable --now llwatch-crawl.timer")


@cli.command()
@data_options
@click.option("--since", help="First day, YYYY-MM-DD (default: 30 days before --until).")
@click.option("--until", help="Last day, YYYY-MM-DD, included (default: today).")
@click.option("--countries", "countries_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The countries to check, one ISO code or name per line (default: "
              "WATCH_COUNTRIES, else the 193 UN member states).")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@format_option(["table", "csv", "json"], "table")
@handle_errors
def coverage(
    data_dir: Path | None, sources: Path | None, since: str | None, until: str | None,
    countries_file: Path | None, out: Path | None, fmt: str, as_json: bool,
) -> None:  # fmt: skip
    """Articles per country over a period, from the country's own sources and mentioning it,
    for each country of a list; the countries with nothing come first and are flagged."""
    from watch.coverage import coverage as report_of
    from watch.coverage import the_countries

    config = load_config(data_dir, sources)
    wanted = the_countries(countries_file or config.countries)
    with reading(config) as store:
        report = report_of(store.articles, wanted, since, until)
    with output(out) as stream:
        if as_json or fmt == "json":
            stream.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
        elif fmt == "csv":
            report.write_csv(stream)
        else:
            rows = [[r.code, r.name, r.region, r.from_sources, r.mentioned,
                     "" if r.covered else "NOTHING"] for r in report.rows]  # fmt: skip
            stream.write(render_table(["code", "country", "region", "from its sources",
                                       "mentioning it", ""], rows) + "\n")  # fmt: skip
            stream.write(f"{len(report.rows)} countries, {report.since} to {report.until}: "
                         f"{len(report.rows) - len(report.uncovered)} covered, "
                         f"{len(report.uncovered)} with no article\n")  # fmt: skip


@cli.command()
@data_options
@click.option("--older-than", "older_than", required=True,
              help="Delete articles dated before this age: 5y, 18mo, 12w, 90d.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@handle_errors
def prune(
    data_dir: Path | None, sources: Path | None, older_than: str, dry_run: bool
) -> None:  # fmt: skip
    """Retention: delete the articles older than an age (never a pinned pick; not while a
    crawl runs), from the embedded store or the Elasticsearch index. Nothing is deleted unless
    asked."""
    from watch.prune import parse_age, prune_index
    from watch.prune import prune as cut_old

    config = load_config(data_dir, sources)
    age = parse_age(older_than)
    if config.es_url:
        done = prune_index(config, age, dry_run=dry_run)
    else:
        done = cut_old(config.data_dir, age, dry_run=dry_run)
    verb = "would be deleted" if dry_run else "deleted"
    waiting = (f"; {done.outbox} waiting for the index {'would be ' if dry_run else ''}dropped"
               if done.outbox else "")  # fmt: skip
    click.echo(f"{done.deleted} articles dated before {done.cut} {verb}; "
               f"{done.kept_pinned} pinned kept{waiting}")  # fmt: skip


@cli.command()
@data_options
@click.option("--mail", is_flag=True, help="Mail the problems not mailed yet (WATCH_SMTP_*).")
@format_option(["table", "json"], "table")
@handle_errors
def alerts(
    data_dir: Path | None, sources: Path | None, mail: bool, fmt: str, as_json: bool
) -> None:  # fmt: skip
    """What needs a person: dead, silent or dropping sources, an index backlog, no crawl for too
    long. Exit 1 while there is any. --mail sends each problem once until it changes."""
    from watch.alerts import current_alerts, mail_new

    config = load_config(data_dir, sources)
    watch_list = load_sources(config.sources)
    if mail:
        store = open_store(config.data_dir, config=config)
    else:
        store = open_store(config.data_dir, readonly=True, config=config)
    try:
        found = current_alerts(store, watch_list, config)
        sent = mail_new(store.db, found, config) if mail else None
    finally:
        store.close()
    if as_json or fmt == "json":
        for alert in found:
            click.echo(json.dumps(dataclasses.asdict(alert), ensure_ascii=False))
    elif found:
        click.echo(render_table(["problem", "state", "what"],
                                [[a.key, a.state, a.message] for a in found]))  # fmt: skip
    else:
        click.echo("nothing needs a person")
    if sent is not None:
        click.echo(f"mailed {len(sent)} new problem(s) to {config.smtp_to}" if sent
                   else "nothing new to mail", err=True)  # fmt: skip
    sys.exit(1 if found else 0)


@cli.command()
@data_options
@click.option("--shard", metavar="K/N", help="Crawl only share K of N of the sources.")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True,
              help="Log lines on stderr as text or one JSON object each.")  # fmt: skip
@click.option("--min-sleep", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds at least between two crawl runs.")  # fmt: skip
@click.option("--max-sleep", default=900.0, show_default=True, type=click.FloatRange(1, 86400),
              help="Seconds at most before the watch list is looked at again.")  # fmt: skip
@handle_errors
def daemon(
    data_dir: Path | None, sources: Path | None, shard: str | None, log_format: str,
    min_sleep: float, max_sleep: float,
) -> None:  # fmt: skip
    """Crawl forever, each source when it is due (its interval, adapted to its publishing), never
    two runs at once; SIGTERM or SIGINT stops it cleanly (the crawl in progress stores what is in
    flight and closes its run record first)."""
    from watch.daemon import Daemon
    from watch.logs import install_json_logs

    share = Shard.parse(shard) if shard is not None else None
    config = load_config(data_dir, sources)
    load_sources(config.sources)  # a broken watch list is said now, before running forever
    if log_format == "json":
        install_json_logs("INFO")
    else:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")  # fmt: skip
    runner = Daemon(config, share, log_format, min_sleep=min_sleep,
                    max_sleep=max(max_sleep, min_sleep))  # fmt: skip
    sys.exit(runner.run())
