"""``llwatch backup`` / ``restore``: a consistent copy while a crawl writes, checked; a restore
that keeps the store it replaces; bad copies and a running crawl refused in one line."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from tests.conftest import llwatch
from tests.test_columns import generated
from watch.backup import backup, check_store, restore
from watch.crawl import crawl_lock
from watch.errors import ConfigError, CrawlLocked
from watch.query import parse
from watch.store import open_store


def count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def test_backup_while_a_writer_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    store.articles.upsert(generated(300, seed=1))
    stop = threading.Event()

    def write() -> None:  # another connection, as a crawl
        writer = open_store(data)
        start = 1000
        while not stop.is_set():
            writer.articles.upsert(generated(40, seed=start, start=start))
            start += 40
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [backup(data, tmp_path / f"copy{i}.sqlite3") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    final = count(data / "watch.sqlite3")
    for done in copies:
        assert 300 <= done.articles <= final
        assert count(done.path) == done.articles
        conn = sqlite3.connect(done.path)
        assert check_store(conn) == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        conn.close()
        assert not Path(f"{done.path}-wal").exists()
    store.close()


def test_backup_never_overwrites_and_names_a_file_in_a_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_store(data).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    first = backup(data, folder)
    assert first.path.parent == folder
    assert first.path.name.startswith("watch-")
    with pytest.raises(ConfigError, match="already exists"):
        backup(data, first.path)
    with pytest.raises(ConfigError, match="no such folder"):
        backup(data, tmp_path / "nowhere" / "x.sqlite3")
    assert sorted(p.name for p in folder.iterdir()) == [first.path.name]  # no .part left


def test_restore_keeps_what_it_replaces(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    store.articles.upsert(generated(120, seed=4))
    store.close()
    saved = backup(data, tmp_path / "saved.sqlite3")
    store = open_store(data)
    store.articles.upsert(generated(50, seed=5, start=500))  # collected after the backup
    store.close()
    done = restore(saved.path, data)
    assert done.articles == 120
    assert done.aside is not None
    assert count(done.aside) == 170  # the newer articles are not lost
    again = open_store(data, readonly=True)
    assert again.articles.count() == 120
    assert again.articles.search(parse("literacy")).total > 0
    again.close()


def test_restore_refuses_bad_copies_and_a_running_crawl(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_store(data).close()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="not an llwatch store"):
        restore(junk, data)
    with pytest.raises(ConfigError, match="no such file"):
        restore(tmp_path / "missing.sqlite3", data)
    newer = tmp_path / "newer.sqlite3"
    backup(data, newer)
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(ConfigError, match="newer than this llwatch"):
        restore(newer, data)
    good = backup(data, tmp_path / "good.sqlite3")
    with crawl_lock(data), pytest.raises(CrawlLocked):
        restore(good.path, data)


def test_the_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    store.articles.upsert(generated(30, seed=6))
    store.close()
    made = llwatch("backup", "--data-dir", str(data), str(tmp_path / "b.sqlite3"))
    assert made.code == 0, made.stderr
    assert "30 articles" in made.stdout
    again = llwatch("backup", "--data-dir", str(data), str(tmp_path / "b.sqlite3"))
    assert again.code == 2
    assert again.stderr.count("\n") == 1
    back = llwatch("restore", "--data-dir", str(data), str(tmp_path / "b.sqlite3"))
    assert back.code == 0, back.stderr
    assert "the previous store is kept as" in back.stdout


def test_a_damaged_copy_is_refused(tmp_path: Path) -> None:
    """A real NULL where the schema forbids it (written with the checks off) is reported."""
    data = tmp_path / "data"
    store = open_store(data)
    store.articles.upsert(generated(20, seed=8))
    store.close()
    copy = backup(data, tmp_path / "copy.sqlite3").path
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'started_at TEXT NOT NULL', "
                 "'started_at TEXT') WHERE name = 'runs'")  # fmt: skip
    conn.commit()
    conn.close()
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO runs(started_at) VALUES (NULL)")
    conn.commit()
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'started_at TEXT', "
                 "'started_at TEXT NOT NULL') WHERE name = 'runs'")  # fmt: skip
    conn.commit()
    conn.close()
    with pytest.raises(ConfigError, match="damaged"):
        restore(copy, tmp_path / "elsewhere")
