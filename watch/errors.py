"""The one error hierarchy of llwatch.

::

    WatchError                  anything llwatch reports to a person
    ├── ConfigError             a settings value or a watch-list file is wrong (file:line)
    ├── SourceError             one source failed (inside a crawl: counted, the crawl goes on)
    ├── QuerySyntaxError        a search query does not parse (carries the 0-based position)
    ├── StoreUnavailable        the data dir or the store cannot be opened or written
    │   ├── DiskFull            the disk holding the store is full
    │   └── StoreLocked         another process holds the store's write lock and does not finish
    └── CrawlLocked             another crawl holds the lock of this data dir

At the CLI edge each becomes one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CrawlLocked",
    "DiskFull",
    "QuerySyntaxError",
    "SourceError",
    "StoreLocked",
    "StoreUnavailable",
    "WatchError",
]


class WatchError(Exception):
    """Base of every error llwatch reports to a person; ``str()`` is the one-line message."""

    exit_code = 2


class ConfigError(WatchError):
    """A setting or a watch-list file is invalid; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class SourceError(WatchError):
    """One source could not be read (down, not a feed, bad bytes); ``source_id`` names it."""

    exit_code = 1

    def __init__(self, message: str, source_id: str = "") -> None:
        super().__init__(message)
        self.source_id = source_id


class QuerySyntaxError(WatchError):
    """A query does not parse; ``pos`` is the 0-based character position of the problem."""

    def __init__(self, message: str, query: str, pos: int) -> None:
        super().__init__(message)
        self.query = query
        self.pos = pos

    def __str__(self) -> str:
        return f"query error at position {self.pos + 1}: {self.args[0]}"


class StoreUnavailable(WatchError):
    """The data dir or the store cannot be opened, read or written."""


class DiskFull(StoreUnavailable):
    """The disk holding the store is full: what was written before is kept (the transaction
    that did not fit is rolled back)."""

    exit_code = 74  # EX_IOERR


class StoreLocked(StoreUnavailable):
    """Another process held the store's write lock longer than a writer waits
    (WATCH_STORE_BUSY_TIMEOUT): nothing was written by this attempt, nothing stored is lost."""

    exit_code = 75  # EX_TEMPFAIL: a scheduler tries again later


class CrawlLocked(WatchError):
    """Another ``llwatch crawl`` holds this data dir's lock."""

    exit_code = 75  # EX_TEMPFAIL: cron/systemd may treat it as "skipped, try later"
