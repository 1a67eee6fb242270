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


def systemd_argv(line: str) -> list[str]:
    """An Exec line's argv as systemd reads it (its quoting rules, the subset the units use):
    words split at blanks, "double-quoted" with C escapes, %% and $$ for % and $."""
    words, word, quoted, i, started = [], "", False, 0, False
    while i < len(line):
        char = line[i]
        if char == '"':
            quoted, started = not quoted, True
        elif char == "\\" and quoted:
            i += 1
            word += {"n": "\n", "t": "\t"}.get(line[i], line[i])
        elif char in "%$" and line[i + 1 : i + 2] == char:
            word, i = word + char, i + 1
        elif char in "%$":
            raise AssertionError(f"a lone {char} would be expanded by systemd: {line}")
        elif char in " \t" and not quoted:
            if started or word:
                words.append(word)
            word, started = "", False
        else:
            word += char
        i += 1
    assert not quoted, line
    return [*words, word] if (word or started) else words


def test_odd_paths_survive_both_schedulers(tmp_path: Path) -> None:
    """A data dir named with a quote, a space, %, $ and a backslash reaches the program intact,
    through systemd's Exec quoting and sh's, and through cron's %."""
    from watch.schedule import Plan, cron_lines, systemd_units

    odd = tmp_path / 'it\'s 100% $HOME "x"\\y'
    argv_file = tmp_path / "argv.json"
    program = tmp_path / "bin dir" / "llwatch"
    program.parent.mkdir()
    program.write_text(f"#!/bin/sh\nexec {shutil.which('python3') or 'python3'} -c 'import json, "
                       f"sys; open(sys.argv[1], \"a\").write(json.dumps(sys.argv[2:]) + \"\\n\")' "
                       f"{str(argv_file)!r} \"$@\"\n", "utf-8")  # fmt: skip
    program.chmod(0o755)
    plan = Plan(program, odd / "data", odd / "feeds.yaml", odd / "log" / "crawl.log", 60,
                metrics_file=odd / "m.prom")  # fmt: skip
    units = systemd_units(plan)["llwatch-crawl.service"]
    lines = dict(line.split("=", 1) for line in units.splitlines() if line.startswith("Exec"))
    for key in ("ExecStartPre", "ExecStart", "ExecStartPost"):
        subprocess.run(systemd_argv(lines[key]), check=True, timeout=30)
    cron = cron_lines(plan).splitlines()[-1].split(None, 5)[5]
    subprocess.run(["/bin/sh", "-c", cron.replace("\\%", "%")], check=True, timeout=30)
    seen = [json.loads(line) for line in argv_file.read_text("utf-8").splitlines()]
    crawl_args = ["crawl", "--data-dir", str(odd / "data"), "--sources", str(odd / "feeds.yaml"),
                  "--log-format", "json", "--format", "json"]  # fmt: skip
    metrics_args = ["metrics", "--data-dir", str(odd / "data"), "--sources",
                    str(odd / "feeds.yaml"), "--textfile", str(odd / "m.prom")]  # fmt: skip
    assert seen == [crawl_args, metrics_args, crawl_args, metrics_args]
    assert (odd / "log" / "crawl.log").exists()  # the shell's >> found the odd folder
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # and systemd itself reads the odd unit without a complaint
        unit = tmp_path / "llwatch-crawl.service"
        unit.write_text(units, "utf-8")
        check = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True,
                               text=True, timeout=60, check=False)  # fmt: skip
        problems = [line for line in (check.stdout + check.stderr).splitlines()
                    if "llwatch-crawl" in line]  # fmt: skip
        assert not problems, check.stdout + check.stderr
