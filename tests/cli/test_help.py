"""Every command explains itself with ``--help``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ledger.cli.app import app  # importing the package registers every command


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("seed", "Seed a demo country and print award ids"),
        ("erase-learner", "Erase a learner's personal data"),
        ("audit", "Query the audit trail, or export it"),
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
