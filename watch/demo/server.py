"""A small static site server on 127.0.0.1 for the demo, the tests and the benchmarks.

Serves a folder with ETag and Last-Modified, answers conditional GETs with 304, replaces the
``{{BASE_URL}}`` placeholder in text files by its own address, and lets callers add special routes
(errors, redirects, slow answers) as functions of the request handler.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["PLACEHOLDER", "Route", "SiteServer"]

PLACEHOLDER = "{{BASE_URL}}"
_TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rdf": "application/rdf+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        target = self.path.split("?", 1)[0]
        self.server.site.hits.append(target)  # as requested: absolute when sent to a proxy
        path = urlsplit(target).path if target.startswith(("http://", "https://")) else target
        self.server.site.agents.append(self.headers.get("User-Agent", ""))
        route = self.server.site.routes.get(path)
        if route is not None:
            route(self)
            return
        self.server.site.serve_file(self, path)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SiteServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a crawl timing out on the slow route, a killed crawl) is
        no error of the site's: not printed (it would land in whatever runs then)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SiteServer:
    """``with SiteServer(folder) as site: site.url("/feed.xml")``."""

    def __init__(
        self,
        root: str | Path | None,
        routes: dict[str, Route] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.root = Path(root) if root else None
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: list[str] = []  # every path requested, in order
        self.agents: list[str] = []  # the User-Agent of each request
        self.statuses: list[tuple[str, int]] = []  # (path, status) of each response
        self._httpd = _Server((host, 0), _Handler)  # any 127.x.y.z is a loopback address
        self._httpd.site = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def load(self, path: str) -> tuple[bytes, float] | None:
        """The body of ``path`` (placeholder replaced) and its mtime, or None."""
        if self.root is None:
            return None
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return None
        body = target.read_bytes()
        if target.suffix in _TYPES:
            body = body.replace(PLACEHOLDER.encode(), self.base_url.encode())
        return body, target.stat().st_mtime

    def serve_file(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        found = self.load(path)
        if found is None:
            send(handler, 404, b"<html><body><h1>Not found</h1></body></html>", "text/html")
            return
        body, mtime = found
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(mtime, usegmt=True)
        if _not_modified(handler, etag, modified):
            send(handler, 304, b"", None, {"ETag": etag, "Last-Modified": modified})
            return
        ctype = _TYPES.get(Path(path).suffix) or mimetypes.guess_type(path)[0] or "text/html"
        send(handler, 200, body, ctype, {"ETag": etag, "Last-Modified": modified})


def _not_modified(handler: BaseHTTPRequestHandler, etag: str, modified: str) -> bool:
    if handler.headers.get("If-None-Match"):
        return handler.headers.get("If-None-Match") == etag
    return handler.headers.get("If-Modified-Since") == modified


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    """Write one complete response."""
    site = getattr(handler.server, "site", None)
    if site is not None:
        site.statuses.append((handler.path, status))
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body and handler.command != "HEAD":
        handler.wfile.write(body)
