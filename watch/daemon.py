"""``llwatch daemon``: crawl forever, each source when it is due.

Each round runs ``llwatch crawl`` as a child process (Twisted's reactor, which Scrapy runs on,
cannot be started twice in one process) over the sources that are due; between rounds the daemon
sleeps until the next source is due (its own interval, adapted to its publishing rate and its
failures: watch.health), at least ``min_sleep`` and at most ``max_sleep`` seconds. The watch list
is read again every round, so edits need no restart, and a broken one is logged and waited out.

Never two runs at once: the child takes the data dir's lock; when another process holds it (a
manual crawl, a stuck process) the round is skipped and logged with the holder. A process that
holds the store's own (SQLite) write lock and does not let go is treated alike: the child gives
up after WATCH_STORE_BUSY_TIMEOUT with one line naming the processes that have the store open,
the round is skipped with that line, and the next one is tried when due. SIGTERM or
SIGINT stops the daemon cleanly: while sleeping at once; during a crawl the signal goes to the
child, which stores what is in flight and closes its run record (Scrapy's graceful shutdown),
then the daemon exits 0. A child still running after ``stop_timeout`` seconds is killed; the
next crawl closes its run record as interrupted and the store loses nothing already committed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType

from watch.collect import is_due
from watch.config import WatchConfig
from watch.errors import WatchError
from watch.health import next_due, parse_iso
from watch.sources import Shard, load_sources
from watch.store import open_store
from watch.store.base import SourceState

__all__ = ["Daemon", "seconds_to_next"]

logger = logging.getLogger("watch.daemon")
_LOCKED = 75
_ERROR = "llwatch: error: "  # how the CLI says the error that ended a command


def seconds_to_next(config: WatchConfig, shard: Shard | None, now: datetime) -> tuple[float, str]:
    """Seconds until the next source of the watch list (of ``shard``) is due, and which; 0 when
    one is due now (or nothing was crawled yet)."""
    sources = [s for s in load_sources(config.sources) if s.enabled
               and (shard is None or shard.holds(s.id))]  # fmt: skip
    if not sources:
        return float("inf"), ""
    if not config.db_path.exists():
        return 0.0, sources[0].id
    store = open_store(config.data_dir)  # not read-only: a store of an older llwatch is migrated
    try:
        states = store.state.source_states()
    finally:
        store.close()
    best, which = float("inf"), ""
    for source in sources:
        state = states.get(source.id) or SourceState(source.id)
        if is_due(source, state, now):
            return 0.0, source.id
        due = parse_iso(next_due(source, state)) or now
        wait = (due - now).total_seconds()
        if wait < best:
            best, which = wait, source.id
    return max(best, 0.0), which


@dataclass
class Daemon:
    config: WatchConfig
    shard: Shard | None = None
    log_format: str = "text"
    min_sleep: float = 30.0
    max_sleep: float = 900.0
    stop_timeout: float = 120.0
    rounds: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _child: subprocess.Popen[str] | None = None

    def stop(self, signum: int, _frame: FrameType | None = None) -> None:
        """The signal handler: stop after (or, during a crawl, with) the current round."""
        name = signal.Signals(signum).name
        if not self._stop.is_set():
            logger.info("%s received: stopping (the crawl in progress closes its run first)",
                        name)  # fmt: skip
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        """Crawl until stopped; exit code 0."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.stop)
        logger.info("daemon started on %s (watch list %s%s)", self.config.data_dir,
                    self.config.sources, f", shard {self.shard}" if self.shard else "")  # fmt: skip
        while not self._stop.is_set():
            try:
                wait, which = seconds_to_next(self.config, self.shard, datetime.now(UTC))
            except WatchError as exc:
                logger.error("%s — retrying in %.0f s", exc, self.max_sleep)
                self._stop.wait(self.max_sleep)
                continue
            if wait > 0:
                wait = min(max(wait, self.min_sleep), self.max_sleep)
                logger.info("next crawl in %.0f s (%s due)", wait, which or "nothing")
                self._stop.wait(wait)
                continue
            self._round()
            self._stop.wait(self.min_sleep)  # at least this long between two runs
        logger.info("daemon stopped after %d crawl run(s)", self.rounds)
        return 0

    def _round(self) -> None:
        args = [sys.executable, "-m", "watch", "crawl", "--data-dir", str(self.config.data_dir),
                "--sources", str(self.config.sources), "--format", "json", "--log-format",
                self.log_format]  # fmt: skip
        if self.shard is not None:
            args += ["--shard", str(self.shard)]
        # the child's stderr on a pipe of its own (communicate() below reads stdout only)
        reading, writing = os.pipe()
        try:
            self._child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=writing,
                                           text=True)  # fmt: skip
        finally:
            os.close(writing)
        said: list[str] = []  # the child's own one-line error, if it ends with one
        relay = threading.Thread(target=_relay, args=(reading, said), daemon=True)
        relay.start()
        if self._stop.is_set():  # a signal between the check and the start
            self._child.send_signal(signal.SIGTERM)
        try:
            out, _ = self._child.communicate(timeout=None if not self._stop.is_set()
                                             else self.stop_timeout)  # fmt: skip
        except subprocess.TimeoutExpired:
            out = ""
        while self._child.poll() is None:  # stopping: give the crawl its time, then kill it
            try:
                out, _ = self._child.communicate(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                logger.error("the crawl did not stop within %.0f s: killed (the next crawl "
                             "closes its run record)", self.stop_timeout)  # fmt: skip
                self._child.kill()
                self._child.wait()
        code, self._child = self._child.returncode, None
        relay.join(timeout=5)
        self.rounds += 1
        if code == _LOCKED:  # the crawl lock, or the store's lock held by a stuck process
            logger.warning("round skipped, tried again when due: %s",
                           said[-1] if said else "another crawl holds the data dir's lock")  # fmt: skip
            return
        try:
            report = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        except (ValueError, IndexError):
            report = {}
        if "run_id" in report:
            new = sum(s.get("new", 0) for s in report.get("sources", []))
            failed = [s["source_id"] for s in report.get("sources", [])
                      if s.get("status") == "failed"]  # fmt: skip
            logger.info("crawl run %s: %s, %d source(s), %d new article(s)%s", report["run_id"],
                        report.get("status", "?"), len(report.get("sources", [])), new,
                        f", failed: {', '.join(failed)}" if failed else "")  # fmt: skip
        else:
            logger.error("the crawl ended with exit code %d and no report: %s", code,
                         said[-1] if said else "see its log above")  # fmt: skip


def _relay(descriptor: int, said: list[str]) -> None:
    """Pass the child's stderr (its log) on as it comes; keep its one-line error."""
    with open(descriptor, encoding="utf-8", errors="replace") as stream:
        for line in stream:
            sys.stderr.write(line)
            sys.stderr.flush()
            if line.startswith(_ERROR):
                said.append(line[len(_ERROR) :].strip())
