"""``llwatch schedule``: ready-to-install systemd units or crontab lines for unattended crawls.

Both run ``llwatch crawl`` with absolute paths (the program, the data dir, the watch list), JSON
logs appended to one log file, and the metrics written for node_exporter after each run. Runs
never overlap: a crawl that finds the data dir's lock (``<data dir>/crawl.lock``) held exits
with 75 (EX_TEMPFAIL), as does one that finds the store's own write lock held by a stuck process
for WATCH_STORE_BUSY_TIMEOUT; the units count 75 as a success ("skipped, try later"); exit 1 (some
sources failed: everything else was stored) is a success too, left to ``llwatch alerts`` and
the metrics.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from watch.errors import ConfigError

__all__ = ["Plan", "cron_lines", "parse_every", "systemd_units", "systemd_word"]

_UNITS = {"min": 1, "h": 60}


def parse_every(text: str) -> int:
    """Minutes of ``15min``, ``1h``, ``30`` (minutes): 5 to 1440 that divide an hour or a day
    evenly (cron can say them)."""
    value = text.strip().lower()
    unit = next((u for u in _UNITS if value.endswith(u)), "")
    number = value[: len(value) - len(unit)].strip() if unit else value
    if not number.isdigit():
        raise ConfigError(f"--every {text!r}: write minutes or hours, e.g. 15min or 1h")
    minutes = int(number) * _UNITS.get(unit, 1)
    if not 5 <= minutes <= 1440 or (minutes < 60 and 60 % minutes) or (
            minutes >= 60 and (minutes % 60 or 24 % (minutes // 60))):  # fmt: skip
        raise ConfigError(f"--every {text!r}: use 5 to 60 minutes dividing an hour (5, 10, 15, "
                          "20, 30min) or hours dividing a day (1, 2, 3, 4, 6, 8, 12, 24h)")  # fmt: skip
    return minutes


@dataclass
class Plan:
    """What the schedule runs: absolute paths and the interval."""

    program: Path
    data_dir: Path
    sources: Path
    log_file: Path
    every: int  # minutes
    user: str = ""
    metrics_file: Path | None = None

    @classmethod
    def make(cls, data_dir: Path, sources: Path, log_file: Path | None, every: int,
             user: str = "", metrics_file: Path | None = None) -> Plan:  # fmt: skip
        found = shutil.which("llwatch")
        program = Path(found) if found else Path(sys.executable).parent / "llwatch"
        data_dir = data_dir.expanduser().resolve()
        return cls(program.resolve(), data_dir, sources.expanduser().resolve(),
                   (log_file or data_dir / "log" / "crawl.log").expanduser().resolve(), every,
                   user, metrics_file.expanduser().resolve() if metrics_file else None)  # fmt: skip

    def crawl_args(self) -> list[str]:
        return [str(self.program), "crawl", "--data-dir", str(self.data_dir), "--sources",
                str(self.sources), "--log-format", "json", "--format", "json"]  # fmt: skip

    def metrics_args(self) -> list[str]:
        assert self.metrics_file is not None
        return [str(self.program), "metrics", "--data-dir", str(self.data_dir), "--sources",
                str(self.sources), "--textfile", str(self.metrics_file)]  # fmt: skip


def _calendar(minutes: int) -> str:
    if minutes < 60:
        return f"*-*-* *:00/{minutes}:00"
    return f"*-*-* 00/{minutes // 60}:00:00"


_PLAIN = re.compile(r"[A-Za-z0-9_./:=@+,-]+")


def systemd_word(text: str) -> str:
    """One argument of a systemd Exec line: as is when plain, else double-quoted with C-style
    escapes; ``%`` (specifiers) and ``$`` (variables) doubled to stay literal."""
    if not _PLAIN.fullmatch(text):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        text = f'"{escaped}"'
    return text.replace("%", "%%").replace("$", "$$")


def _exec(args: list[str]) -> str:
    return " ".join(systemd_word(arg) for arg in args)


def systemd_units(plan: Plan) -> dict[str, str]:
    """``llwatch-crawl.service`` (one run) and ``llwatch-crawl.timer`` (when)."""
    log = shlex.quote(str(plan.log_file))
    post = f"ExecStartPost={_exec(plan.metrics_args())}\n" if plan.metrics_file else ""
    shell = f"exec {shlex.join(plan.crawl_args())} >> {log} 2>&1"  # sh's quoting inside
    service = (
        "[Unit]\n"
        "Description=llwatch: one crawl of the lifelong-learning watch list\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        "[Service]\nType=oneshot\n"
        + (f"User={plan.user}\n" if plan.user else "")
        + f"ExecStartPre={_exec(['/bin/mkdir', '-p', str(plan.log_file.parent)])}\n"
        f"ExecStart={_exec(['/bin/sh', '-c', shell])}\n"
        + post
        + "# 1: some sources failed (the rest is stored; see llwatch alerts), 75: another crawl\n"
        "# holds the data dir's lock, or a stuck process the store's (skipped: tried next time)\n"
        "SuccessExitStatus=1 75\n"
        "# SIGTERM first: the crawl stores what is in flight and closes its run record\n"
        "KillSignal=SIGTERM\nTimeoutStopSec=120\n"
        "Nice=5\nNoNewPrivileges=yes\n"
    )
    timer = (
        "[Unit]\nDescription=llwatch: crawl the watch list on schedule\n\n"
        f"[Timer]\nOnCalendar={_calendar(plan.every)}\n"
        "RandomizedDelaySec=60\nPersistent=true\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return {"llwatch-crawl.service": service, "llwatch-crawl.timer": timer}


def cron_lines(plan: Plan) -> str:
    """Crontab lines (``crontab -e``), with the environment cron lacks."""
    minutes = plan.every
    when = f"*/{minutes} * * * *" if minutes < 60 else f"0 */{minutes // 60} * * *"
    if minutes == 60:
        when = "0 * * * *"
    if minutes == 1440:
        when = "0 0 * * *"
    log = shlex.quote(str(plan.log_file))
    folder = shlex.quote(str(plan.log_file.parent))
    command = f"mkdir -p {folder} && {shlex.join(plan.crawl_args())} >> {log} 2>&1"
    if plan.metrics_file:
        command += f"; {shlex.join(plan.metrics_args())}"
    command = command.replace("%", "\\%")  # cron reads % as a newline
    return (
        "# llwatch: crawl the watch list (another run still going: this one exits 75 at once)\n"
        "SHELL=/bin/sh\n"
        f"{when} {command}\n"
    )
