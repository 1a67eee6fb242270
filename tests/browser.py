"""Headless Chromium for the page tests: Debian's ``chromium`` and ``chromium-driver`` (which
.ci/run installs), driven by Selenium, with the browser console recorded; and where the tests
keep their screenshots (``test-artifacts/``, or $LLWATCH_ARTIFACTS)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("LLWATCH_ARTIFACTS", ROOT / "test-artifacts"))


def _chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver are missing: .ci/run installs them (apt-get)")
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)")


@contextlib.contextmanager
def chromium(*flags: str, prefs: dict[str, Any] | None = None) -> Iterator[Any]:
    """A headless Chromium WebDriver (skipped where none is installed, failed in CI)."""
    binary, driver_path = _chromium()
    pytest.importorskip("selenium", reason="selenium is in the test extra")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 *flags):  # fmt: skip
        options.add_argument(flag)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
