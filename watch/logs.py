"""Machine-read logs: ``--log-format json`` writes one JSON object per log record (time in UTC,
level, logger, message, and the traceback when there is one), built on python-json-logger."""

from __future__ import annotations

import logging
import sys
import time

from pythonjsonlogger.json import JsonFormatter

__all__ = ["LOG_FORMATS", "install_json_logs", "json_formatter"]

LOG_FORMATS = ("text", "json")


def json_formatter() -> logging.Formatter:
    formatter = JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%SZ",
        json_ensure_ascii=False,
    )
    formatter.converter = time.gmtime
    return formatter


def install_json_logs(level: str) -> logging.Handler:
    """A root handler writing JSON lines to stderr from ``level`` up (in place of the one
    Scrapy installs: give Scrapy LOG_INSTALL_ROOT_HANDLER=False)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.setLevel(logging.NOTSET)
    root.addHandler(handler)
    return handler
