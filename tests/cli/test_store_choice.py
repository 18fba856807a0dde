"""Commands and the store they act on: read-only commands refuse a place where no
ledger is (instead of creating an empty one and answering "nothing found"), every
command names the store it used, and an audit filter naming what the ledger never
recorded is an error rather than an empty answer."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from ledger.config import DatabaseSettings
from tests.cli.conftest import Invoke, one_line_error

READ_ONLY_COMMANDS = [
    ("audit",),
    ("authority", "list-keys"),
    ("authority", "revoke-key", "mcl_nosuchkey"),
    ("project", "--status"),
    ("rebuild",),
    ("erase-learner", "learner-1", "--reason", "request", "--yes"),
]


def store_objects(database: DatabaseSettings) -> list[str]:
    """What the store holds: the SQLite file's existence, or the schema's tables."""
    if not database.is_postgres:
        path = Path(database.sqlite_path)
        return [path.name] if path.exists() else []
    with psycopg.connect(database.url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (database.schema,),
        ).fetchall()
    return [str(row[0]) for row in rows]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_read_only_command_refuses_a_place_with_no_ledger_and_creates_nothing(
    ledger_cli: Invoke, database: DatabaseSettings, command: tuple[str, ...]
) -> None:
    result = ledger_cli(*command)

    message = one_line_error(result)
    assert message.startswith("error: no ledger at ")
    assert database.describe().split(" ")[0] in message
    assert store_objects(database) == []


def test_every_command_names_the_store_it_used(
    ledger_cli: Invoke, database: DatabaseSettings
) -> None:
    seeded = ledger_cli("seed")
    listed = ledger_cli("authority", "list-keys")

    for result in (seeded, listed):
        assert result.exit_code == 0, result.output
        assert f"store: {database.describe()}" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--event", "AwardRevokd", "no event type 'AwardRevokd'"),
        ("--event", "Provider.AwardIssued", "no event type 'Provider.AwardIssued'"),
        ("--provider", "NOSUCH", "no provider with id"),
    ],
)
def test_an_audit_filter_naming_what_was_never_recorded_is_an_error(
    ledger_cli: Invoke, option: str, value: str, expected: str
) -> None:
    assert ledger_cli("seed").exit_code == 0

    result = ledger_cli("audit", option, value)

    assert expected in one_line_error(result)


def test_an_audit_filter_by_a_bare_event_name_still_matches_every_aggregate(
    ledger_cli: Invoke,
) -> None:
    assert ledger_cli("seed").exit_code == 0

    result = ledger_cli("audit", "--event", "Accredited", env={"COLUMNS": "250"})

    assert result.exit_code == 0, result.output
    assert "Provider.Accredited" in result.output
    assert "MicroCredential.Accredited" in result.output
