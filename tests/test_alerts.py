"""``llwatch alerts``: what needs a person, mailed through a real SMTP server (aiosmtpd on
127.0.0.1) at most once per problem until it changes; a mail server that is away loses nothing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from watch.alerts import MailFailed, current_alerts, mail_new
from watch.config import WatchConfig
from watch.sources import load_sources
from watch.store import Store, open_store
from watch.store.base import SourceRun, SourceState

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="the test extra is not installed")

NOW = datetime.now(UTC)
WATCH_LIST = """sources:
  - id: alpha
    name: Alpha
    url: https://alpha.example/feed.xml
    country: SN
    languages: [fr]
    org_type: media
  - id: beta
    name: Beta
    url: https://beta.example/feed.xml
    country: KE
    languages: [en]
    org_type: ngo
"""


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def watch(tmp_path: Path) -> Iterator[tuple[Store, WatchConfig]]:
    (tmp_path / "feeds.yaml").write_text(WATCH_LIST, "utf-8")
    store = open_store(tmp_path / "data")
    config = WatchConfig.load({"WATCH_DATA_DIR": str(tmp_path / "data"),
                               "WATCH_SOURCES": str(tmp_path / "feeds.yaml"),
                               "WATCH_SMTP_HOST": "127.0.0.1", "WATCH_SMTP_TO": "ops@example.org, "
                               "coordination@example.org"}, env={})  # fmt: skip
    yield store, config
    store.close()


def dead(store: Store, source_id: str, error: str = "HTTP 404") -> None:
    stamp = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.state.save_source_states([SourceState(source_id, last_attempt=stamp, last_error=error,
                                                consecutive_failures=6, failure_score=3.5)])  # fmt: skip


def healthy(store: Store, source_id: str) -> None:
    stamp = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.state.save_source_states([SourceState(source_id, last_attempt=stamp, last_success=stamp)])


def finished_run(store: Store) -> None:
    run = store.state.start_run()
    store.state.finish_run(run, [SourceRun("alpha", "ok")], "finished")


def test_what_needs_a_person(watch: tuple[Store, WatchConfig]) -> None:
    store, config = watch
    sources = load_sources(config.sources)
    assert [(a.key, a.state) for a in current_alerts(store, sources, config)] == [
        ("crawl", "never")
    ]
    finished_run(store)
    dead(store, "alpha")
    found = current_alerts(store, sources, config)
    assert [(a.key, a.state) for a in found] == [("source:alpha", "dead")]
    assert "HTTP 404" in found[0].message
    later = NOW + timedelta(hours=30)  # the crawl went quiet
    assert ("crawl", "stale") in [(a.key, a.state) for a in current_alerts(store, sources, config,
                                                                          later)]  # fmt: skip
    store.state.start_run()  # a run that never closes (killed)
    assert ("crawl", "stuck") in [(a.key, a.state) for a in current_alerts(store, sources, config,
                                                                          later)]  # fmt: skip


def test_each_problem_is_mailed_once_until_it_changes(
    watch: tuple[Store, WatchConfig], smtp: tuple[Inbox, int]
) -> None:
    store, base = watch
    inbox, port = smtp
    config = WatchConfig.load({**_overrides(base), "WATCH_SMTP_PORT": port}, env={})
    sources = load_sources(config.sources)
    finished_run(store)
    dead(store, "alpha")

    def mail() -> list[str]:
        return [a.key for a in mail_new(store.db, current_alerts(store, sources, config), config)]

    assert mail() == ["source:alpha"]
    assert len(inbox.mails) == 1
    sent = inbox.mails[0]
    assert sent["To"] == "ops@example.org, coordination@example.org"
    assert "source alpha is dead" in sent.get_payload()
    assert mail() == []  # the same problem: no second mail
    dead(store, "beta", "connection refused")
    assert mail() == ["source:beta"]  # only what is new
    assert "alpha" not in inbox.mails[1].get_payload()
    healthy(store, "alpha")
    assert mail() == []  # alpha recovered: forgotten, nothing to mail
    dead(store, "alpha")
    assert mail() == ["source:alpha"]  # back again: mailed again
    assert len(inbox.mails) == 3


def test_a_mail_server_away_loses_nothing(
    watch: tuple[Store, WatchConfig], smtp: tuple[Inbox, int]
) -> None:
    store, base = watch
    inbox, port = smtp
    finished_run(store)
    dead(store, "alpha")
    sources = load_sources(base.sources)
    away = WatchConfig.load({**_overrides(base), "WATCH_SMTP_PORT": _free_port()}, env={})
    with pytest.raises(MailFailed, match="mailed next time") as caught:
        mail_new(store.db, current_alerts(store, sources, away), away)
    assert "\n" not in str(caught.value)
    back = WatchConfig.load({**_overrides(base), "WATCH_SMTP_PORT": port}, env={})
    assert [a.key for a in mail_new(store.db, current_alerts(store, sources, back), back)] == [
        "source:alpha"]  # fmt: skip
    assert len(inbox.mails) == 1


def test_the_command(watch: tuple[Store, WatchConfig], smtp: tuple[Inbox, int]) -> None:
    store, config = watch
    inbox, port = smtp
    finished_run(store)
    dead(store, "alpha")
    env = os.environ | {k: str(v) for k, v in _overrides(config).items()} | {
        "WATCH_SMTP_PORT": str(port)}  # fmt: skip
    args = [sys.executable, "-m", "watch", "alerts"]
    listed = subprocess.run([*args, "--json"], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert listed.returncode == 1  # something needs a person
    assert [json.loads(x)["key"] for x in listed.stdout.splitlines()] == ["source:alpha"]
    for expected in ("mailed 1 new problem(s)", "nothing new to mail"):
        done = subprocess.run([*args, "--mail"], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert expected in done.stderr
    assert len(inbox.mails) == 1


def _overrides(config: WatchConfig) -> dict[str, Any]:
    return {"WATCH_DATA_DIR": str(config.data_dir), "WATCH_SOURCES": str(config.sources),
            "WATCH_SMTP_HOST": config.smtp_host, "WATCH_SMTP_TO": config.smtp_to}  # fmt: skip
