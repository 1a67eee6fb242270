"""``llwatch digest`` and ``llwatch picks``: the weekly picks for newsletter editors (registered
on the ``llwatch`` group by watch.cli)."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path

import click

from watch.cli import cli, data_options, format_option, handle_errors, load_config, output, reading
from watch.config import WatchConfig
from watch.errors import ConfigError, StoreUnavailable
from watch.items import Article
from watch.sources import Source
from watch.store import Store, open_store
from watch.tables import render_table
from watch.taxonomy import Taxonomy

__all__ = ["digest", "picks"]

_ID = re.compile(r"[0-9a-f]{32}")


@cli.command()
@data_options
@click.option("--week", help="An ISO week, e.g. 2026-W47 (default: the last complete week).")
@click.option("--since", help="First day, YYYY-MM-DD (with --until: a free period).")
@click.option("--until", help="Last day, YYYY-MM-DD, included.")
@click.option("--lang", "langs", default="", help="Article languages to keep, e.g. en,fr,es "
              "(default: all).")  # fmt: skip
@click.option("--ui", type=click.Choice(["en", "fr", "es"]), default="en", show_default=True,
              help="Language of the headings and fixed texts.")  # fmt: skip
@click.option("--per-section", default=5, show_default=True, type=click.IntRange(1, 100),
              help="Picks per section (pinned articles always appear, even beyond it).")  # fmt: skip
@click.option("--group-by", type=click.Choice(["region", "topic"]), default="region",
              show_default=True)  # fmt: skip
@click.option("--explain", is_flag=True, help="Show why each article was picked (its score).")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "atom"]), default="md",
              show_default=True, help="Output format.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Shorthand for --format json.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@handle_errors
def digest(
    data_dir: Path | None, sources: Path | None, week: str | None, since: str | None,
    until: str | None, langs: str, ui: str, per_section: int, group_by: str, explain: bool,
    fmt: str, as_json: bool, out: Path | None,
) -> None:  # fmt: skip
    """The week's best lifelong-learning news: ranked, one pick per story, varied across
    sources and languages, grouped by world region (or topic), ready to paste.

    \b
      llwatch digest --format html --out picks.html        last complete week, English
      llwatch digest --week 2026-W47 --ui fr --lang fr,en  French headings, French+English news
      llwatch digest --group-by topic --explain            why each was picked

    Editors steer it with `llwatch picks` (pin, drop, note).
    """
    from watch.digest import DigestOptions, build_digest, parse_languages, parse_period
    from watch.digest_render import render

    config = load_config(data_dir, sources)
    period = parse_period(week, since, until)
    options = DigestOptions(period, parse_languages(langs), per_section, group_by)  # type: ignore[arg-type]
    watched, taxonomy = _watch_list(config), _taxonomy(config)
    with reading(config) as store:
        result = build_digest(store, watched, options, taxonomy)
    text = render(result, "json" if as_json else fmt, ui, explain=explain, taxonomy=taxonomy)  # type: ignore[arg-type]
    with output(out) as handle:
        handle.write(text)
    click.echo(f"{period.label}: {len(result.picks)} picks in {len(result.sections)} sections "
               f"from {result.stories} stories ({result.considered} articles)", err=True)  # fmt: skip


def _watch_list(config: WatchConfig) -> list[Source]:
    """The sources (for their names and weights); none when the watch list is missing."""
    from watch.sources import load_sources

    if not config.sources.exists():
        return []
    return load_sources(config.sources)


def _taxonomy(config: WatchConfig) -> Taxonomy:
    from watch.taxonomy import default_taxonomy, load_taxonomy

    return load_taxonomy(config.taxonomy) if config.taxonomy else default_taxonomy()


# --- picks -------------------------------------------------------------------------------------


@cli.group()
def picks() -> None:
    """The editors' hand on the digest: pin, drop, note, list, clear.

    Pinned articles always appear in their week's digest, dropped ones never (their whole story
    is left out, and a source whose items are often dropped weighs less), and a note is the
    editor's one-line summary shown with the pick. Kept in the data dir.
    """


def _writing(config: WatchConfig) -> Store:
    if not config.db_path.exists():
        raise StoreUnavailable(f"{config.db_path}: no store here yet — run `llwatch crawl` first")
    return open_store(config.data_dir, config=config)


def _article(store: Store, ref: str) -> Article:
    """The stored article of an id or a URL (as crawled, or canonical)."""
    from watch.urls import article_id, canonical_url, is_http_url

    ref = ref.strip()
    if _ID.fullmatch(ref.lower()):
        found = store.articles.get(ref.lower())
    elif is_http_url(ref):
        found = store.articles.get(article_id(canonical_url(ref)))
    else:
        raise ConfigError(f"{ref!r} is neither an article id (32 hex digits) nor an http(s) URL")
    if found is None:
        raise ConfigError(f"no stored article {ref} — check it with `llwatch search --json`")
    return found


def _week(text: str | None) -> str:
    from watch.digest import last_complete_week, parse_week

    return (parse_week(text) if text else last_complete_week()).week


@picks.command("pin")
@click.argument("ref")
@data_options
@click.option("--week", help="The digest's ISO week (default: the last complete week).")
@handle_errors
def picks_pin(ref: str, data_dir: Path | None, sources: Path | None, week: str | None) -> None:
    """Always show the article REF (id or URL) in the week's digest."""
    from watch.picks import Picks

    config, iso = load_config(data_dir, sources), _week(week)
    store = _writing(config)
    try:
        article = _article(store, ref)
        Picks(store.db).pin(article, iso)
    finally:
        store.close()
    click.echo(f"pinned to {iso}: {article.title} ({article.id})")


@picks.command("drop")
@click.argument("ref")
@data_options
@handle_errors
def picks_drop(ref: str, data_dir: Path | None, sources: Path | None) -> None:
    """Never show the article REF (id or URL), nor its story, in a digest."""
    from watch.picks import Picks

    store = _writing(load_config(data_dir, sources))
    try:
        article = _article(store, ref)
        Picks(store.db).drop(article)
    finally:
        store.close()
    click.echo(f"dropped: {article.title} ({article.id})")


@picks.command("note")
@click.argument("ref")
@click.argument("text")
@data_options
@handle_errors
def picks_note(ref: str, text: str, data_dir: Path | None, sources: Path | None) -> None:
    """Show TEXT (one line) with the article REF (id or URL) wherever it is picked."""
    from watch.picks import Picks

    store = _writing(load_config(data_dir, sources))
    try:
        article = _article(store, ref)
        line = Picks(store.db).note(article, text)
    finally:
        store.close()
    click.echo(f"noted: {article.title} ({article.id}): {line}")


@picks.command("clear")
@click.argument("ref")
@data_options
@handle_errors
def picks_clear(ref: str, data_dir: Path | None, sources: Path | None) -> None:
    """Forget the pin, drop and note of the article REF (id or URL)."""
    from watch.picks import Picks

    store = _writing(load_config(data_dir, sources))
    try:
        ref_id = (
            ref.strip().lower() if _ID.fullmatch(ref.strip().lower()) else _article(store, ref).id
        )
        count = Picks(store.db).clear(ref_id)
    finally:
        store.close()
    click.echo(f"cleared {count} decision(s) on {ref_id}")


@picks.command("list")
@data_options
@click.option("--week", help="An ISO week (default: the last complete week).")
@format_option(["table", "json"], "table")
@handle_errors
def picks_list(
    data_dir: Path | None, sources: Path | None, week: str | None, fmt: str, as_json: bool
) -> None:
    """The week's pins, and the drops and notes of articles dated in that week."""
    from watch.digest import last_complete_week, parse_week
    from watch.picks import Picks

    config = load_config(data_dir, sources)
    period = parse_week(week) if week else last_complete_week()
    if not config.db_path.exists():
        found = []
    else:
        with reading(config) as store:
            found = Picks(store.db).listing(period.week, period.since, period.until)
    if as_json or fmt == "json":
        click.echo(json.dumps([asdict(p) for p in found], ensure_ascii=False))
        return
    rows = [[p.action, p.article_id, p.article_date[:10], p.source_id, p.title, p.note]
            for p in found]  # fmt: skip
    click.echo(render_table(["action", "id", "date", "source", "title", "note"], rows,
                            [5, 32, 10, 20, 50, 50]))  # fmt: skip
    click.echo(f"{period.week}: {len(found)} decision(s)", err=True)
    sys.exit(0)
