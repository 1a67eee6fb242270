"""The HTML digest in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
which .ci/run installs): no console errors, no script of the crawled content runs, the layout
holds at email width and on a phone, right-to-left titles run right to left. A screenshot is
kept as a test artefact (``test-artifacts/digest-*.png``, or under $LLWATCH_ARTIFACTS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARTIFACTS, chromium, console_errors
from tests.digest_corpus import WEEK, build
from watch.digest import DigestOptions, build_digest, parse_period
from watch.digest_render import render
from watch.sources import load_sources
from watch.store import open_store
from watch.taxonomy import default_taxonomy


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium("--hide-scrollbars", "--window-size=800,1200") as driver:
        yield driver


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The digest of the fixed corpus (hostile items included) as an HTML file; with its
    number of picks and sections."""
    data_dir = tmp_path_factory.mktemp("digest-page")
    build(data_dir)
    store = open_store(data_dir)
    try:
        digest = build_digest(store, load_sources(data_dir / "feeds.yaml"),
                              DigestOptions(parse_period(WEEK, None, None), per_section=10),
                              default_taxonomy())  # fmt: skip
    finally:
        store.close()
    path = data_dir / "digest.html"
    path.write_text(render(digest, "html", "fr", explain=True), "utf-8")
    return path, len(digest.picks), len(digest.sections)


def test_the_digest_in_chromium(browser: Any, page: tuple[Path, int, int]) -> None:
    path, picks, sections = page
    browser.set_window_size(800, 1200)
    browser.get(path.as_uri())
    assert console_errors(browser) == []
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return document.images.length") == 0
    layout = browser.execute_script(
        """
        const table = document.getElementById('digest').getBoundingClientRect();
        const cells = [...document.querySelectorAll('td.pick')].map(td => {
            const r = td.getBoundingClientRect();
            return {left: r.left, right: r.right, height: r.height};
        });
        return {width: table.width, left: table.left, right: table.right, cells: cells,
                headings: document.querySelectorAll('h2').length,
                links: [...document.links].map(a => a.protocol)};
        """
    )
    assert layout["width"] <= 600
    assert len(layout["cells"]) == picks
    assert layout["headings"] == sections
    for cell in layout["cells"]:
        assert layout["left"] - 1 <= cell["left"]
        assert cell["right"] <= layout["right"] + 1
        assert cell["height"] > 20
    assert set(layout["links"]) == {"https:"}
    rtl = browser.execute_script(
        "return [...document.querySelectorAll('span[lang=ar]')]"
        ".map(e => getComputedStyle(e).direction + ':' + e.matches(':dir(rtl)'))"
    )
    assert rtl == ["rtl:true"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "digest-email.png"
    browser.get_screenshot_as_file(str(shot))
    assert shot.stat().st_size > 10_000


def test_the_digest_on_a_phone(browser: Any, page: tuple[Path, int, int]) -> None:
    path, _, _ = page
    browser.set_window_size(375, 800)
    browser.get(path.as_uri())
    assert console_errors(browser) == []
    inner, scroll = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]"
    )
    assert scroll <= inner, "the digest is wider than a phone's screen"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.get_screenshot_as_file(str(ARTIFACTS / "digest-phone.png"))
