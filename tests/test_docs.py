"""The README documents every setting and every command (so a new operator can rely on it)."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli import main
from service.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    prefix = Settings.model_config.get("env_prefix", "")
    missing = [name for name in Settings.model_fields if f"`{prefix}{name.upper()}`" not in README]
    assert missing == []


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_every_cli_command_is_in_the_readme() -> None:
    assert isinstance(main, click.Group)
    missing = [name for name in main.commands if f"`{name}" not in README]
    assert missing == []


def test_the_readme_names_the_two_setup_commands_that_ci_runs() -> None:
    assert "make run" in README and "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
