"""One crawl run, cron-safe: the data dir's lock, the watch list checked first, Scrapy started
with llwatch's settings, and the run record read back for the summary."""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watch.collect import STORE_ERROR, STORE_ERROR_REASON, STORE_LOCKED
from watch.config import WatchConfig
from watch.errors import CrawlLocked, DiskFull, StoreLocked, StoreUnavailable
from watch.sources import Shard, load_sources, select_sources
from watch.store import SourceRun, open_store
from watch.store.sqlite import utc_now
from watch.taxonomy import default_taxonomy, load_taxonomy

__all__ = ["CrawlReport", "crawl_lock", "run_crawl"]

LOCK_NAME = "crawl.lock"

logger = logging.getLogger(__name__)


@dataclass
class CrawlReport:
    """The outcome of one run, as recorded in the store."""

    run_id: int
    status: str  # ok | partial
    finish_reason: str
    sources: list[SourceRun] = field(default_factory=list)
    index: str = ""  # with WATCH_ES_URL: the cluster's state and the outbox, one line

    @property
    def failed(self) -> list[SourceRun]:
        return [s for s in self.sources if s.status == "failed"]


@contextmanager
def crawl_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``<data dir>/crawl.lock`` (flock) for the duration; CrawlLocked when another holds it."""
    path = data_dir / LOCK_NAME
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held open for the whole run
    except OSError as exc:
        raise StoreUnavailable(
            f"data dir {data_dir}: cannot write {LOCK_NAME} ({exc.strerror}) — "
            "give --data-dir or WATCH_DATA_DIR a writable folder"
        ) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            raise CrawlLocked(
                f"another crawl is running on {data_dir} ({holder}); this one exits — try later"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {utc_now()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def scrapy_settings(config: WatchConfig, log_level: str = "WARNING") -> Any:
    """Scrapy Settings: watch.settings, then this config's values, then the log level."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("watch.settings", priority="project")
    settings.setdict(config.as_settings(), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    return settings


def run_crawl(
    config: WatchConfig,
    only: Sequence[str] = (),
    *,
    force: bool = False,
    log_level: str = "WARNING",
    shard: Shard | None = None,
    log_format: str = "text",
) -> CrawlReport:
    """Crawl the due sources (or ``only`` these; of ``shard``'s share) of the watch list into
    the data dir."""
    select_sources(load_sources(config.sources), list(only) or None)  # bad input stops here, loudly
    load_taxonomy(config.taxonomy) if config.taxonomy else default_taxonomy()  # and a bad taxonomy
    busy = config.store_busy_timeout
    open_store(config.data_dir, busy_timeout=busy).close()  # a data dir not writable, too
    with crawl_lock(config.data_dir):
        _close_interrupted(config)
        before, usable = prepare_index(config)
        run_id = _run_scrapy(config, only, force, log_level, offline="" if usable else before,
                             shard=shard, log_format=log_format)  # fmt: skip
    report = _report(config, run_id)
    report.index = _index_line(config, before)
    return report


def _close_interrupted(config: WatchConfig) -> None:
    """A crawl killed before it closed its run record (SIGKILL, power loss) left it open: with
    the lock held no other crawl runs, so it is closed here, as interrupted."""
    store = open_store(config.data_dir, busy_timeout=config.store_busy_timeout)
    try:
        if closed := store.state.close_interrupted():
            logger.warning("%d run record(s) left open by a crawl that was killed: closed as "
                           "interrupted", closed)  # fmt: skip
    finally:
        store.close()


def prepare_index(config: WatchConfig) -> tuple[str, bool]:
    """With WATCH_ES_URL: check the cluster and its index, then deliver what waits in the
    outbox. Never raises for the cluster's faults (the crawl goes on, its articles wait in the
    outbox); returns the problem in one line (or "") and whether the crawl may write to the
    cluster."""
    if not config.es_url:
        return "", True
    from watch.store.elastic import ElasticArticleStore
    from watch.store.elastic_client import check_cluster
    from watch.store.elastic_docs import load_mapping
    from watch.store.elastic_index import read_status

    store = open_store(config.data_dir, config=config)
    try:
        articles = store.articles
        assert isinstance(articles, ElasticArticleStore)
        check_cluster(articles.client, config)
        status = read_status(articles.client, config.es_index, load_mapping())
        if not status.index:
            return status.problem, False  # nothing is written until the index exists
        done = articles.sync()
        if done.stored:
            logger.warning("delivered %d articles from the outbox to %s", len(done.stored),
                           articles.alias)  # fmt: skip
        return status.problem or articles.offline, not articles.offline
    except StoreUnavailable as exc:
        return str(exc), False
    except Exception as exc:
        from watch.store.elastic_client import cluster_problem

        return cluster_problem(exc, config.es_index), False
    finally:
        store.close()


def _index_line(config: WatchConfig, problem: str) -> str:
    """``index: 12 articles wait in the outbox (cannot reach ...) — ...`` or ``index: ok``."""
    if not config.es_url:
        return ""
    store = open_store(config.data_dir, readonly=True)
    try:
        box = store.state.outbox_status()
    finally:
        store.close()
    if not box["pending"]:
        return "index: every article is in Elasticsearch"
    reason = problem or (box["reasons"][0][0] if box["reasons"] else "")
    refused = f", {box['refused']} refused by the cluster" if box["refused"] else ""
    return (f"index: {box['pending']} articles wait in the outbox{refused} ({reason}) — "
            "nothing is lost; they are sent on the next run or by `llwatch index sync`")  # fmt: skip


#: Loggers that report per-request failures which the run record already holds (Scrapy's,
#: pypdf's warnings about the broken PDFs that the article's extraction_note names, and the
#: Elasticsearch client's retries, which the summary's index line sums up).
_NOISY = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry",
          "scrapy.core.scraper", "scrapy.core.downloader.handlers.http11",
          "pypdf", "elastic_transport")  # fmt: skip


def _run_scrapy(
    config: WatchConfig,
    only: Sequence[str],
    force: bool,
    log_level: str,
    offline: str = "",
    shard: Shard | None = None,
    log_format: str = "text",
) -> int:
    from scrapy.crawler import AsyncCrawlerProcess

    from watch.store.elastic_client import ES_OFFLINE

    settings = scrapy_settings(config, log_level)
    settings.set(ES_OFFLINE, offline, priority="cmdline")
    if log_format == "json":  # our JSON handler in place of Scrapy's text one, from the start
        from watch.logs import install_json_logs

        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
        install_json_logs(log_level)
    process = AsyncCrawlerProcess(settings)
    if log_level == "WARNING":
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler("feeds")
    process.crawl(crawler, sources=str(config.sources), source=",".join(only), force=force,
                  shard=str(shard or ""))  # fmt: skip
    process.start()
    if crawler.stats and (problem := crawler.stats.get_value(STORE_ERROR)):
        # said once, in one line; the next crawl closes the run if this one could not
        locked = crawler.stats.get_value(STORE_ERROR_REASON) == STORE_LOCKED
        raise (StoreLocked if locked else DiskFull)(str(problem))
    return int(crawler.stats.get_value("watch/run_id", 0) if crawler.stats else 0)


def _report(config: WatchConfig, run_id: int) -> CrawlReport:
    store = open_store(config.data_dir, readonly=True)
    try:
        runs = [r for r in store.state.runs(limit=5) if r["id"] == run_id]
    finally:
        store.close()
    if not runs:
        raise StoreUnavailable(f"the crawl ended without a run record (run {run_id}); see the log")
    run = runs[0]
    return CrawlReport(run_id, run["status"], run["finish_reason"], run["sources"])
