"""``llwatch serve``: the search page and JSON API (registered on the ``llwatch`` group)."""

from __future__ import annotations

from pathlib import Path

import click

from watch.cli import cli, data_options, handle_errors, load_config
from watch.errors import ConfigError, StoreUnavailable

__all__ = ["serve"]


@cli.command()
@data_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; put a proxy in front).")  # fmt: skip
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@handle_errors
def serve(data_dir: Path | None, sources: Path | None, host: str, port: int) -> None:
    """Serve the search page (/) and the JSON API (/api/..., described at /openapi.json),
    read-only, on the store of the data dir (or WATCH_ES_URL's cluster)."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - a dependency
        raise ConfigError("the web server is not installed — pip install llwatch") from None
    from watch.coverage import the_countries
    from watch.web import create_app

    config = load_config(data_dir, sources)
    the_countries(config.countries)  # a broken WATCH_COUNTRIES list is said now, not per request
    if not config.db_path.exists() and not config.es_url:
        raise StoreUnavailable(f"{config.db_path}: no store here yet — run `llwatch crawl` first")
    click.echo(f"llwatch: serving {config.data_dir} on http://{host}:{port}/ (Ctrl-C stops)",
               err=True)  # fmt: skip
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning",
                server_header=False, limit_concurrency=64, timeout_keep_alive=5)  # fmt: skip
