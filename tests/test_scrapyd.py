"""Several crawl servers through Scrapyd: a real ``scrapyd`` (from PyPI) on 127.0.0.1, the
project deployed with ``scrapyd-deploy`` (its egg built from setup.py + pyproject.toml, data
files read from inside the zip), jobs scheduled over the local test site with the spider's
arguments (``sources``, ``force``, ``shard``), their articles found in the store; a job with a
bad argument ends with a one-line reason in its log and a closed run record."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CRAWL_ENV, ROOT, crawl
from watch.sources import Shard

pytest.importorskip("scrapyd", reason="the test extra (scrapyd) is not installed")
pytest.importorskip("scrapyd_client", reason="the test extra (scrapyd-client) is not installed")

PROJECT_FILES = ("watch", "spiders", "pipelines", "setup.py", "pyproject.toml", "scrapy.cfg",
                 "README.md")  # fmt: skip


@dataclass
class Scrapyd:
    url: str
    logs: Path

    def call(self, endpoint: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        with urllib.request.urlopen(f"{self.url}{endpoint}", data=body, timeout=30) as answer:
            return json.loads(answer.read())

    def wait(self, job: str, timeout: float = 240) -> dict[str, Any]:
        """The finished job's record (listjobs.json)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.call("listjobs.json?project=llwatch")
            for done in jobs["finished"]:
                if done["id"] == job:
                    return done
            time.sleep(0.5)
        raise AssertionError(f"job {job} did not finish: {jobs}")

    def log(self, job: str) -> str:
        return (self.logs / "llwatch" / "feeds" / f"{job}.log").read_text("utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    """scrapyd on a free port of 127.0.0.1, the project deployed to it."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\nitems_dir =\npoll_interval = 0.3\nmax_proc = 2\n",
        "utf-8",
    )
    env = os.environ | CRAWL_ENV
    output = (home / "scrapyd.out").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=env,
                              stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    service = Scrapyd(f"http://127.0.0.1:{port}/", home / "logs")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert service.call("daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    said = (home / "scrapyd.out").read_text("utf-8", "replace")
                    raise AssertionError(f"scrapyd did not start: {said[-2000:]}") from None
                time.sleep(0.3)
        project = tmp_path_factory.mktemp("project")  # build/ and egg-info land there
        for name in PROJECT_FILES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, project / name,
                                ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
            else:
                shutil.copy(source, project / name)
        deploy = subprocess.run(
            [str(Path(sys.executable).parent / "scrapyd-deploy"), "cluster", "-p", "llwatch"],
            cwd=project, env=env | {"LLWATCH_SCRAPYD_URL": service.url},
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert '"status": "ok"' in deploy.stdout, deploy.stdout
        yield service
    finally:
        server.terminate()
        server.wait(timeout=30)
        output.close()


def _schedule(service: Scrapyd, data_dir: Path, **arguments: str) -> str:
    answer = service.call("schedule.json", {
        "project": "llwatch", "spider": "feeds",
        "setting": [f"WATCH_DATA_DIR={data_dir}"], **arguments,
    })  # fmt: skip
    assert answer["status"] == "ok", answer
    return str(answer["jobid"])


def _store(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"{(data_dir / 'watch.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_spiders_are_deployed(scrapyd: Scrapyd) -> None:
    assert scrapyd.call("listprojects.json")["projects"] == ["llwatch"]
    assert scrapyd.call("listspiders.json?project=llwatch")["spiders"] == ["feeds"]
    eggs = list((scrapyd.logs.parent / "eggs" / "llwatch").glob("*.egg"))
    assert len(eggs) == 1
    check = ("import sys; sys.path.insert(0, sys.argv[1]); import watch, watch.settings; "
             "from watch.taxonomy import default_taxonomy; from watch.countries import find_countries; "
             "from watch.translingual import Expander; from watch.query import parse; "
             "assert watch.__file__.startswith(sys.argv[1]), watch.__file__; "
             "assert len(default_taxonomy().topics) > 10; "
             "assert find_countries('Adult literacy in Senegal'); "
             "assert Expander().expand(parse('literacy')) != parse('literacy')")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", check, str(eggs[0])], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr  # the egg's code reads its data inside the zip


def test_a_job_stores_what_llwatch_crawl_stores(
    scrapyd: Scrapyd, site_sources: Path, tmp_path: Path
) -> None:
    job = _schedule(scrapyd, tmp_path / "node", sources=str(site_sources), force="1")
    scrapyd.wait(job)
    assert "Spider error" not in scrapyd.log(job), scrapyd.log(job)[-3000:]
    run = crawl(tmp_path / "alone", site_sources)
    assert run.code in (0, 1), run.stderr
    # two crawls of the same site on a busy machine may differ where a source timed out or an
    # article page failed in one of them: compare the sources that went through cleanly in both
    clean_sql = ("SELECT source_id FROM run_sources"
                 " WHERE status = 'ok' AND failed = 0 AND fallback = 0")  # fmt: skip
    polled = {r[0] for r in _store(tmp_path / "node", "SELECT source_id FROM run_sources")}
    clean = {r[0] for r in _store(tmp_path / "node", clean_sql)}
    clean &= {r[0] for r in _store(tmp_path / "alone", clean_sql)}
    assert len(clean) >= len(polled) // 2 > 0, (clean, polled)
    # the same text at two URLs is one article, stored under whichever came first (its id,
    # URL and title): compare the texts (their hashes, with their counts), leaving out any text
    # either run stored under a source that did not go through cleanly
    sql = "SELECT source_id, content_hash FROM articles"
    stored = {name: _store(tmp_path / name, sql) for name in ("node", "alone")}
    unsure = {text for rows in stored.values() for source, text in rows if source not in clean}
    through_scrapyd, alone = (Counter(text for _, text in stored[name] if text not in unsure)
                              for name in ("node", "alone"))  # fmt: skip
    assert through_scrapyd
    assert through_scrapyd == alone
    runs = _store(tmp_path / "node", "SELECT status, finished_at FROM runs")
    assert len(runs) == 1, runs
    assert runs[0][1], runs  # the run record is closed


def test_two_nodes_split_the_list(scrapyd: Scrapyd, site_sources: Path, tmp_path: Path) -> None:
    jobs = {k: _schedule(scrapyd, tmp_path / f"node{k}", sources=str(site_sources), force="1",
                         shard=f"{k}/2") for k in (1, 2)}  # fmt: skip
    polled = {}
    for k, job in jobs.items():
        scrapyd.wait(job)
        rows = _store(tmp_path / f"node{k}", "SELECT source_id FROM run_sources")
        polled[k] = {r[0] for r in rows}
        assert polled[k], scrapyd.log(job)[-3000:]
        assert all(Shard(k, 2).holds(source_id) for source_id in polled[k])
    assert polled[1].isdisjoint(polled[2])


def test_a_failing_job_says_why_and_leaves_a_safe_store(
    scrapyd: Scrapyd, site_sources: Path, tmp_path: Path
) -> None:
    job = _schedule(scrapyd, tmp_path / "node", sources=str(site_sources), shard="5/4")
    scrapyd.wait(job)
    log = scrapyd.log(job)
    assert "--shard '5/4': K must be from 1 to N" in log
    assert _store(tmp_path / "node", "SELECT count(*) FROM articles") == [(0,)]
    runs = _store(tmp_path / "node", "SELECT status, finished_at FROM runs")
    assert len(runs) == 1, runs
    assert runs[0][1], runs
