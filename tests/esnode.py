"""A stand-in Elasticsearch node for unit tests: a local HTTP server that answers the index
administration API the way a 9.x node does (X-Elastic-Product header, compatible-with media type,
error bodies, aliases moved atomically) and records every request it got. It keeps indices,
aliases and document counts in memory; it does not search."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ES_JSON = "application/vnd.elasticsearch+json;compatible-with=9"


class FakeNode:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, JSON body)
        self.indices: dict[str, dict[str, Any]] = {}  # name -> {"mappings", "settings", "docs"}
        self.aliases: dict[str, str] = {}  # alias -> index
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FakeNode:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- the API ---------------------------------------------------------------------------

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("?")[0].split("/") if p]
        if not parts:
            return 200, {
                "name": "fake",
                "version": {"number": "9.1.0"},
                "tagline": "You Know, for Search",
            }
        if parts[0] == "_alias" and len(parts) == 2:
            name = parts[1]
            if name not in self.aliases:
                return 404, _error("alias_not_found_exception", f"alias [{name}] missing", 404)
            return 200, {self.aliases[name]: {"aliases": {name: {}}}}
        if parts == ["_aliases"] and method == "POST":
            for action in body["actions"]:
                ((kind, spec),) = action.items()
                if kind == "remove":
                    self.aliases.pop(spec["alias"], None)
                else:
                    self.aliases[spec["alias"]] = spec["index"]
            return 200, {"acknowledged": True}
        if parts == ["_reindex"]:
            source, dest = body["source"]["index"], body["dest"]["index"]
            docs = self.indices[self.aliases.get(source, source)]["docs"]
            self.indices[dest]["docs"] = docs
            return 200, {"total": docs, "created": docs, "failures": []}
        if parts[0] == "_cluster" and parts[1] == "health":
            return 200, {"status": "green"}
        name = self.aliases.get(parts[0], parts[0])
        if len(parts) == 1:
            if method == "HEAD":
                return (200 if name in self.indices else 404), None
            if method == "PUT":
                if name in self.indices:
                    return 400, _error(
                        "resource_already_exists_exception", f"index [{name}] exists", 400
                    )
                self.indices[name] = {"mappings": body.get("mappings", {}),
                                      "settings": body.get("settings", {}), "docs": 0}  # fmt: skip
                for alias in body.get("aliases", {}):
                    self.aliases[alias] = name
                return 200, {"acknowledged": True, "index": name}
            if method == "DELETE":
                self.indices.pop(name, None)
                return 200, {"acknowledged": True}
        if len(parts) == 2 and parts[1] == "_mapping":
            return 200, {name: {"mappings": self.indices[name]["mappings"]}}
        if len(parts) == 2 and parts[1] == "_count":
            return 200, {"count": self.indices[name]["docs"]}
        if len(parts) == 3 and parts[1] == "_alias" and method == "PUT":
            self.aliases[parts[2]] = name
            return 200, {"acknowledged": True}
        return 400, _error("illegal_argument_exception", f"no handler for {method} {path}", 400)


def _error(kind: str, reason: str, status: int) -> dict[str, Any]:
    return {"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind,
                      "reason": reason}, "status": status}  # fmt: skip


def _handler(node: FakeNode) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            node.requests.append((self.command, self.path, body))
            status, answer = node.answer(self.command, self.path, body)
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Type", ES_JSON)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
