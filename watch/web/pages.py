"""The search page (``/``) and the article page (``/articles/{id}``): server-rendered HTML that
works without JavaScript, its whole state in the query string, in English, French or Spanish.
Crawled text is escaped by the templates (Jinja2 autoescape); matches are marked by the store's
snippet brackets, turned into ``<mark>`` after escaping."""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from watch.config import WatchConfig
from watch.countries import REGIONS, country_name
from watch.coverage import Report
from watch.store.base import Hit
from watch.taxonomy import Taxonomy, default_taxonomy, load_taxonomy
from watch.urls import is_http_url
from watch.web.app import FACETS, FILTERS, Stores, WebError, coverage_report, search_tree
from watch.web.chart import bars_svg, regions_svg, trend_svg
from watch.web.texts import LANGUAGES, TEXTS, choose_language

__all__ = ["add_pages", "error_page"]

PAGE_SIZE = 20
STATE = ("q", *FILTERS, "year", "since", "until", "sort", "page", "ui")
_MARK = re.compile(r"\[([^\[\]]{1,200})\]")


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("watch.web", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)  # fmt: skip


def _state(request: Request) -> dict[str, str]:
    return {k: request.query_params[k][:600] for k in STATE if request.query_params.get(k)}


def _link(state: dict[str, str], **changes: str | None) -> str:
    merged = {**state, **changes}
    if "page" not in changes:
        merged.pop("page", None)  # a new filter starts at page 1
    return "/?" + urlencode({k: v for k, v in merged.items() if v})


def _marked(snippet: str) -> Markup:
    return Markup(_MARK.sub(r"<mark>\1</mark>", str(escape(snippet))))


def _language_name(code: str, ui: str) -> str:
    try:
        return str(Locale.parse(ui).languages.get(code) or code)
    except (ValueError, TypeError):
        return code


class _Labels:
    def __init__(self, ui: str, taxonomy: Taxonomy, names: dict[str, str]) -> None:
        self.ui, self.taxonomy, self.names = ui, taxonomy, names

    def __call__(self, field: str, value: str) -> str:
        if field == "topic":
            topic = self.taxonomy.topic(value)
            return topic.label(self.ui) if topic else value
        if field in ("country", "source_country") and len(value) == 2:
            return country_name(value, self.ui)
        if field == "lang":
            return _language_name(value, self.ui)
        if field == "source":
            return self.names.get(value, value)
        return value


def _facet_entries(
    counts: dict[str, list[tuple[str, int]]], state: dict[str, str], labels: _Labels
) -> list[dict[str, Any]]:
    names = {"language": "lang", "topic": "topic", "country": "country", "source": "source",
             "year": "year"}  # fmt: skip
    out = []
    for facet, pairs in counts.items():
        param = names[facet]
        values = []
        for value, count in pairs:
            chosen = state.get(param) == value
            values.append({"label": labels(param, value), "count": count, "chosen": chosen,
                           "href": _link(state, **{param: None if chosen else value})})  # fmt: skip
        if values:
            out.append({"name": param, "title_key": "language" if param == "lang" else param,
                        "values": values})  # fmt: skip
    return out


def _hit_view(hit: Hit, state: dict[str, str], labels: _Labels) -> dict[str, Any]:
    a = hit.article
    date = (a.published_at or a.fetched_at)[:10]
    article_link = f"/articles/{a.id}?" + urlencode(state)
    return {
        "title": a.title or a.url, "href": article_link,
        "original": a.url if is_http_url(a.url) else "",
        "source": a.source_name or a.source_id, "country": labels("country", a.source_country)
        if len(a.source_country) == 2 else "", "language": a.language.upper(),
        "lang": a.language if a.language != "und" else "", "date": date,
        "snippet": _marked(hit.snippet or a.summary[:300]),
        "topics": [labels("topic", t.id) for t in a.topics[:5]],
        "cluster_size": hit.cluster_size,
    }  # fmt: skip


def error_page(request: Request, error: WebError) -> Response:
    ui = choose_language(request.query_params.get("ui"), request.headers.get("accept-language"))
    html = (
        _environment()
        .get_template("error.html")
        .render(ui=ui, t=TEXTS[ui], message=error.message, status=error.status)
    )
    return HTMLResponse(html, status_code=error.status)


def add_pages(app: FastAPI, stores: Stores, config: WatchConfig) -> None:
    from importlib import resources

    static = resources.files("watch.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    taxonomy = load_taxonomy(config.taxonomy) if config.taxonomy else default_taxonomy()
    names = _source_names(config)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> Response:
        state = _state(request)
        ui = choose_language(state.get("ui"), request.headers.get("accept-language"))
        labels = _Labels(ui, taxonomy, names)
        t = TEXTS[ui]
        filters = {k: state.get(k) for k in FILTERS}
        context: dict[str, Any] = {"ui": ui, "t": t, "state": state, "q": state.get("q", ""),
                                   "languages": LANGUAGES, "error": None}  # fmt: skip
        context["switch"] = {
            code: _link(state, ui=code, page=state.get("page")) for code in LANGUAGES
        }
        period = {k: state.get(k) for k in ("year", "since", "until")}
        chosen = [{"label": f"{t['language' if k == 'lang' else k] if k in t or k == 'lang' else k}: "
                            f"{labels(k, v)}", "href": _link(state, **{k: None})}
                  for k, v in {**filters, **period}.items() if v]  # fmt: skip
        context["chosen"] = chosen
        status = 200
        try:
            tree = search_tree(state.get("q", ""), filters, **period)
            page = _page_number(state.get("page"))
            sort = "date" if state.get("sort") == "date" else "relevance"
            store = stores.get()
            result = store.articles.search(tree, sort=sort, limit=PAGE_SIZE,  # type: ignore[arg-type]
                                           offset=(page - 1) * PAGE_SIZE)  # fmt: skip
            counts = store.articles.facets(tree, FACETS, limit=10)
            trend = store.articles.trend(tree, "month")
            for finer in ("week", "day"):  # a short span is drawn in finer periods
                if len(trend.periods) >= 3:
                    break
                trend = store.articles.trend(tree, finer)  # type: ignore[arg-type]
        except WebError as exc:
            context["error"] = {"message": exc.message, "position": exc.position}
            status = exc.status
            result, counts, trend, page, sort = None, {}, None, 1, "relevance"
        if result is not None:
            pages = max(1, math.ceil(min(result.total, 10_000) / PAGE_SIZE))
            context.update(
                total=result.total, results_text=t["results"].format(total=f"{result.total:,}"),
                hits=[_hit_view(h, state, labels) for h in result.hits],
                facets=_facet_entries(counts, state, labels), sort=sort,
                sort_links={s: _link(state, sort=s) for s in ("relevance", "date")},
                page_text=t["page"].format(page=page, pages=pages),
                prev=_link(state, page=str(page - 1)) if page > 1 else "",
                next=_link(state, page=str(page + 1)) if page < pages else "",
                export={f: "/api/export?" + urlencode(
                    {k: v for k, v in {**_api_filters(state), "format": f}.items() if v})
                    for f in ("csv", "jsonl")},
                chart_title=t[{"month": "trend", "week": "trend_week", "day": "trend_day"}
                              [trend.interval]] if trend else "",
                chart=Markup(trend_svg(trend.periods, trend.series.get("", []),
                                       t[{"month": "trend", "week": "trend_week",
                                          "day": "trend_day"}[trend.interval]],
                                       t["trend_desc"])) if trend else "",
            )  # fmt: skip
        html = _environment().get_template("search.html").render(**context)
        return HTMLResponse(html, status_code=status)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str) -> Response:
        state = _state(request)
        ui = choose_language(state.get("ui"), request.headers.get("accept-language"))
        labels = _Labels(ui, taxonomy, names)
        found = (stores.get().articles.get(article_id)
                 if re.fullmatch(r"[0-9a-f]{32}", article_id) else None)  # fmt: skip
        if found is None:
            raise WebError(404, "not_found", TEXTS[ui]["not_found"])
        view = {
            "title": found.title or found.url, "lang": found.language if found.language != "und" else "",
            "language": found.language.upper(), "source": found.source_name or found.source_id,
            "date": (found.published_at or found.fetched_at)[:10],
            "original": found.url if is_http_url(found.url) else "",
            "topics": [labels("topic", t.id) for t in found.topics],
            "countries": [labels("country", c) for c in found.countries],
            "paragraphs": [p for p in (found.text or found.summary).split("\n\n") if p.strip()][:200],
        }  # fmt: skip
        html = _environment().get_template("article.html").render(
            ui=ui, t=TEXTS[ui], a=view, back=_link(state, page=state.get("page")),
            switch={code: f"/articles/{article_id}?" + urlencode({**state, "ui": code})
                    for code in LANGUAGES})  # fmt: skip
        return HTMLResponse(html)

    @app.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
    def coverage_page(request: Request) -> Response:
        params = {k: request.query_params.get(k, "")[:100]
                  for k in ("since", "until", "countries", "ui")}  # fmt: skip
        ui = choose_language(params["ui"], request.headers.get("accept-language"))
        t = TEXTS[ui]
        countries = params["countries"] or "configured"
        state = {k: v for k, v in params.items() if v}
        context: dict[str, Any] = {
            "ui": ui, "t": t, "error": None, "since": params["since"], "until": params["until"],
            "countries": countries, "configured": bool(config.countries),
            "switch": {code: "/coverage?" + urlencode({**state, "ui": code}) for code in LANGUAGES},
        }  # fmt: skip
        status = 200
        try:
            report = coverage_report(stores, config, params["since"] or None,
                                     params["until"] or None, countries)  # fmt: skip
            context.update(_coverage_view(report, ui, t, countries, bool(config.countries)))
        except WebError as exc:
            if exc.status >= 500:
                raise
            context["error"] = exc.message
            status = exc.status
        html = _environment().get_template("coverage.html").render(**context)
        return HTMLResponse(html, status_code=status)


def _coverage_view(report: Report, ui: str, t: dict[str, str], countries: str,
                   configured: bool) -> dict[str, Any]:  # fmt: skip
    """The coverage page's context: the summary, the regions' chart, and per region its
    countries (gaps first) with their bars and links to their articles of the period."""
    from watch.digest_render import TEXTS as REGION_NAMES

    period = {"since": report.since, "until": report.until, "ui": ui}
    top = max([max(r.from_sources, r.mentioned) for r in report.rows] or [0])
    regions: dict[str, list[dict[str, Any]]] = {}
    for row in report.rows:
        name = country_name(row.code, ui)
        regions.setdefault(row.region, []).append({
            "code": row.code, "name": name, "covered": row.covered,
            "from_sources": row.from_sources, "mentioned": row.mentioned,
            "own_href": "/?" + urlencode({"source_country": row.code, **period}),
            "mentioned_href": "/?" + urlencode({"country": row.code, **period}),
            "bars": Markup(bars_svg(row.from_sources, row.mentioned, top)),
        })  # fmt: skip
    order = [r for r in REGIONS if r in regions] + sorted(set(regions) - set(REGIONS))
    sections = [{"slug": slug, "label": REGION_NAMES[ui].get(slug, slug),
                 "covered": sum(r["covered"] for r in regions[slug]),
                 "rows": regions[slug]} for slug in order]  # fmt: skip
    shares = [(section["label"], section["covered"], len(section["rows"])) for section in sections]
    figures = "; ".join(f"{label} {covered}/{total}" for label, covered, total in shares)
    covered = len(report.rows) - len(report.uncovered)
    query = {"since": report.since, "until": report.until, "countries": countries}
    return {
        "since": report.since, "until": report.until, "countries": countries,
        "configured": configured,
        "intro": t["coverage_intro"].format(since=report.since, until=report.until),
        "summary": t["coverage_summary"].format(covered=covered, total=len(report.rows),
                                                gaps=len(report.uncovered)),
        "gaps": sorted((country_name(r.code, ui) for r in report.uncovered), key=str.casefold),
        "chart": Markup(regions_svg(shares, t["regions_chart"],
                                    t["regions_desc"].format(figures=figures))),
        "sections": sections,
        "downloads": {f: "/api/coverage?" + urlencode({**query, "format": f})
                      for f in ("csv", "json")},
    }  # fmt: skip


def _page_number(text: str | None) -> int:
    try:
        page = int(text or "1")
    except ValueError:
        raise WebError(400, "bad_parameter", f"page={text!r} is not a number") from None
    if page < 1 or page * PAGE_SIZE > 10_000:
        raise WebError(400, "page_too_deep", "no page past the 10,000th result: narrow the query")
    return page


def _api_filters(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if k in ("q", *FILTERS, "year", "since", "until")}


def _source_names(config: WatchConfig) -> dict[str, str]:
    """Source id -> name, from the watch list (ids only when it is missing or broken)."""
    from watch.errors import ConfigError
    from watch.sources import load_sources

    try:
        return (
            {s.id: s.name for s in load_sources(config.sources)} if config.sources.exists() else {}
        )
    except ConfigError:
        return {}
