"""The outbox in the local SQLite file: articles waiting for an external index are kept, once
each (newest version), with why; nothing is lost across restarts."""

from __future__ import annotations

from pathlib import Path

from watch.items import Article
from watch.store import open_store


def article(n: int, title: str = "T") -> Article:
    return Article(id=f"id{n:03d}", url=f"https://x.org/{n}", title=title, text="text")


def test_outbox_keeps_each_article_once_and_survives_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.state.outbox_put([article(1), article(2)], "connection refused")
    store.state.outbox_put([article(1, "T, revised")], "timed out")
    store.close()
    store = open_store(tmp_path)
    waiting = store.state.outbox_take()
    assert [(a.id, a.title) for a in waiting] == [("id001", "T, revised"), ("id002", "T")]
    status = store.state.outbox_status()
    assert (status["pending"], status["refused"]) == (2, 0)
    assert sorted(status["reasons"]) == [("connection refused", 1), ("timed out", 1)]
    assert status["oldest"]
    store.close()


def test_delivered_leave_refused_wait_for_a_person(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.state.outbox_put([article(n) for n in range(1, 5)], "cluster down")
    store.state.outbox_delivered(["id001", "id002"])
    store.state.outbox_attempted(["id003"], "mapper_parsing_exception: date", permanent=True)
    assert [a.id for a in store.state.outbox_take()] == ["id004"]
    assert [a.id for a in store.state.outbox_take(include_permanent=True)] == ["id003", "id004"]
    status = store.state.outbox_status()
    assert (status["pending"], status["refused"]) == (2, 1)
    assert store.state.outbox_take(limit=0) == []
    store.close()
