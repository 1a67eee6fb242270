"""``llwatch index init|migrate|status|sync`` through the CLI, against the stand-in node (index
administration) and with a cluster that is down (the outbox tells what waits)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from tests.esnode import FakeNode
from tests.sitegen import free_port
from watch.cli import cli
from watch.items import Article
from watch.store import open_store


def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="llwatch", env=env,
                                catch_exceptions=False)  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def node() -> Iterator[FakeNode]:
    with FakeNode() as fake:
        yield fake


def test_init_then_status(node: FakeNode, tmp_path: Path) -> None:
    env = {"WATCH_ES_URL": node.url, "WATCH_DATA_DIR": str(tmp_path)}
    code, out, err = run("index", "init", env=env)
    assert (code, out) == (0, "created llwatch-articles-v1 with llwatch-articles pointing at it\n")
    code, out, err = run("index", "status", "--json", env=env)
    report = json.loads(out)
    assert code == 0, err
    assert report["index"]["index"] == "llwatch-articles-v1"
    assert report["outbox"]["pending"] == 0
    assert report["problems"] == []


def test_status_with_the_cluster_down_tells_what_waits(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.state.outbox_put([Article(id="a1", url="https://x.org/1", title="T")], "cluster down")
    store.close()
    env = {"WATCH_ES_URL": f"http://127.0.0.1:{free_port()}", "WATCH_DATA_DIR": str(tmp_path)}
    code, out, err = run("index", "status", env=env)
    assert code == 1
    assert "outbox: 1 waiting (0 refused)" in out
    assert "1 × cluster down" in out
    assert "problem: cannot reach Elasticsearch at" in err
    code, out, err = run("index", "sync", env=env)
    assert code == 2
    assert err.startswith("llwatch: error: cannot reach Elasticsearch at")


def test_without_a_cluster_configured(tmp_path: Path) -> None:
    code, _, err = run("index", "init", env={"WATCH_DATA_DIR": str(tmp_path), "WATCH_ES_URL": ""})
    assert code == 2
    assert "WATCH_ES_URL is not set" in err
