"""The README's configuration table and the code agree: every variable `Settings`
reads, and every environment variable a command's option falls back to, has a row,
and every ``LEDGER_*`` row is read by one of them."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from cli.app import app
from ledger.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def table_variables() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def option_variables() -> set[str]:
    """The variables typer reads for options of single commands (``--actor``...)."""
    found: set[str] = set()
    pending = [typer.main.get_command(app)]
    while pending:
        command = pending.pop()
        pending.extend(getattr(command, "commands", {}).values())
        for param in command.params:
            envvars = param.envvar if isinstance(param.envvar, list | tuple) else [param.envvar]
            found.update(name for name in envvars if name)
    return found


def test_every_variable_read_has_a_row() -> None:
    missing = (set(Settings.VARIABLES) | option_variables()) - table_variables()
    assert not missing, f"README.md's configuration table lacks {sorted(missing)}"


def test_every_ledger_row_is_read() -> None:
    read = set(Settings.VARIABLES) | option_variables()
    unread = {name for name in table_variables() if name.startswith("LEDGER_")} - read
    assert not unread, f"README.md documents {sorted(unread)}, which nothing reads"
