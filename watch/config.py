"""WatchConfig: the typed, validated view of the ``WATCH_*`` settings.

The crawl (through Scrapy settings), the CLI and, later, the web app all read the same object. Every
default lives in :data:`DEFAULTS` and is documented there and in ``watch/settings.py``; a value comes
from, in order of precedence: an explicit override (CLI option, ``scrapy -s``), the environment
(``WATCH_DATA_DIR=...``), the default. Secrets are only ever read from the environment.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from watch.errors import ConfigError

__all__ = ["DEFAULTS", "VERSION", "WatchConfig"]

VERSION = "0.1.0"

#: Every WATCH_* setting with its default. Documented in README "Settings".
DEFAULTS: dict[str, Any] = {
    "WATCH_DATA_DIR": "data",  # where the SQLite store, the crawl lock and logs live
    "WATCH_SOURCES": "feeds.yaml",  # the watch list
    "WATCH_CONTACT_URL": "",  # put in the User-Agent so site owners can reach the operator
    "WATCH_DOWNLOAD_TIMEOUT": 30.0,  # seconds per request
    "WATCH_RETRY_TIMES": 2,  # retries of a failed request (timeouts, 5xx)
    "WATCH_THROTTLE_START_DELAY": 1.0,  # AutoThrottle's first delay per site, seconds
    "WATCH_THROTTLE_MAX_DELAY": 30.0,  # AutoThrottle's highest delay per site, seconds
    "WATCH_CONCURRENT_REQUESTS": 16,  # requests in flight in all
    "WATCH_CONCURRENT_PER_DOMAIN": 2,  # requests in flight per site
    "WATCH_MAX_PAGE_BYTES": 8 * 1024 * 1024,  # larger responses are dropped
    "WATCH_STORE_BATCH": 50,  # articles written per transaction
    "WATCH_STORE_BUSY_TIMEOUT": 30.0,  # seconds a writer waits for another's lock on the store
    "WATCH_PROGRESS": "auto",  # progress line on stderr: auto (when a terminal), on, off
    "WATCH_TAXONOMY": "",  # the topic taxonomy file ("" = the one shipped, watch/taxonomy.yaml)
    "WATCH_RELEVANCE_THRESHOLD": 0.5,  # focus: general sources keep articles at or above it
    "WATCH_ALLOW_PRIVATE": False,  # let public sources lead to private/loopback/link-local hosts
    "WATCH_ES_URL": "",  # Elasticsearch node URL(s), comma-separated: the article index moves there
    "WATCH_ES_INDEX": "llwatch",  # prefix of the versioned indices and their alias
    "WATCH_ES_CA_CERTS": "",  # CA certificate file of the cluster (https with a private CA)
    "WATCH_ES_TIMEOUT": 30.0,  # seconds per request to the cluster
    "WATCH_SMTP_HOST": "",  # llwatch alerts --mail: the mail server (user/password: environment)
    "WATCH_SMTP_PORT": 25,  # its port (587 with WATCH_SMTP_STARTTLS, 465 is not supported)
    "WATCH_SMTP_STARTTLS": False,  # upgrade the connection with STARTTLS before logging in
    "WATCH_SMTP_FROM": "llwatch@localhost",  # the sender of alert mails
    "WATCH_SMTP_TO": "",  # who gets alert mails, comma-separated
    "WATCH_ALERT_STALE_HOURS": 24.0,  # alert when no crawl finished for this long
    "WATCH_ALERT_OUTBOX_HOURS": 2.0,  # alert when articles wait for the index this long
    "WATCH_COUNTRIES": "",  # the countries to cover (a file of codes or names; "" = UN members)
}


def _coerce(name: str, raw: Any, default: Any) -> Any:
    """Convert ``raw`` (often a string from the environment) to the type of ``default``."""
    if isinstance(default, bool):
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    try:
        return type(default)(raw)
    except (TypeError, ValueError):
        kind = type(default).__name__
        raise ConfigError(f"setting {name}={raw!r} is not a valid {kind}") from None


@dataclass(frozen=True)
class WatchConfig:
    """All WATCH_* settings, typed. Build with :meth:`load` or :meth:`from_settings`."""

    data_dir: Path
    sources: Path
    contact_url: str
    download_timeout: float
    retry_times: int
    throttle_start_delay: float
    throttle_max_delay: float
    concurrent_requests: int
    concurrent_per_domain: int
    max_page_bytes: int
    store_batch: int
    store_busy_timeout: float
    progress: str
    taxonomy: str
    relevance_threshold: float
    allow_private: bool
    es_url: str
    es_index: str
    es_ca_certs: str
    es_timeout: float
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_from: str
    smtp_to: str
    alert_stale_hours: float
    alert_outbox_hours: float
    countries: str

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> WatchConfig:
        """Defaults, then the environment, then ``overrides`` (None values are ignored)."""
        env = os.environ if env is None else env
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        return cls._build(lambda name: given.get(name, env.get(name)))

    @classmethod
    def from_settings(cls, settings: Any) -> WatchConfig:
        """From a Scrapy ``Settings`` object (or any mapping with ``.get``)."""
        return cls._build(settings.get)

    @classmethod
    def _build(cls, get: Callable[[str], Any]) -> WatchConfig:
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = "WATCH_" + f.name.upper()
            raw = get(name)
            default = DEFAULTS[name]
            values[f.name] = default if raw is None else _coerce(name, raw, default)
        values["data_dir"] = Path(values["data_dir"]).expanduser()
        values["sources"] = Path(values["sources"]).expanduser()
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        """Raise ConfigError on values no crawl can work with."""
        positive = ("download_timeout", "throttle_max_delay", "concurrent_requests",
                    "concurrent_per_domain", "max_page_bytes", "store_batch", "store_busy_timeout",
                    "es_timeout", "smtp_port", "alert_stale_hours",
                    "alert_outbox_hours")  # fmt: skip
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"WATCH_{name.upper()}={value}: must be a number above 0")
        for name in ("retry_times", "throttle_start_delay"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"WATCH_{name.upper()}={value}: must be a number, 0 or more")
        if not 0.0 <= self.relevance_threshold <= 1.0:
            raise ConfigError(
                f"WATCH_RELEVANCE_THRESHOLD={self.relevance_threshold}: must be from 0 to 1"
            )
        if self.progress not in {"auto", "on", "off"}:
            raise ConfigError(f"WATCH_PROGRESS={self.progress!r}: use auto, on or off")

    @property
    def user_agent(self) -> str:
        """``llwatch/0.1.0 (+contact URL)``: names the crawler and how to reach its operator."""
        contact = f"+{self.contact_url}; " if self.contact_url else ""
        return f"llwatch/{VERSION} ({contact}lifelong-learning news watch)"

    def analyzer(self) -> Any:
        """The Analyzer with this config's taxonomy and threshold (built on demand: it loads spaCy)."""
        from watch.taxonomy import load_taxonomy
        from watch.understand import Analyzer

        taxonomy = load_taxonomy(self.taxonomy) if self.taxonomy else None
        return Analyzer(taxonomy, self.relevance_threshold)

    @property
    def db_path(self) -> Path:
        """The embedded store: one SQLite file in the data dir."""
        return self.data_dir / "watch.sqlite3"

    def as_settings(self) -> dict[str, Any]:
        """The WATCH_* values plus the Scrapy settings derived from them."""
        own = {"WATCH_" + f.name.upper(): getattr(self, f.name) for f in fields(self)}
        own["WATCH_DATA_DIR"] = str(self.data_dir)
        own["WATCH_SOURCES"] = str(self.sources)
        return own | {
            "USER_AGENT": self.user_agent,
            "DOWNLOAD_TIMEOUT": self.download_timeout,
            "RETRY_TIMES": self.retry_times,
            "AUTOTHROTTLE_START_DELAY": self.throttle_start_delay,
            "AUTOTHROTTLE_MAX_DELAY": self.throttle_max_delay,
            "CONCURRENT_REQUESTS": self.concurrent_requests,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrent_per_domain,
            "DOWNLOAD_MAXSIZE": self.max_page_bytes,
            "DOWNLOAD_WARNSIZE": self.max_page_bytes // 2,
        }
