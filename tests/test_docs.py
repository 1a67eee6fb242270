"""The README tells the truth: Quick start, commands and options, settings, feeds.yaml keys,
query fields — each is checked against the code."""

from __future__ import annotations

import re

import click
import pytest

from tests.conftest import ROOT
from watch.cli import cli
from watch.config import DEFAULTS
from watch.query import FIELDS
from watch.sources import KEYS, ORG_TYPES, REGIONS

README = (ROOT / "README.md").read_text("utf-8")


def commands(group: click.Group, prefix: str = "llwatch") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found += commands(command, path)
    return found


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_quick_start_has_exactly_two_commands() -> None:
    blocks = quick_start()
    assert len(blocks) == 2
    assert all("\n" not in b for b in blocks)
    assert blocks[0].endswith("llwatch demo")
    assert blocks[1].endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    assert quick_start()[1] in (ROOT / ".ci" / "run").read_text("utf-8")


@pytest.mark.parametrize(
    ("path", "command"), commands(cli), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_command_and_option_is_documented(path: str, command: click.Command) -> None:
    assert f"`{path}" in README, path
    assert command.help, path
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in README, f"{path} {opt}"


@pytest.mark.parametrize("setting", sorted(DEFAULTS))
def test_every_setting_is_documented(setting: str) -> None:
    assert f"| `{setting}` |" in README


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_feeds_yaml_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in README


@pytest.mark.parametrize("value", [*ORG_TYPES, *REGIONS])
def test_allowed_values_are_documented(value: str) -> None:
    assert f"`{value}`" in README


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_every_query_field_is_documented(field: str) -> None:
    assert f"`{field}:" in README
