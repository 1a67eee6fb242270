"""``llwatch serve``: the researchers' search page and its JSON API, read-only, on the same
store and query language as the CLI.

Every error is one JSON shape, ``{"error": {"status", "code", "message", "position"?}}`` (the
page shows the same message in HTML). Bounds: queries of at most 500 characters, pages of at
most 100 results, no result past the 10,000th by paging (export streams the whole set), URLs of
at most 4,096 characters, GET and HEAD only. Every response carries a strict
Content-Security-Policy: the page loads nothing but its own stylesheet and runs no script.
"""

from __future__ import annotations

import contextlib
import io
import queue
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any, Literal

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from watch.config import VERSION, WatchConfig
from watch.coverage import Report
from watch.errors import ConfigError, QuerySyntaxError, StoreUnavailable, WatchError
from watch.export import ExportFormat, export_lines
from watch.query import Node, parse
from watch.store import DB_NAME, Store, open_store
from watch.store.base import FacetField, Hit
from watch.store.columns import Columns
from watch.store.sqlite import Database

__all__ = ["MAX_QUERY", "WebError", "coverage_report", "create_app", "search_tree"]

MAX_QUERY = 500
MAX_SIZE = 100
MAX_WINDOW = 10_000
MAX_URL = 4096
FACETS: tuple[FacetField, ...] = ("language", "topic", "country", "source", "year")
#: Filters of the API and the page, and the query field each one becomes.
FILTERS = {"lang": "lang", "topic": "topic", "country": "country", "source": "source",
           "source_country": "source-country"}  # fmt: skip
_VALUE = re.compile(r"[\w.-]{1,100}")
_DAY = re.compile(r"\d{4}(-\d\d(-\d\d)?)?")
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")  # fmt: skip
#: The digest's HTML is made for email tools: its styles are inline (still no script at all).
DIGEST_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
              "base-uri 'none'; frame-ancestors 'none'")  # fmt: skip


class WebError(Exception):
    """A request that cannot be answered: its HTTP status, a code, one line, and for a query
    error the 0-based position in ``q``."""

    def __init__(self, status: int, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.position = status, code, message, position

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.position is not None:
            error["position"] = self.position
        return {"error": error}


def search_tree(q: str, filters: dict[str, str | None], since: str | None = None,
                until: str | None = None, year: str | None = None) -> Node | None:  # fmt: skip
    """The query tree of ``q`` and the filters (each value checked: no syntax can ride in)."""
    if len(q) > MAX_QUERY:
        raise WebError(
            400, "query_too_long", f"the query has {len(q)} characters; at most {MAX_QUERY}"
        )
    parts = []
    for name, value in filters.items():
        if value:
            if not _VALUE.fullmatch(value):
                raise WebError(400, "bad_filter", f"{name}={value[:40]!r} is not a value of {name}")
            parts.append(f"{FILTERS[name]}:{value}")
    for name, value in (("since", since), ("until", until), ("year", year)):
        if value and not _DAY.fullmatch(value):
            raise WebError(
                400, "bad_filter", f"{name}={value[:40]!r}: write YYYY, YYYY-MM or YYYY-MM-DD"
            )
    if year:
        parts += [f"since:{year[:4]}", f"until:{year[:4]}"]
    parts += [f"since:{since}"] if since else []
    parts += [f"until:{until}"] if until else []
    try:
        query = parse(q)
    except QuerySyntaxError as exc:
        raise WebError(400, "bad_query", str(exc), exc.pos) from None
    extra = parse(" ".join(parts)) if parts else None
    if query is None or extra is None:
        return query or extra
    return parse(f"({q}) {' '.join(parts)}")


class Stores:
    """One read-only store per worker thread (SQLite connections stay in their thread)."""

    def __init__(self, config: WatchConfig) -> None:
        self.config = config
        self.columns = Columns()  # the embedded store's facts in memory, shared by the threads
        self.local = threading.local()
        self.opened: list[Store] = []
        self.lock = threading.Lock()

    def get(self) -> Store:
        store: Store | None = getattr(self.local, "store", None)
        if store is None:
            config = self.config
            store = open_store(config.data_dir, readonly=True, config=config, columns=self.columns)
            self.local.store = store
            with self.lock:
                self.opened.append(store)
        return store

    def warm(self) -> None:
        """Load the columns before the first request (a million articles: a few seconds)."""
        if self.config.es_url:
            return
        try:
            db = Database(self.config.data_dir / DB_NAME, readonly=True)
        except StoreUnavailable:
            return  # said by every request until the store exists
        try:
            self.columns.current(db.conn)
        finally:
            db.close()

    def close(self) -> None:
        with self.lock:
            for store in self.opened:
                store.close()
            self.opened.clear()


def hit_dict(hit: Hit) -> dict[str, Any]:
    a = hit.article
    return {
        "id": a.id, "url": a.url, "title": a.title, "source_id": a.source_id,
        "source_name": a.source_name, "source_country": a.source_country,
        "language": a.language, "date": a.published_at or a.fetched_at,
        "topics": [t.id for t in a.topics], "countries": a.countries, "snippet": hit.snippet,
        "score": round(hit.score, 4), "cluster_id": a.cluster_id, "cluster_size": hit.cluster_size,
    }  # fmt: skip


def create_app(config: WatchConfig) -> FastAPI:
    """The app on ``config``'s store (opened read-only, lazily, per worker thread)."""
    stores = Stores(config)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(stores.warm)
        yield
        stores.close()

    app = FastAPI(
        lifespan=lifespan,
        title="llwatch", version=VERSION, docs_url=None, redoc_url=None,
        description="Read-only API of the global watch on lifelong learning: search, articles, "
        "trends, export, sources and the weekly digest. Errors: {\"error\": {\"status\", "
        "\"code\", \"message\", \"position\"?}}.",
    )  # fmt: skip
    app.state.stores = stores
    app.state.config = config
    _errors(app)
    _guard(app)
    _api(app, stores, config)
    from watch.web.pages import add_pages

    add_pages(app, stores, config)
    return app


# --- errors and guards -------------------------------------------------------------------------


def _errors(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = str(exc.detail) if exc.detail else "error"
        return _error_response(request, WebError(exc.status_code,
                                                 codes.get(exc.status_code, "http_error"), message))  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return _error_response(request, WebError(400, "bad_parameter",
                                                 f"{where}: {first.get('msg', 'invalid')}"))  # fmt: skip

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable) -> Response:
        return _error_response(request, WebError(503, "store_unavailable", str(exc)))

    @app.exception_handler(WatchError)
    async def watch_error(request: Request, exc: WatchError) -> Response:
        return _error_response(request, WebError(400, "bad_request", str(exc)))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        return _error_response(
            request, WebError(500, "internal", "internal error; see the server log")
        )


def _error_response(request: Request, error: WebError) -> Response:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse(error.body(), status_code=error.status, headers=_headers())
    from watch.web.pages import error_page

    return error_page(request, error)


def _headers() -> dict[str, str]:
    return {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}  # fmt: skip


def _guard(app: FastAPI) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Any]) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _error_response(request, WebError(405, "method_not_allowed",
                                                     "read-only: GET and HEAD only"))  # fmt: skip
        if len(str(request.url)) > MAX_URL:
            return _error_response(request, WebError(414, "uri_too_long",
                                                     f"the URL is longer than {MAX_URL} characters"))  # fmt: skip
        head = request.method == "HEAD"
        if head:  # answered as GET, without the body
            request.scope["method"] = "GET"
        response: Response = await call_next(request)
        for name, value in _headers().items():
            response.headers.setdefault(name, value)  # a route may set its own policy
        if head:
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            return Response(status_code=response.status_code, headers=headers)
        return response


# --- the API -----------------------------------------------------------------------------------


def _page_bounds(page: int, size: int) -> int:
    offset = (page - 1) * size
    if offset + size > MAX_WINDOW:
        raise WebError(400, "page_too_deep", f"results past the {MAX_WINDOW:,}th are not paged: "
                       "narrow the query, or take them all from /api/export")  # fmt: skip
    return offset


@dataclass(frozen=True)
class Selection:
    """What a search, trend or export request selects: the query text, its tree with the
    filters, and the tree of the period alone (the base of normalised trends)."""

    q: str
    tree: Node | None
    period: Node | None


def selection(
    q: str = Query("", description="Query language (README: Query syntax)"),
    lang: str | None = None, topic: str | None = None, country: str | None = None,
    source: str | None = None, source_country: str | None = None,
    since: str | None = None, until: str | None = None, year: str | None = None,
) -> Selection:  # fmt: skip
    filters = {"lang": lang, "topic": topic, "country": country, "source": source,
               "source_country": source_country}  # fmt: skip
    return Selection(q, search_tree(q, filters, since, until, year),
                     search_tree("", {}, since, until, year))  # fmt: skip


def coverage_report(
    stores: Stores, config: WatchConfig, since: str | None, until: str | None, countries: str
) -> Report:
    """The coverage report of the page and the API: over [since, until] (days; default the
    last 30), for WATCH_COUNTRIES' list (``configured``, the UN members when none is set) or
    the UN member states (``un``)."""
    from watch.coverage import coverage, the_countries

    days = {}
    for name, value in (("since", since), ("until", until)):
        if value:
            try:
                days[name] = date.fromisoformat(value).isoformat()
            except ValueError:
                raise WebError(400, "bad_parameter",
                               f"{name}={value[:40]!r}: write a day as YYYY-MM-DD") from None  # fmt: skip
    if len(days) == 2 and days["since"] > days["until"]:
        raise WebError(400, "bad_parameter",
                       f"since={days['since']} is after until={days['until']}: swap them")  # fmt: skip
    if countries not in ("configured", "un"):
        raise WebError(400, "bad_parameter", f"countries={countries[:40]!r}: configured or un")
    try:
        wanted = the_countries(config.countries) if countries == "configured" else None
    except ConfigError as exc:  # the server's setting, not the request: said to the operator too
        raise WebError(500, "bad_setting", f"WATCH_COUNTRIES: {exc}") from None
    return coverage(stores.get().articles, wanted, days.get("since"), days.get("until"))


def _api(app: FastAPI, stores: Stores, config: WatchConfig) -> None:
    @app.get("/api/search", tags=["search"], summary="Search the articles")
    def api_search(
        chosen: Annotated[Selection, Depends(selection)],
        sort: Literal["relevance", "date"] = "relevance",
        page: int = Query(1, ge=1), size: int = Query(20, ge=1, le=MAX_SIZE),
        facets: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        q, tree = chosen.q, chosen.tree
        offset = _page_bounds(page, size)
        store = stores.get()
        result = store.articles.search(tree, sort=sort, limit=size, offset=offset)
        out: dict[str, Any] = {"query": q, "total": result.total, "page": page, "size": size,
                               "sort": sort, "hits": [hit_dict(h) for h in result.hits]}  # fmt: skip
        if facets:
            counts = store.articles.facets(tree, FACETS, limit=20)
            out["facets"] = {k: [{"value": v, "count": n} for v, n in pairs]
                             for k, pairs in counts.items()}  # fmt: skip
        return out

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="One article, every field")
    def api_article(article_id: str) -> dict[str, Any]:
        if not re.fullmatch(r"[0-9a-f]{32}", article_id):
            raise WebError(404, "not_found", "no such article (ids are 32 hex digits)")
        found = stores.get().articles.get(article_id)
        if found is None:
            raise WebError(404, "not_found", f"no article {article_id}")
        return found.to_dict()

    @app.get("/api/trends", tags=["trends"], summary="Matching articles over time")
    def api_trends(
        chosen: Annotated[Selection, Depends(selection)],
        interval: Literal["day", "week", "month", "year"] = "month",
        by: Literal["topic", "language", "country", "source", "source-country"] | None = None,
        limit: int = Query(8, ge=1, le=50),
    ) -> dict[str, Any]:  # fmt: skip
        """Counts per period (per value of ``by``), with the counts of all articles of each
        period and each count as a share of them (``normalised``: attention, not volume)."""
        articles = stores.get().articles
        found = articles.trend(chosen.tree, interval, by, limit)
        everything = articles.trend(chosen.period, interval)
        totals = dict(zip(everything.periods, everything.series.get("", []), strict=True))
        base = [totals.get(p, 0) for p in found.periods]
        return {
            "interval": interval, "by": by, "periods": found.periods, "series": found.series,
            "all": base,
            "normalised": {k: [round(n / t, 6) if t else 0.0 for n, t in zip(v, base, strict=True)]
                           for k, v in found.series.items()},
        }  # fmt: skip

    @app.get("/api/export", tags=["export"], summary="Every matching article, streamed")
    def api_export(
        chosen: Annotated[Selection, Depends(selection)], format: Literal["csv", "jsonl"] = "jsonl"
    ) -> StreamingResponse:
        rows = _export_rows(config, chosen.tree, format)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        name = f"llwatch-export.{format}"
        return StreamingResponse(rows, media_type=media,
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    @app.get("/api/sources", tags=["sources"], summary="The watched sources and their health")
    def api_sources() -> list[dict[str, Any]]:
        from watch.health import PublishingStats, assess
        from watch.sources import load_sources

        if not config.sources.exists():
            return []
        store = stores.get()
        states, publishing = store.state.source_states(), store.articles.publishing()
        out = []
        for source in load_sources(config.sources):
            health = assess(
                source, states.get(source.id), publishing.get(source.id, PublishingStats())
            )
            out.append({"id": source.id, "name": source.name, "url": source.url,
                        "country": source.country, "languages": list(source.languages),
                        "enabled": source.enabled, "health": asdict(health)})  # fmt: skip
        return out

    @app.get("/api/coverage", tags=["coverage"], summary="Articles per country over a period")
    def api_coverage(
        since: str | None = Query(None, description="First day, YYYY-MM-DD (default: 30 days "
                                  "before until)"),
        until: str | None = Query(None, description="Last day, included (default: today)"),
        countries: Literal["configured", "un"] = Query(
            "configured", description="WATCH_COUNTRIES' list (the UN members when it is not "
            "set), or the 193 UN member states"),
        format: Literal["json", "csv"] = "json",
    ) -> Response:  # fmt: skip
        """For each country of the list: articles from its own sources and articles mentioning
        it; the countries with neither first (``uncovered``)."""
        report = coverage_report(stores, config, since, until, countries)
        if format == "csv":
            stream = io.StringIO()
            report.write_csv(stream)
            name = f"llwatch-coverage-{report.since}-{report.until}.csv"
            return Response(stream.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
        return JSONResponse(report.as_dict())

    @app.get("/api/digest", tags=["digest"], summary="The weekly picks")
    def api_digest(
        week: str | None = None, ui: Literal["en", "fr", "es"] = "en",
        lang: str = "", per_section: int = Query(5, ge=1, le=50),
        group_by: Literal["region", "topic"] = "region",
        format: Literal["json", "html", "md", "atom"] = "json",
    ) -> Response:  # fmt: skip
        from watch.digest import DigestOptions, build_digest, parse_languages, parse_period
        from watch.digest_render import render
        from watch.sources import load_sources
        from watch.taxonomy import default_taxonomy, load_taxonomy

        options = DigestOptions(parse_period(week, None, None), parse_languages(lang[:200]),
                                per_section, group_by)  # fmt: skip
        taxonomy = load_taxonomy(config.taxonomy) if config.taxonomy else default_taxonomy()
        watched = load_sources(config.sources) if config.sources.exists() else []
        digest = build_digest(stores.get(), watched, options, taxonomy)
        body = render(digest, format, ui, explain=format == "json", taxonomy=taxonomy)
        media = {"json": "application/json", "html": "text/html; charset=utf-8",
                 "md": "text/markdown; charset=utf-8",
                 "atom": "application/atom+xml; charset=utf-8"}[format]  # fmt: skip
        headers = {"Content-Security-Policy": DIGEST_CSP} if format == "html" else {}
        return Response(body, media_type=media, headers=headers)


async def _export_rows(
    config: WatchConfig, tree: Node | None, fmt: ExportFormat
) -> AsyncIterator[str]:
    """The export, in chunks of lines, constant memory whatever its size. One thread of its own
    reads the store (a SQLite connection stays in its thread) into a bounded queue."""
    lines: queue.Queue[str | None] = queue.Queue(maxsize=16)  # at most 16 × 200 lines held
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(chunk: str | None) -> bool:
        while not stop.is_set():
            try:
                lines.put(chunk, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        chunk: list[str] = []
        try:
            for line in _export_lines(config, tree, fmt):
                chunk.append(line)
                if len(chunk) >= 200:  # hand over 200 lines at a time
                    if not put("".join(chunk)):
                        return
                    chunk = []
            if chunk:
                put("".join(chunk))
        except BaseException as exc:
            failure.append(exc)
        finally:
            put(None)  # the end (dropped when nobody reads any more)

    threading.Thread(target=produce, name="llwatch-export", daemon=True).start()
    try:
        while (line := await anyio.to_thread.run_sync(lines.get)) is not None:
            yield line
        if failure:
            raise failure[0]
    finally:
        stop.set()


def _export_lines(config: WatchConfig, tree: Node | None, fmt: ExportFormat) -> Iterator[str]:
    store = open_store(config.data_dir, readonly=True, config=config)
    try:
        yield from export_lines(store.articles.iter_articles(tree), fmt)
    finally:
        store.close()
