"""Run ``ledger`` commands the way an operator does, against a fresh store (SQLite and
PostgreSQL), through Typer's runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from typer.testing import CliRunner, Result

from cli.app import app  # importing the package registers every command
from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.policy import IRELAND

Invoke = Callable[..., Result]


@pytest.fixture
def cli_env(database: DatabaseSettings) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATABASE_SCHEMA": database.schema,
        "LEDGER_POLICY": "ireland",
        "LEDGER_ACTOR": "authority:operator:test",
    }


@pytest.fixture
def ledger_cli(cli_env: dict[str, str]) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env={**cli_env, **(env or {})})

    return invoke


@pytest.fixture
def open_ledger(database: DatabaseSettings) -> Iterator[Callable[[], Ledger]]:
    """A ledger on the same store the commands wrote to, to check what they did."""
    opened: list[Ledger] = []

    def open_() -> Ledger:
        ledger = Ledger(Settings(database=database, policy=IRELAND))
        opened.append(ledger)
        return ledger

    yield open_
    for ledger in opened:
        ledger.close()


def one_line_error(result: Result) -> str:
    """The failure a user sees: exactly one line, no traceback."""
    assert result.exit_code != 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if lines and lines[0].startswith("store: "):  # every command names its store first
        lines = lines[1:]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert lines[0].startswith("error: ")
    return lines[0]
