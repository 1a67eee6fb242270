"""One line saying why a request failed, from a Twisted failure."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

__all__ = ["describe_failure"]


def describe_failure(failure: Failure, timeout: float) -> str:
    """``HTTP 404``, ``timed out after 30s``, ``connection refused``, ``forbidden by robots.txt``..."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, DownloadTimeoutError | TimeoutError | TCPTimedOutError):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, CannotResolveHostError | DNSLookupError):
        return "DNS lookup failed (check the host name)"
    if isinstance(exc, DownloadConnectionRefusedError | ConnectionRefusedError):
        return "connection refused (server down?)"
    if isinstance(exc, DownloadCancelledError):
        return "download cancelled (larger than WATCH_MAX_PAGE_BYTES?)"
    if isinstance(exc, ResponseDataLossError | ResponseNeverReceived | ResponseFailed):
        return "connection lost before a complete response"
    if isinstance(exc, DownloadFailedError):
        return f"download failed: {str(exc)[:160]}"
    if isinstance(exc, IgnoreRequest):
        return _ignored(str(exc))
    return f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")


def _ignored(message: str) -> str:
    if "robots" in message.lower():
        return "forbidden by robots.txt"
    if message.startswith("refused:"):
        return message
    if "DOWNLOAD_MAXSIZE" in message and "decompress" in message:
        return "larger than WATCH_MAX_PAGE_BYTES once decompressed (a gzip bomb?)"
    if "redirect" in message.lower():
        return "too many redirects (a redirect loop?)"
    return message or "request ignored"
