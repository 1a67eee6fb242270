"""``llwatch schedule``: systemd units that systemd itself accepts, crontab lines whose command
really crawls (JSON log lines appended to the log file) and exits 75 while another crawl runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CRAWL_ENV, llwatch
from watch.crawl import crawl_lock
from watch.errors import ConfigError
from watch.schedule import parse_every


@pytest.mark.parametrize(("text", "minutes"), [("15min", 15), ("5", 5), ("1h", 60), ("6h", 360),
                                               ("24h", 1440), (" 30MIN ", 30)])  # fmt: skip
def test_intervals(text: str, minutes: int) -> None:
    assert parse_every(text) == minutes


@pytest.mark.parametrize("text", ["7min", "0", "2", "90min", "5h", "48h", "soon", "-15min", ""])
def test_bad_intervals_are_one_line(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_every(text)
    assert "\n" not in str(caught.value)
    assert f"--every {text!r}" in str(caught.value)


def test_systemd_units_are_valid(tmp_path: Path, site_sources: Path) -> None:
    out = tmp_path / "units"
    data_dir = tmp_path / "data"
    done = llwatch("schedule", "--systemd", "--data-dir", str(data_dir), "--sources",
                   str(site_sources), "--every", "30min", "--out", str(out),
                   "--metrics-file", str(tmp_path / "llwatch.prom"))  # fmt: skip
    assert done.code == 0, done.stderr
    service = (out / "llwatch-crawl.service").read_text("utf-8")
    timer = (out / "llwatch-crawl.timer").read_text("utf-8")
    assert f"--data-dir {data_dir}" in service
    assert str(data_dir / "log" / "crawl.log") in service
    assert "SuccessExitStatus=1 75" in service
    assert "OnCalendar=*-*-* *:00/30:00" in timer
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units' syntax is not checked here")
    check = subprocess.run([analyze, "verify", "--man=no", str(out / "llwatch-crawl.service"),
                            str(out / "llwatch-crawl.timer")],
                           capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    problems = [line for line in (check.stdout + check.stderr).splitlines()
                if "llwatch-crawl" in line]  # fmt: skip
    assert not problems, check.stdout + check.stderr
    calendar = subprocess.run([analyze, "calendar", "*-*-* *:00/30:00"], capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
    assert calendar.returncode == 0, calendar.stderr


def test_the_cron_line_crawls_and_never_overlaps(tmp_path: Path, site_sources: Path) -> None:
    data_dir = tmp_path / "data"
    done = llwatch("schedule", "--cron", "--data-dir", str(data_dir), "--sources",
                   str(site_sources), "--every", "1h")  # fmt: skip
    assert done.code == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x and not x.startswith(("#", "SHELL")))
    fields = line.split(None, 5)
    assert fields[:5] == ["0", "*", "*", "*", "*"]
    env = os.environ | CRAWL_ENV
    run = subprocess.run(["/bin/sh", "-c", fields[5]], env=env, capture_output=True, text=True,
                         timeout=300, check=False)  # fmt: skip
    assert run.returncode in (0, 1), run.stderr
    logged = (data_dir / "log" / "crawl.log").read_text("utf-8").splitlines()
    records = [json.loads(x) for x in logged]
    assert any(r.get("run_id") == 1 for r in records)  # the report, after the JSON log lines
    assert (data_dir / "watch.sqlite3").exists()
    with crawl_lock(data_dir):
        again = subprocess.run(["/bin/sh", "-c", fields[5]], env=env, capture_output=True,
                               text=True, timeout=120, check=False)  # fmt: skip
    assert again.returncode == 75
    assert "another crawl is running" in (data_dir / "log" / "crawl.log").read_text("utf-8")


def test_schedule_needs_a_kind(tmp_path: Path) -> None:
    done = llwatch("schedule", "--data-dir", str(tmp_path))
    assert done.code == 2
    assert "--systemd or --cron" in done.stderr
