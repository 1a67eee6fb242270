"""``llwatch serve`` through Starlette's in-process client on a real SQLite store (the digest's
fixed corpus): the JSON API, its one error shape and bounds, the search and article pages
without JavaScript, their languages, escaping and security headers, and query fuzzing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.digest_corpus import build, by_slug
from watch.config import WatchConfig

pytest.importorskip("fastapi", reason="the web app's dependencies are not installed")
from fastapi.testclient import TestClient

from watch.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("web")
    sources = build(data_dir)
    config = WatchConfig.load({"WATCH_DATA_DIR": str(data_dir), "WATCH_SOURCES": str(sources)},
                              env={})  # fmt: skip
    with TestClient(create_app(config)) as test_client:
        yield test_client


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"status", "code", "message", "position"}
    assert body["error"]["status"] == response.status_code  # type: ignore[attr-defined]
    return body["error"]  # type: ignore[no-any-return]


# --- the API -----------------------------------------------------------------------------------


def test_search(client: TestClient) -> None:
    found = client.get("/api/search", params={"q": "literacy", "facets": "true"}).json()
    assert found["total"] == 3  # the Nairobi story, from three sources
    assert {h["title"][:10] for h in found["hits"]} >= {"Forty coun", "Nairobi pl"}
    hit = found["hits"][0]
    assert set(hit) >= {"id", "url", "title", "language", "date", "snippet", "topics",
                        "countries", "cluster_id", "cluster_size", "source_name"}  # fmt: skip
    assert "[" in hit["snippet"]  # matches marked
    assert {f["value"]: f["count"] for f in found["facets"]["country"]}["KE"] == 3
    french = client.get("/api/search", params={"q": "alphabétisation", "lang": "fr"}).json()
    assert [h["language"] for h in french["hits"]] == ["fr"]
    assert client.get("/api/search", params={"country": "US"}).json()["total"] == 8


def test_search_pages_and_sort(client: TestClient) -> None:
    everything = client.get("/api/search", params={"sort": "date", "size": 100}).json()
    assert everything["total"] == 21
    dates = [h["date"] for h in everything["hits"]]
    assert dates == sorted(dates, reverse=True)
    pages = [client.get("/api/search", params={"sort": "date", "size": 8, "page": p}).json()
             for p in (1, 2, 3)]  # fmt: skip
    assert [h["id"] for p in pages for h in p["hits"]] == [h["id"] for h in everything["hits"]]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": "literacy ("}, 400, "bad_query"),
        ({"q": "x" * 501}, 400, "query_too_long"),
        ({"lang": "fr OR topic:x"}, 400, "bad_filter"),
        ({"since": "yesterday"}, 400, "bad_filter"),
        ({"size": "101"}, 400, "bad_parameter"),
        ({"page": "0"}, 400, "bad_parameter"),
        ({"page": "1000", "size": "20"}, 400, "page_too_deep"),
        ({"sort": "random"}, 400, "bad_parameter"),
    ],
)
def test_bad_searches_are_4xx_in_one_shape(
    client: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_a_query_error_gives_its_position(client: TestClient) -> None:
    error = error_of(client.get("/api/search", params={"q": 'adult "literacy'}))
    assert error["position"] == 6
    assert "position 7" in str(error["message"])


def test_article(client: TestClient) -> None:
    wanted = by_slug("dakar-alpha")
    got = client.get(f"/api/articles/{wanted.id}").json()
    assert (got["title"], got["language"], got["countries"]) == (wanted.title, "fr", ["SN"])
    assert error_of(client.get("/api/articles/" + "0" * 32))["code"] == "not_found"
    assert client.get("/api/articles/../../etc/passwd").status_code == 404


def test_trends(client: TestClient) -> None:
    found = client.get("/api/trends", params={"q": "literacy", "interval": "day"}).json()
    assert found["periods"][0] == "2026-11-17"
    assert sum(found["series"][""]) == 3
    assert len(found["all"]) == len(found["periods"])
    shares = found["normalised"][""]
    assert all(0 <= s <= 1 for s in shares)
    assert shares[0] == pytest.approx(found["series"][""][0] / found["all"][0])
    by_language = client.get("/api/trends", params={"by": "language", "interval": "month"}).json()
    assert by_language["periods"] == ["2026-11-01"]
    assert by_language["series"]["en"] == [18]  # 21 articles, one each in fr, es, ar
    assert client.get("/api/trends", params={"interval": "hour"}).status_code == 400


def test_export_streams_the_whole_result_set(client: TestClient) -> None:
    response = client.get("/api/export", params={"q": "literacy", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3
    assert json.loads(rows[0]["countries"]) == ["KE"]
    lines = client.get("/api/export", params={"format": "jsonl"}).text.splitlines()
    assert len(lines) == 21
    assert {json.loads(line)["id"] for line in lines} == {
        h["id"] for h in client.get("/api/search", params={"size": 100}).json()["hits"]}  # fmt: skip


def test_sources_and_digest(client: TestClient) -> None:
    sources = client.get("/api/sources").json()
    assert {s["id"] for s in sources} >= {"unesco-news", "hostile"}
    assert "state" in sources[0]["health"]
    digest = client.get("/api/digest", params={"week": "2026-W47", "ui": "fr"}).json()
    assert digest["sections"][0]["title"] == "Afrique"
    html = client.get("/api/digest", params={"week": "2026-W47", "format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    csp = html.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in csp  # an email's inline styles show
    assert "script-src" not in csp
    assert "default-src 'none'" in csp
    assert error_of(client.get("/api/digest", params={"week": "2026-W99"}))["code"] == "bad_request"


def test_read_only_and_headers(client: TestClient) -> None:
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/search")
        assert response.status_code == 405
        assert error_of(response)["code"] == "method_not_allowed"
    assert client.head("/api/search").status_code == 200
    response = client.get("/api/search")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # no script at all
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/search?q=" + "a" * 5000).status_code == 414
    assert error_of(client.get("/api/nowhere"))["code"] == "not_found"


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/api/search", "/api/articles/{article_id}", "/api/trends",
                                  "/api/export", "/api/sources", "/api/digest",
                                  "/api/coverage"}  # fmt: skip
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params >= {"q", "lang", "topic", "country", "source", "since", "until", "sort", "page",
                      "size", "facets"}  # fmt: skip


# --- the pages ---------------------------------------------------------------------------------


def test_the_search_page_without_javascript(client: TestClient) -> None:
    page = client.get("/", params={"q": "literacy"})
    assert page.status_code == 200
    html = page.text
    assert "<script" not in html
    assert 'data-total="3"' in html
    assert "<mark>" in html
    assert 'data-facet="country"' in html
    assert "/api/export?q=literacy&amp;format=csv" in html
    assert '<svg class="trend"' in html
    filtered = client.get("/", params={"q": "literacy", "country": "KE", "source": "daily-nation"})
    assert 'data-total="1"' in filtered.text


def test_hostile_content_is_escaped_on_the_page(client: TestClient) -> None:
    html = client.get("/", params={"source": "hostile"}).text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<script" not in html
    assert "<img" not in html
    assert "javascript:" not in html
    hostile = by_slug("script")
    article = client.get(f"/articles/{hostile.id}").text
    assert "<script" not in article
    assert "javascript:" not in article


def test_interface_languages(client: TestClient) -> None:
    assert (
        '<html lang="fr">' in client.get("/", headers={"Accept-Language": "fr-CH, en;q=0.5"}).text
    )
    assert '<html lang="es">' in client.get("/", params={"ui": "es"},
                                             headers={"Accept-Language": "fr"}).text  # fmt: skip
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "de, ja"}).text
    french = client.get("/", params={"q": "literacy", "ui": "fr"}).text
    assert "3 résultats" in french
    assert "Pays cité" in french


def test_query_errors_on_the_page(client: TestClient) -> None:
    page = client.get("/", params={"q": "literacy ("})
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert "unclosed" in page.text
    missing = client.get("/articles/" + "0" * 32)
    assert missing.status_code == 404
    assert "No such article." in missing.text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(max_size=80), lang=st.one_of(st.none(), st.text(max_size=12)))
def test_fuzzed_queries_never_fail_the_server(client: TestClient, q: str, lang: str | None) -> None:
    params = {"q": q} | ({"lang": lang} if lang is not None else {})
    for path in ("/api/search", "/api/trends", "/"):
        response = client.get(path, params=params)
        assert response.status_code in (200, 400, 414), (path, params, response.text[:200])
