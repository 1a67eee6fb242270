"""Tests of watch.config: WATCH_* defaults, environment, overrides, coercion, Scrapy settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from watch.config import DEFAULTS, VERSION, WatchConfig, _coerce
from watch.errors import ConfigError


def test_defaults() -> None:
    config = WatchConfig.load(env={})
    assert config == WatchConfig(
        data_dir=Path("data"),
        sources=Path("feeds.yaml"),
        contact_url="",
        download_timeout=30.0,
        retry_times=2,
        throttle_start_delay=1.0,
        throttle_max_delay=30.0,
        concurrent_requests=16,
        concurrent_per_domain=2,
        max_page_bytes=8 * 1024 * 1024,
        store_batch=50,
        store_busy_timeout=30.0,
        progress="auto",
        taxonomy="",
        relevance_threshold=0.5,
        allow_private=False,
        es_url="",
        es_index="llwatch",
        es_ca_certs="",
        es_timeout=30.0,
        smtp_host="",
        smtp_port=25,
        smtp_starttls=False,
        smtp_from="llwatch@localhost",
        smtp_to="",
        alert_stale_hours=24.0,
        alert_outbox_hours=2.0,
        countries="",
    )
    assert config.db_path == Path("data") / "watch.sqlite3"


def test_every_field_has_a_default_and_every_default_a_field() -> None:
    names = {"WATCH_" + f.name.upper() for f in dataclasses.fields(WatchConfig)}
    assert names == set(DEFAULTS)


def test_config_is_frozen() -> None:
    config = WatchConfig.load(env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.retry_times = 5  # type: ignore[misc]


def test_environment_overrides_defaults() -> None:
    config = WatchConfig.load(
        env={
            "WATCH_DATA_DIR": "/srv/llwatch",
            "WATCH_DOWNLOAD_TIMEOUT": "12.5",
            "WATCH_RETRY_TIMES": " 4 ",
            "WATCH_PROGRESS": "off",
            "UNRELATED": "x",
        }
    )
    assert config.data_dir == Path("/srv/llwatch")
    assert config.download_timeout == 12.5
    assert config.retry_times == 4
    assert config.progress == "off"
    assert config.concurrent_requests == 16  # untouched


def test_explicit_override_wins_over_environment() -> None:
    env = {"WATCH_RETRY_TIMES": "4", "WATCH_DATA_DIR": "/from/env"}
    config = WatchConfig.load({"WATCH_RETRY_TIMES": 7, "WATCH_DATA_DIR": None}, env=env)
    assert config.retry_times == 7
    assert config.data_dir == Path("/from/env")  # a None override is no override


def test_load_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCH_STORE_BATCH", "9")
    assert WatchConfig.load().store_batch == 9
    assert WatchConfig.load(env={}).store_batch == 50


def test_home_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = WatchConfig.load(
        {"WATCH_DATA_DIR": "~/watch", "WATCH_SOURCES": "~/feeds.yaml"}, env={}
    )
    assert config.data_dir == tmp_path / "watch"
    assert config.sources == tmp_path / "feeds.yaml"


@pytest.mark.parametrize(
    ("name", "raw", "field", "value"),
    [
        ("WATCH_DOWNLOAD_TIMEOUT", "7", "download_timeout", 7.0),
        ("WATCH_DOWNLOAD_TIMEOUT", "1e1", "download_timeout", 10.0),
        ("WATCH_THROTTLE_MAX_DELAY", 5, "throttle_max_delay", 5.0),
        ("WATCH_CONCURRENT_REQUESTS", "32", "concurrent_requests", 32),
        ("WATCH_MAX_PAGE_BYTES", "1048576", "max_page_bytes", 1048576),
        ("WATCH_CONTACT_URL", "https://example.org/bot", "contact_url", "https://example.org/bot"),
    ],
)
def test_values_are_coerced_to_the_default_type(
    name: str, raw: object, field: str, value: object
) -> None:
    got = getattr(WatchConfig.load({name: raw}, env={}), field)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        (True, True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
        (False, False),
    ],
)
def test_bool_coercion(raw: object, value: bool) -> None:
    # No WATCH_* setting is a bool today; the rule is pinned for the first one that is.
    assert _coerce("WATCH_FLAG", raw, False) is value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("WATCH_DOWNLOAD_TIMEOUT", "thirty"),
        ("WATCH_RETRY_TIMES", "2.5"),
        ("WATCH_CONCURRENT_REQUESTS", "many"),
        ("WATCH_MAX_PAGE_BYTES", "8MB"),
        ("WATCH_STORE_BATCH", ""),
    ],
)
def test_invalid_value_names_the_setting(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name) as info:
        WatchConfig.load(env={name: raw})
    assert repr(raw) in str(info.value)
    assert info.value.problems == [str(info.value)]


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("WATCH_DOWNLOAD_TIMEOUT", "0"),
        ("WATCH_DOWNLOAD_TIMEOUT", "-1"),
        ("WATCH_CONCURRENT_REQUESTS", "0"),
        ("WATCH_PROGRESS", "sometimes"),
        ("WATCH_PROGRESS", "ON"),
    ],
)
def test_unusable_value_is_rejected(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        WatchConfig.load(env={name: raw})


@pytest.mark.parametrize(
    ("name", "raw"), [("WATCH_DOWNLOAD_TIMEOUT", "nan"), ("WATCH_CONCURRENT_PER_DOMAIN", "0")]
)
def test_more_unusable_values_are_rejected(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        WatchConfig.load(env={name: raw})


def test_from_settings_reads_a_mapping() -> None:
    settings = {"WATCH_RETRY_TIMES": "5", "WATCH_CONTACT_URL": "https://example.org/c"}
    config = WatchConfig.from_settings(settings)
    assert (config.retry_times, config.contact_url) == (5, "https://example.org/c")
    assert config.download_timeout == 30.0


def test_user_agent() -> None:
    plain = WatchConfig.load(env={}).user_agent
    assert plain.startswith(f"llwatch/{VERSION} (")
    assert "+" not in plain
    with_contact = WatchConfig.load(env={"WATCH_CONTACT_URL": "https://example.org/bot"})
    assert "llwatch/" in with_contact.user_agent
    assert "+https://example.org/bot" in with_contact.user_agent


def test_as_settings_maps_to_scrapy_keys() -> None:
    config = WatchConfig.load(
        {
            "WATCH_CONTACT_URL": "https://example.org/bot",
            "WATCH_DOWNLOAD_TIMEOUT": "12",
            "WATCH_RETRY_TIMES": "3",
            "WATCH_THROTTLE_START_DELAY": "0.5",
            "WATCH_THROTTLE_MAX_DELAY": "20",
            "WATCH_CONCURRENT_REQUESTS": "8",
            "WATCH_CONCURRENT_PER_DOMAIN": "1",
            "WATCH_MAX_PAGE_BYTES": "1000000",
            "WATCH_DATA_DIR": "/srv/llwatch",
        },
        env={},
    )
    settings = config.as_settings()
    assert {k: v for k, v in settings.items() if not k.startswith("WATCH_")} == {
        "USER_AGENT": config.user_agent,
        "DOWNLOAD_TIMEOUT": 12.0,
        "RETRY_TIMES": 3,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "AUTOTHROTTLE_MAX_DELAY": 20.0,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_MAXSIZE": 1000000,
        "DOWNLOAD_WARNSIZE": 500000,
    }
    assert settings["WATCH_DATA_DIR"] == "/srv/llwatch"  # plain strings for Scrapy
    assert set(DEFAULTS) <= set(settings)


def test_as_settings_round_trips_through_from_settings() -> None:
    config = WatchConfig.load({"WATCH_RETRY_TIMES": 6, "WATCH_PROGRESS": "on"}, env={})
    assert WatchConfig.from_settings(config.as_settings()) == config
