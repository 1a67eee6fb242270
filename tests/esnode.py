"""Stand-in Elasticsearch 9 nodes for tests: local HTTP servers that answer the way a 9.x node
does (X-Elastic-Product header, compatible-with media type, error bodies) and record every request.

- :class:`FakeNode` models the index administration API (indices, aliases moved atomically,
  document counts); it does not search.
- :class:`FakeCluster` models one index behind its alias: ``GET /``, bulk with per-item results
  and errors, mget, get, search, msearch, count, update_by_query, the aggregations llwatch sends
  (terms, filter, min, max, yearly date_histogram), and the faults a crawl must survive (dead,
  slow, refusing credentials, index missing)."""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
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


def _filled(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document with the fields the search model reads present (ES treats a missing
    field as matching no term)."""
    names = ("title", "summary", "text", "language", "source_id", "topic_ids", "countries",
             "source_country", "date")  # fmt: skip
    defaults = {name: [] if name in ("topic_ids", "countries") else "" for name in names}
    return defaults | doc


REJECTED = {
    "type": "es_rejected_execution_exception",
    "reason": "rejected execution of coordinating operation [shard_detail=[llwatch-articles-v1]"
    "[0][P], shard_coordinating_and_primary_bytes=0, shard_operation_bytes=98,"
    " shard_max_coordinating_and_primary_bytes=0]",
}


class FakeCluster(http.server.ThreadingHTTPServer):
    """Answers ``PUT /_bulk`` as Elasticsearch 9 does: per-item status, result and error.

    A document is refused like the real mapping refuses it (a date field that is not
    strict ISO 8601), ids listed in ``busy`` are rejected with 429 once, the rest is stored.
    """

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ClusterHandler)
        self.docs: dict[str, dict[str, Any]] = {}
        self.busy: set[str] = set()
        self.refuse: set[str] = set()  # ids refused as a mapping conflict
        self.requests = 0
        self.down = False  # answer bulk requests 503, as a cluster without a master does
        self.dead = False  # close every connection unanswered, as a crashed node does
        self.dead_after_bulks: int | None = None  # die after answering this many bulk requests
        self.slow = 0.0  # seconds to wait before answering
        self.locked = False  # answer 401, as a cluster given the wrong credentials does
        self.missing = False  # no index behind the alias
        self.alias = "llwatch-articles"
        self.log: list[tuple[str, str, str]] = []  # (method, path, body) of each request
        self.tasks: dict[str, dict[str, Any]] = {}  # _delete_by_query tasks: their outcome
        self.task_polls = 0  # a task answers "not completed" this many times first
        self.delete_failures: list[dict[str, Any]] = []  # what a delete task reports failing

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, the "dead" fault) is not printed mid-test."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[FakeCluster]:
        """A stand-in cluster serving on 127.0.0.1 for the duration."""
        server = cls()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()


STRICT_DATE = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?")


class _ClusterHandler(http.server.BaseHTTPRequestHandler):
    server: FakeCluster

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        path = self.path.split("?")[0]
        if self._fault():
            return
        found = path.endswith("/_alias/" + self.server.alias) and not self.server.missing
        self.send_response(200 if found else 404)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if (
            not parts
            or parts[:1] == ["_alias"]
            or parts[-1:] == ["_mapping"]
            or (parts[:2] == ["_cluster", "health"])
        ):
            if self._fault():
                return
            self._send(self._admin(parts))
            return
        if parts[:1] == ["_tasks"] and len(parts) == 2:
            self.server.log.append(("GET", urllib.parse.unquote("/" + "/".join(parts)), ""))
            if self._fault():
                return
            self._send(self._task(urllib.parse.unquote(parts[1])))
            return
        if len(parts) == 3 and parts[1] == "_doc":
            if self._fault():
                return
            if self.server.missing:
                self._send(*_not_found(parts[0]))
                return
            doc = self.server.docs.get(parts[2])
            found = {"_index": parts[0], "_id": parts[2], "found": doc is not None}
            self._send(found | ({"_source": doc} if doc else {}), 200 if doc else 404)
            return
        self.do_POST()

    def _fault(self) -> bool:
        """Play the cluster's fault, if any; True when the request has been dealt with."""
        server = self.server
        if server.slow:
            time.sleep(server.slow)
        if server.dead:
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all: the client sees a connection error
            return True
        if server.locked:
            error = {"type": "security_exception", "reason": "unable to authenticate user"}
            self._send({"error": {"root_cause": [error], **error}, "status": 401}, 401)
            return True
        return False

    def _admin(self, parts: list[str]) -> dict[str, Any]:
        index = self.server.alias + "-v1"
        if not parts:
            return {"name": "fake", "cluster_name": "fake", "tagline": "You Know, for Search",
                    "version": {"number": "9.1.0", "build_flavor": "default"}}  # fmt: skip
        if parts[0] == "_alias":
            return {index: {"aliases": {self.server.alias: {}}}}
        if parts[-1] == "_mapping":
            return {index: {"mappings": {"_meta": {"llwatch_mapping_version": 1}}}}
        return {"cluster_name": "fake", "status": "green"}

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        path = self.path.split("?")[0]
        self.server.requests += 1
        self.server.log.append((self.command, path, body))
        if self._fault():
            return
        if self.server.missing and not path.endswith("/_bulk"):
            self._send(*_not_found(self.server.alias))
            return
        docs = self.server.docs
        if path.endswith("/_mget"):
            ids = json.loads(body)["ids"]
            found = [{"_id": i, "found": i in docs} | ({"_source": docs[i]} if i in docs else {})
                     for i in ids]  # fmt: skip
            self._send({"docs": found})
            return
        if path.endswith("/_search"):
            self._send(self._search(json.loads(body) if body else {}))
            return
        if path.endswith("/_msearch"):
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            self._send({"took": 1, "responses": [self._search(b) for b in lines[1::2]]})
            return
        if path.endswith("/_count"):
            query = (json.loads(body) if body else {}).get("query", {"match_all": {}})
            self._send({"count": len(self._matching(query))})
            return
        if path.endswith("/_delete_by_query"):
            doomed = self._matching(json.loads(body)["query"])
            if not self.server.delete_failures:
                for doc in doomed:
                    del docs[doc["id"]]
            task = f"fake:{len(self.server.tasks) + 1}"
            self.server.tasks[task] = {"deleted": 0 if self.server.delete_failures else len(doomed),
                                       "failures": self.server.delete_failures}  # fmt: skip
            self._send({"task": task})
            return
        if path.endswith("/_update_by_query"):
            request = json.loads(body)
            head = request["script"]["params"]["head"]
            moved = self._matching(request["query"])
            for doc in moved:
                doc["cluster_id"] = head
            self._send({"updated": len(moved), "failures": []})
            return
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if self.server.down:
            error = {
                "type": "cluster_block_exception",
                "reason": "blocked by: [SERVICE_UNAVAILABLE/2/no master];",
            }
            self._send({"error": {"root_cause": [error], **error}, "status": 503}, 503)
            return
        items = [self._item(h["index"], s) for h, s in zip(lines[::2], lines[1::2], strict=True)]
        self._send({"errors": any("error" in i["index"] for i in items), "took": 3, "items": items})
        bulks = sum(1 for entry in self.server.log if entry[1].endswith("/_bulk"))
        if self.server.dead_after_bulks is not None and bulks >= self.server.dead_after_bulks:
            self.server.dead = True

    do_PUT = do_POST  # the 9.x client sends _bulk as PUT

    def _task(self, task: str) -> dict[str, Any]:
        """A task's status: "not completed" ``task_polls`` times, then its outcome."""
        if self.server.task_polls > 0:
            self.server.task_polls -= 1
            return {"completed": False, "task": {"id": task, "action": "delete/byquery"}}
        return {"completed": True, "task": {"id": task}, "response": self.server.tasks[task]}

    def _matching(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        from tests.test_elastic_parity import matches

        return [d for d in self.server.docs.values() if matches(query, _filled(d))]

    def _search(self, request: dict[str, Any]) -> dict[str, Any]:
        """Date-sorted search over the stored documents (scores are not modelled: 1.0)."""
        found = sorted(
            self._matching(request.get("query", {"match_all": {}})),
            key=lambda d: (d.get("date", ""), [-ord(c) for c in d["id"]]),
            reverse=True,
        )
        answer: dict[str, Any] = {}
        if "aggs" in request:
            answer["aggregations"] = _aggregate(request["aggs"], found)
        after = request.get("search_after")
        if after is not None:
            keys = [(d.get("date", ""), d["id"]) for d in found]
            start = next((n + 1 for n, k in enumerate(keys) if list(k) == list(after)), len(found))
            found = found[start:]
        start = int(request.get("from", 0))
        page = found[start : start + int(request.get("size", 10))]
        hits = [{"_id": d["id"], "_score": 1.0, "_source": d, "sort": [d.get("date", ""), d["id"]]}
                for d in page]  # fmt: skip
        answer["hits"] = {"total": {"value": len(found), "relation": "eq"}, "hits": hits}
        return answer

    def _item(self, header: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
        doc_id, index = header["_id"], header["_index"]
        if doc_id in self.server.busy:
            self.server.busy.discard(doc_id)
            return {"index": {"_index": index, "_id": doc_id, "status": 429, "error": REJECTED}}
        if doc_id in self.server.refuse:
            error = {"type": "document_parsing_exception",
                     "reason": "[1:40] failed to parse field [relevance] of type [float]"}  # fmt: skip
            return {"index": {"_index": index, "_id": doc_id, "status": 400, "error": error}}
        for name in ("date", "published_at", "fetched_at", "updated_at"):
            if name in source and not STRICT_DATE.fullmatch(str(source[name])):
                error = {"type": "document_parsing_exception",
                         "reason": f"[1:2] failed to parse field [{name}] of type [date]"}  # fmt: skip
                return {"index": {"_index": index, "_id": doc_id, "status": 400, "error": error}}
        old = self.server.docs.get(doc_id)
        self.server.docs[doc_id] = source
        result, status = ("updated", 200) if old is not None else ("created", 201)
        return {"index": {"_index": index, "_id": doc_id, "result": result, "status": status}}

    def _send(self, data: dict[str, Any], status: int = 200) -> None:
        payload = json.dumps(data).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=9")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _not_found(index: str) -> tuple[dict[str, Any], int]:
    error = {"type": "index_not_found_exception", "reason": f"no such index [{index}]",
             "index": index}  # fmt: skip
    return {"error": {"root_cause": [error], **error}, "status": 404}, 404


def _epoch_ms(text: str) -> float:
    moment = datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.timestamp() * 1000


def _aggregate(aggs: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The aggregations llwatch sends, over ``docs``: terms, filter, min, max, yearly histogram."""
    from tests.test_elastic_parity import matches

    out: dict[str, Any] = {}
    for name, spec in aggs.items():
        sub = spec.get("aggs", {})
        if "terms" in spec:
            field = spec["terms"].get("field")
            counts: dict[Any, list[dict[str, Any]]] = {}
            for doc in docs:
                values = doc.get(field) if field else str(doc.get("date", ""))[:4] or None
                for value in values if isinstance(values, list) else [values]:
                    if value not in (None, ""):
                        counts.setdefault(value, []).append(doc)
            ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
            buckets = [{"key": key, "doc_count": len(members)} | _aggregate(sub, members)
                       for key, members in ranked[: spec["terms"].get("size", 10)]]  # fmt: skip
            out[name] = {"buckets": buckets}
        elif "filter" in spec:
            members = [d for d in docs if matches(spec["filter"], _filled(d))]
            out[name] = {"doc_count": len(members)} | _aggregate(sub, members)
        elif "min" in spec or "max" in spec:
            kind = "min" if "min" in spec else "max"
            values = [_epoch_ms(d[spec[kind]["field"]]) for d in docs if d.get(spec[kind]["field"])]
            out[name] = {"value": (min if kind == "min" else max)(values) if values else None}
        elif "date_histogram" in spec:
            from watch.store.trend import period_of

            histogram = spec["date_histogram"]
            interval = histogram.get("calendar_interval", "month")
            periods: dict[str, int] = {}
            for doc in docs:
                if doc.get("date"):
                    key = (doc["date"][:4] if histogram.get("format") == "yyyy"
                           else period_of(doc["date"], interval))  # fmt: skip
                    periods[key] = periods.get(key, 0) + 1
            out[name] = {"buckets": [{"key_as_string": k, "doc_count": n}
                                     for k, n in sorted(periods.items())]}  # fmt: skip
        else:
            raise AssertionError(f"aggregation not modelled: {spec}")
    return out
