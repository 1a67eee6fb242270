"""Shared fixtures: the local test site (session-wide) and a runner for real crawls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.sitegen import TestSite, build_site, watch_list

ROOT = Path(__file__).resolve().parents[1]
#: The ``spawn`` fixture: starts ``python -m watch ARGS`` in the background, stderr to a log.
Spawn = Callable[..., "subprocess.Popen[bytes]"]
#: Environment of every crawl the tests start: fast throttling, short timeouts, no retries.
CRAWL_ENV = {
    "WATCH_THROTTLE_START_DELAY": "0.01",
    "WATCH_DOWNLOAD_TIMEOUT": "1.5",
    "WATCH_RETRY_TIMES": "0",
    "WATCH_CONCURRENT_PER_DOMAIN": "8",
    "WATCH_PROGRESS": "off",
}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestSite]:
    root = tmp_path_factory.mktemp("site")
    build_site(root)
    with TestSite(root) as server:
        yield server


@pytest.fixture(scope="session")
def site_sources(site: TestSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lists") / "feeds.yaml"
    path.write_text(watch_list(site), "utf-8")
    return path


@dataclass
class CrawlRun:
    """A finished ``llwatch crawl`` subprocess."""

    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    @property
    def by_source(self) -> dict[str, dict[str, Any]]:
        return {s["source_id"]: s for s in self.report["sources"]}


def llwatch(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> CrawlRun:
    """Run ``python -m watch ARGS`` in a child process, as an operator would."""
    full_env = os.environ | CRAWL_ENV | (env or {})
    done = subprocess.run(
        [sys.executable, "-m", "watch", *args],
        capture_output=True, text=True, env=full_env, cwd=ROOT, timeout=timeout, check=False,
    )  # fmt: skip
    return CrawlRun(done.returncode, done.stdout, done.stderr)


def crawl(data_dir: Path, sources: Path, *args: str, env: dict[str, str] | None = None) -> CrawlRun:
    """One real crawl with a JSON report on stdout (``env``: settings over CRAWL_ENV)."""
    return llwatch("crawl", "--data-dir", str(data_dir), "--sources", str(sources), "--format",
                   "json", *args, env=env)  # fmt: skip


#: The shared test corpora (real data written by others; read-only): ``shared/corpora`` beside
#: the repository, as on developers' machines and in CI, or LLWATCH_CORPORA.
CORPORA = Path(os.environ.get("LLWATCH_CORPORA", ROOT.parent / "shared" / "corpora"))


def start(args: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
    """``python -m watch ARGS`` in the background, its stderr to ``log``."""
    with log.open("wb") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "watch", *args], cwd=ROOT,
                                env=os.environ | CRAWL_ENV | env, stdout=subprocess.DEVNULL,
                                stderr=stderr)  # fmt: skip


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """``start``, with every process still running at the end of the test killed (a failing
    test leaves no daemon behind)."""
    started: list[subprocess.Popen[bytes]] = []

    def run(args: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
        started.append(start(args, log, **env))
        return started[-1]

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
