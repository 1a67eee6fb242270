"""The coverage report on the web: ``/api/coverage`` (JSON and CSV) and the ``/coverage`` page
(its regions' chart, a table per region with the gaps first, links to the articles behind each
number), for the configured delegate countries (WATCH_COUNTRIES) or the UN members; bad dates
and a broken country list said in one line."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import llwatch
from tests.test_coverage import ARTICLES as COVERAGE_ARTICLES
from tests.test_store_contract import article
from watch.config import WatchConfig
from watch.store import open_store

pytest.importorskip("fastapi", reason="the web app's dependencies are not installed")
from fastapi.testclient import TestClient

from watch.web import create_app

PERIOD = {"since": "2026-03-01", "until": "2026-03-31"}
ARTICLES = [
    *COVERAGE_ARTICLES,
    article(5, "Adult education in Senegal", "Again.", source_country="SN", countries=["SN"],
            published_at="2026-03-31T23:00:00Z"),  # the last day counts
]  # fmt: skip
DELEGATES = "# our delegates\nSenegal\nML\nBrasil\nColombia\nFrance\n"


def _client(tmp_path: Path, countries: str = "") -> TestClient:
    data_dir = tmp_path / "data"
    if not data_dir.exists():
        store = open_store(data_dir)
        store.articles.upsert(ARTICLES)
        store.close()
    config = WatchConfig.load({"WATCH_DATA_DIR": str(data_dir), "WATCH_COUNTRIES": countries,
                               "WATCH_SOURCES": str(tmp_path / "none.yaml")}, env={})  # fmt: skip
    return TestClient(create_app(config))


@pytest.fixture
def delegates(tmp_path: Path) -> Iterator[TestClient]:
    listed = tmp_path / "delegates.txt"
    listed.write_text(DELEGATES, "utf-8")
    with _client(tmp_path, str(listed)) as client:
        yield client


def test_the_api_counts_the_delegate_countries(delegates: TestClient) -> None:
    report = delegates.get("/api/coverage", params=PERIOD).json()
    assert (report["since"], report["until"], report["countries"]) == (
        "2026-03-01",
        "2026-03-31",
        5,
    )
    rows = {r["code"]: (r["from_sources"], r["mentioned"], r["covered"]) for r in report["rows"]}
    assert rows == {"SN": (2, 3, True), "ML": (0, 2, True), "FR": (2, 1, True),
                    "BR": (0, 0, False), "CO": (0, 0, False)}  # fmt: skip
    assert report["uncovered"] == ["BR", "CO"]  # gaps first, by name
    assert report["covered"] == 3
    un = delegates.get("/api/coverage", params=PERIOD | {"countries": "un"}).json()
    assert un["countries"] == 193
    assert un["covered"] == 3
    wider = delegates.get("/api/coverage", params={"since": "2025-01-01", "until": "2026-12-31"})
    assert wider.json()["uncovered"] == ["BR"]


def test_the_api_gives_csv(delegates: TestClient) -> None:
    response = delegates.get("/api/coverage", params=PERIOD | {"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "llwatch-coverage-2026-03-01-2026-03-31.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["code"], r["from_sources"], r["mentioned"], r["covered"]) for r in rows] == [
        ("BR", "0", "0", "no"), ("CO", "0", "0", "no"), ("ML", "0", "2", "yes"),
        ("FR", "2", "1", "yes"), ("SN", "2", "3", "yes")]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2026-13-01"}, "since='2026-13-01': write a day as YYYY-MM-DD"),
        ({"until": "yesterday"}, "until='yesterday': write a day as YYYY-MM-DD"),
        ({"since": "2026-04-01", "until": "2026-03-01"}, "is after until=2026-03-01: swap them"),
        ({"countries": "mine"}, "countries"),
        ({"format": "xlsx"}, "format"),
    ],
)
def test_bad_requests_are_400_in_one_line(
    delegates: TestClient, params: dict[str, str], message: str
) -> None:
    response = delegates.get("/api/coverage", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_parameter"
    assert message in error["message"]
    assert "\n" not in error["message"]


def test_the_page_shows_the_gaps_and_a_chart_per_region(delegates: TestClient) -> None:
    page = delegates.get("/coverage", params=PERIOD)
    assert page.status_code == 200
    html = page.text
    assert "<script" not in html
    assert 'data-uncovered="2"' in html
    assert "3 of 5 countries covered; 2 with no article." in html
    assert re.search(r"<h2 id=\"gaps-title\">No article \(2\)</h2>\s*<p>Brazil, Colombia</p>", html)
    assert '<svg class="regions"' in html
    assert "Africa 2/2; Europe and North America 1/1; Latin America and the Caribbean 0/2" in html
    africa = html[html.index('data-region="africa"') : html.index('data-region="europe')]
    assert africa.index('data-code="ML"') < africa.index('data-code="SN"')  # fewer first
    assert html.count('class="gap"') == 2
    assert html.count('<svg class="bars"') == 3  # a covered country has its bars
    assert '<option value="configured" selected>' in html  # a list is configured: a choice


def test_a_number_opens_its_articles(delegates: TestClient) -> None:
    html = delegates.get("/coverage", params=PERIOD).text
    row = html[html.index('data-code="SN"') :]
    own, mentioned = re.findall(r'<a href="([^"]+)">(\d+)</a>', row)[:2]
    assert own[1] == "2"
    assert mentioned[1] == "3"
    for href, count in (own, mentioned):
        search = delegates.get(href.replace("&amp;", "&"))
        assert search.status_code == 200
        assert f'data-total="{count}"' in search.text, href
        assert "From: 2026-03-01" in search.text  # the period is a filter chip on the page


def test_the_page_in_french_and_spanish(delegates: TestClient) -> None:
    french = delegates.get("/coverage", params=PERIOD | {"ui": "fr"}).text
    assert '<html lang="fr">' in french
    assert "3 pays couverts sur 5 ; 2 sans aucun article." in french
    assert "Brésil, Colombie" in french
    spanish = delegates.get("/coverage", params=PERIOD,
                            headers={"Accept-Language": "es-MX"}).text  # fmt: skip
    assert "3 de 5 países cubiertos; 2 sin ningún artículo." in spanish
    assert "América Latina y el Caribe" in spanish


def test_the_page_says_what_is_wrong(delegates: TestClient) -> None:
    page = delegates.get("/coverage", params={"since": "2026-04-01", "until": "2026-03-01"})
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert "swap them" in page.text
    assert 'value="2026-04-01"' in page.text  # the form keeps what was typed


def test_without_a_list_the_un_members(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        html = client.get("/coverage", params=PERIOD).text
        assert "3 of 193 countries covered; 190 with no article." in html
        assert "<select" not in html  # nothing to choose from
        assert client.get("/").text.count('href="/coverage?ui=en"') == 1  # linked from every page


def test_a_broken_country_list(tmp_path: Path) -> None:
    listed = tmp_path / "delegates.txt"
    listed.write_text("Senegal\nAtlantis\n", "utf-8")
    with _client(tmp_path, str(listed)) as client:
        response = client.get("/api/coverage")
        assert response.status_code == 500
        assert response.json()["error"]["message"] == (
            f"WATCH_COUNTRIES: {listed}:2: unknown country 'Atlantis' — write an ISO code (SN) "
            "or a country name (Senegal)")  # fmt: skip
        assert client.get("/api/coverage", params={"countries": "un"}).status_code == 200
        page = client.get("/coverage")
        assert page.status_code == 500
        assert "Atlantis" in page.text
    served = llwatch("serve", "--data-dir", str(tmp_path / "data"), "--port", "1",
                     env={"WATCH_COUNTRIES": str(listed)})  # fmt: skip
    assert served.code == 2, served.stderr
    assert f"{listed}:2: unknown country 'Atlantis'" in served.stderr
    assert len(served.stderr.strip().splitlines()) == 1


def test_bar_lengths_are_logarithmic() -> None:
    from watch.web.chart import BAR_WIDTH, bar_length

    assert bar_length(0, 500) == 0.0
    assert bar_length(500, 500) == BAR_WIDTH
    assert 2.0 <= bar_length(1, 5000) < bar_length(10, 5000) < bar_length(100, 5000) < BAR_WIDTH
    assert bar_length(10, 100) == pytest.approx(BAR_WIDTH * 0.52, abs=0.5)  # log 11 / log 101
