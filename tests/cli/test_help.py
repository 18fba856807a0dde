"""Every command explains itself with ``--help``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app  # importing the package registers every command
from tests.cli.conftest import one_line_error


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("seed", "Seed a demo country and print award ids"),
        ("erase-learner", "Erase a learner's personal data"),
        ("audit", "Query the audit trail, or export it"),
        ("import", "Import an earlier register's providers, decisions"),
    ],
)
def test_every_command_has_help(command: str, expected: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])

    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_a_missing_required_option_is_a_usage_error_not_a_traceback() -> None:
    result = CliRunner().invoke(app, ["erase-learner", "L-1"])

    assert result.exit_code == 2
    assert "Missing option '--reason'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["seed"], "unable to open database file"),
        (["serve", "--port", "1"], "unable to open database file"),
        (["project", "--once"], "unable to open database file"),
        # Commands that only act on an existing ledger never try to create one there.
        (["audit"], "no ledger at"),
        (["erase-learner", "L-1", "--reason", "request 1", "--yes"], "no ledger at"),
        (["authority", "list-keys"], "no ledger at"),
        (["rebuild"], "no ledger at"),
    ],
)
def test_a_store_that_cannot_be_opened_is_a_one_line_error(
    command: list[str], expected: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "ledger.sqlite3"

    result = CliRunner().invoke(app, command, env={"LEDGER_DATABASE_URL": f"sqlite:///{missing}"})

    assert expected in one_line_error(result)
