"""``llwatch demo``: the offline tour — a bundled demo site served on 127.0.0.1, crawled into a
fresh data dir, then searched."""

from __future__ import annotations

from pathlib import Path

from watch.config import WatchConfig
from watch.demo.server import PLACEHOLDER, SiteServer

__all__ = ["DEMO_QUERIES", "SITE", "demo_config", "write_demo_sources"]

SITE = Path(__file__).parent / "site"
_TEMPLATE = Path(__file__).parent / "feeds.yaml.in"
#: The two searches the demo shows.
DEMO_QUERIES = ('"adult literacy" OR alphabétisation OR alfabetización', "apprentissage lang:fr")


def write_demo_sources(site: SiteServer, data_dir: Path) -> Path:
    """The demo watch list, pointing at the running demo server, written into the data dir."""
    target = data_dir / "demo-feeds.yaml"
    target.write_text(_TEMPLATE.read_text("utf-8").replace(PLACEHOLDER, site.base_url), "utf-8")
    return target


def demo_config(data_dir: Path, sources: Path) -> WatchConfig:
    """Settings for a crawl of the local demo site: fast, since the server is this machine, and
    always on the embedded store (the tour never writes to a cluster WATCH_ES_URL names)."""
    return WatchConfig.load(
        {
            "WATCH_DATA_DIR": str(data_dir),
            "WATCH_SOURCES": str(sources),
            "WATCH_THROTTLE_START_DELAY": 0.01,
            "WATCH_DOWNLOAD_TIMEOUT": 10,
            "WATCH_RETRY_TIMES": 0,
            "WATCH_CONCURRENT_PER_DOMAIN": 8,
            "WATCH_ES_URL": "",
        }
    )
