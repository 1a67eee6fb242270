"""``llwatch alerts``: what needs a person, and mail about it once per problem.

Problems: a source that is ``dead``, ``silent`` or ``dropping`` (watch.health); articles waiting
for the Elasticsearch index longer than WATCH_ALERT_OUTBOX_HOURS, or refused by it for good; no
crawl finished for WATCH_ALERT_STALE_HOURS (or one open that long: stuck or killed). Each
problem has a key and a state; a mail carries the problems whose (key, state) was not mailed
before, and the store remembers them (table ``alerts``) until the problem goes away, so a
problem is mailed once until it changes. A mail that cannot be sent is tried again next time.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

from watch.config import WatchConfig
from watch.errors import ConfigError, WatchError
from watch.health import PublishingStats, assess
from watch.metrics import seconds_between
from watch.sources import Source
from watch.store import Store
from watch.store.sqlite import Database, utc_now

__all__ = ["Alert", "MailFailed", "current_alerts", "mail_new", "unmailed"]

#: The health states that need a person.
_BAD_STATES = ("dead", "silent", "dropping")


class MailFailed(WatchError):
    """The alert mail could not be sent (it is tried again next time)."""

    exit_code = 1


@dataclass(frozen=True)
class Alert:
    key: str  # one problem: "source:<id>", "outbox", "outbox-refused", "crawl"
    state: str  # what it is now; another state is another mail
    message: str  # one line for a person


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.0f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def current_alerts(
    store: Store, sources: list[Source], config: WatchConfig, now: datetime | None = None
) -> list[Alert]:
    """Every problem now, sources first (by id), then the index and the crawl."""
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out: list[Alert] = []
    states, publishing = store.state.source_states(), store.articles.publishing(now)
    for source in sorted((s for s in sources if s.enabled), key=lambda s: s.id):
        health = assess(source, states.get(source.id), publishing.get(source.id,
                        PublishingStats()), now)  # fmt: skip
        if health.state in _BAD_STATES:
            why = health.last_error or ", ".join(health.flags) or health.state
            last = f"; last new article {health.newest[:10]}" if health.newest else ""
            out.append(Alert(f"source:{source.id}", health.state,
                             f"source {source.id} is {health.state}: {why}{last}"))  # fmt: skip
    outbox = store.state.outbox_status()
    waiting = outbox["pending"] - outbox["refused"]
    age = seconds_between(outbox["oldest"], stamp) or 0.0
    if waiting and age >= config.alert_outbox_hours * 3600:
        reason = outbox["reasons"][0][0] if outbox["reasons"] else "unknown"
        out.append(Alert("outbox", "backlog", f"{waiting} articles have waited for the index "
                         f"for {_hours(age)} ({reason}) — see `llwatch index status`"))  # fmt: skip
    if outbox["refused"]:
        out.append(Alert("outbox-refused", "refused", f"{outbox['refused']} articles were "
                         "refused by the index for good — see `llwatch index status`"))  # fmt: skip
    out.extend(_crawl_alerts(store, config, stamp))
    return out


def _crawl_alerts(store: Store, config: WatchConfig, stamp: str) -> list[Alert]:
    limit = config.alert_stale_hours * 3600
    runs = store.state.runs(limit=50)
    if runs and not runs[0]["finished_at"]:
        open_for = seconds_between(runs[0]["started_at"], stamp) or 0.0
        if open_for >= limit:
            return [Alert("crawl", "stuck", f"crawl run {runs[0]['id']} started "
                          f"{runs[0]['started_at']} and has not finished ({_hours(open_for)}): "
                          "stuck, or killed — the next crawl recovers")]  # fmt: skip
    finished = [r for r in runs if r["finished_at"]]
    if not finished:
        return [Alert("crawl", "never", "no crawl has finished yet — run `llwatch crawl` or "
                      "install the schedule (`llwatch schedule`)")]  # fmt: skip
    since = seconds_between(finished[0]["finished_at"], stamp) or 0.0
    if since >= limit:
        return [Alert("crawl", "stale", f"no crawl finished for {_hours(since)} (the last at "
                      f"{finished[0]['finished_at']}) — check the schedule and the log")]  # fmt: skip
    return []


def unmailed(db: Database, alerts: list[Alert]) -> list[Alert]:
    """The alerts whose (key, state) has not been mailed; forgets the problems that are gone."""
    mailed = {r[0]: r[1] for r in db.conn.execute("SELECT key, state FROM alerts")}
    keys = {a.key for a in alerts}
    gone = [key for key in mailed if key not in keys]
    if gone:
        with db.transaction() as conn:
            conn.executemany("DELETE FROM alerts WHERE key = ?", [(k,) for k in gone])
    return [a for a in alerts if mailed.get(a.key) != a.state]


def _message(alerts: list[Alert], config: WatchConfig) -> EmailMessage:
    mail = EmailMessage()
    noun = "problem" if len(alerts) == 1 else "problems"
    mail["Subject"] = f"llwatch: {len(alerts)} new {noun} — {alerts[0].message[:80]}"
    mail["From"] = config.smtp_from
    mail["To"] = ", ".join(_recipients(config))
    lines = [f"- {a.message}" for a in alerts]
    mail.set_content("llwatch found what needs a person:\n\n" + "\n".join(lines) + "\n\n"
                     f"Data dir: {config.data_dir}\nSee `llwatch alerts` and `llwatch sources "
                     "health`. Each problem is mailed once until it changes.\n")  # fmt: skip
    return mail


def _recipients(config: WatchConfig) -> list[str]:
    return [r.strip() for r in config.smtp_to.split(",") if r.strip()]


def mail_new(
    db: Database, alerts: list[Alert], config: WatchConfig, env: Mapping[str, str] | None = None
) -> list[Alert]:
    """Mail the alerts not mailed yet (one mail); remember them once sent. The ones mailed."""
    if not config.smtp_host or not _recipients(config):
        raise ConfigError("set WATCH_SMTP_HOST and WATCH_SMTP_TO to mail alerts")
    fresh = unmailed(db, alerts)
    if not fresh:
        return []
    env = os.environ if env is None else env
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if user := env.get("WATCH_SMTP_USERNAME", ""):
                smtp.login(user, env.get("WATCH_SMTP_PASSWORD", ""))
            smtp.send_message(_message(fresh, config))
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"cannot mail the alerts via {config.smtp_host}:{config.smtp_port} "
                         f"({exc}) — they will be mailed next time") from None  # fmt: skip
    now = utc_now()
    with db.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO alerts(key, state, message, mailed_at) VALUES (?, ?, ?, ?)",
            [(a.key, a.state, a.message, now) for a in fresh],
        )
    return fresh
