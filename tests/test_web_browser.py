"""The search page in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``,
driven by Selenium) against ``llwatch serve``'s app on a local port: type a query, click a facet
and see the count change, open an article, switch the interface language, export CSV; no
console error anywhere, and the page fits a phone. Screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import io
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARTIFACTS, chromium, console_errors
from tests.digest_corpus import build
from tests.sitegen import free_port
from watch.config import WatchConfig

pytest.importorskip("uvicorn", reason="the web app's dependencies are not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from watch.web import create_app

    data_dir = tmp_path_factory.mktemp("web-page")
    sources = build(data_dir)
    config = WatchConfig.load({"WATCH_DATA_DIR": str(data_dir), "WATCH_SOURCES": str(sources)},
                              env={})  # fmt: skip
    port = free_port()
    app_server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port,
                                               log_level="error"))  # fmt: skip
    thread = threading.Thread(target=app_server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if app_server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app_server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium("--window-size=1200,1000", "--lang=en-US",
                  prefs={"intl.accept_languages": "en-US,en"}) as driver:  # fmt: skip
        yield driver


def navigate(driver: Any, action: Any) -> None:
    """Do ``action`` (a click, a key) and wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    action()

    def replaced(_: Any) -> bool:
        try:
            return bool(expected_conditions.staleness_of(old)(driver))
        except WebDriverException as exc:  # chromedriver, caught mid-navigation, says it so
            if "does not belong to the document" in str(exc):
                return True
            raise

    WebDriverWait(driver, 10).until(replaced)


def total(driver: Any) -> int:
    from selenium.webdriver.common.by import By

    return int(driver.find_element(By.CSS_SELECTOR, "h1.total").get_attribute("data-total"))


def no_console_errors(driver: Any) -> None:
    assert console_errors(driver) == []


def fits_a_phone(driver: Any, url: str, screenshot: str) -> None:
    """``url`` on a 375 px wide window: nothing wider than the screen, no console error."""
    driver.set_window_size(375, 800)
    try:
        driver.get(url)
        inner, scroll = driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]"
        )
        assert scroll <= inner
        no_console_errors(driver)
        driver.get_screenshot_as_file(str(ARTIFACTS / screenshot))
    finally:
        driver.set_window_size(1200, 1000)


def test_a_researchers_session(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/")
    no_console_errors(browser)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    everything = total(browser)
    box = browser.find_element(By.ID, "q")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=q]").text  # labelled
    navigate(browser, lambda: box.send_keys("adult", Keys.ENTER))
    adult = total(browser)
    assert 0 < adult < everything
    assert "q=adult" in browser.current_url
    # a facet filters, and the count follows
    facet = browser.find_element(By.CSS_SELECTOR, "[data-facet=lang] a")
    facet_count = int(facet.find_element(By.CSS_SELECTOR, ".count").text)
    navigate(browser, facet.click)
    assert total(browser) == facet_count
    assert "lang=" in browser.current_url
    no_console_errors(browser)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.get_screenshot_as_file(str(ARTIFACTS / "search-page.png"))
    # open an article and come back
    first = browser.find_element(By.CSS_SELECTOR, "li.hit h3 a")
    title = first.text
    navigate(browser, first.click)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(title)
    no_console_errors(browser)
    navigate(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Back to the results").click)
    assert total(browser) == facet_count
    # the interface in French, state kept
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "nav.langs a[lang=fr]").click)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "résultat" in browser.find_element(By.CSS_SELECTOR, "h1.total").text
    assert total(browser) == facet_count
    # export what was found as CSV
    href = browser.find_element(By.CSS_SELECTOR, "a.export-csv").get_attribute("href")
    with urllib.request.urlopen(href, timeout=10) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))
    assert len(rows) == facet_count


def test_the_keyboard_reaches_the_search(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/?ui=es")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)  # the skip link first
    assert browser.switch_to.active_element.get_attribute("class") == "skip"
    for _ in range(8):
        if browser.switch_to.active_element.get_attribute("id") == "q":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "q"
    box = browser.switch_to.active_element
    navigate(browser, lambda: box.send_keys("literacy", Keys.ENTER))
    assert total(browser) == 3
    assert "resultados" in browser.find_element(By.CSS_SELECTOR, "h1.total").text


def test_the_page_fits_a_phone(browser: Any, server: str) -> None:
    fits_a_phone(browser, server + "/?q=adult", "search-phone.png")


def test_no_external_resource(browser: Any, server: str) -> None:
    browser.get(server + "/?q=literacy")
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
    )
    assert set(origins) <= {server}
    assert Path(ARTIFACTS).is_dir()


def test_the_coverage_page(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/?q=literacy")
    navigate(browser, browser.find_element(By.LINK_TEXT, "Coverage").click)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Coverage by country"
    chart = browser.find_element(By.CSS_SELECTOR, "svg.regions")
    assert chart.size["width"] > 300
    assert chart.size["height"] > 100
    date_field = browser.find_element(By.NAME, "since")
    date_field.send_keys("01012020")  # Chromium's date field, typed as a person would
    navigate(browser, browser.find_element(By.CSS_SELECTOR, ".period button").click)
    assert "since=2020-01-01" in browser.current_url
    kenya = browser.find_element(By.CSS_SELECTOR, 'tr[data-code="KE"]')
    bars = kenya.find_elements(By.CSS_SELECTOR, "svg.bars rect")
    assert [bar.size["width"] > 0 for bar in bars] == [True, True]
    count = int(kenya.find_elements(By.TAG_NAME, "a")[1].text)
    navigate(browser, kenya.find_elements(By.TAG_NAME, "a")[1].click)  # articles mentioning it
    assert total(browser) == count
    no_console_errors(browser)
    fits_a_phone(browser, server + "/coverage?since=2020-01-01&ui=fr", "coverage-phone.png")
