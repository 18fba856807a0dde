"""``ledger project`` and ``ledger rebuild`` through Typer's runner."""

from __future__ import annotations

import importlib

import pytest
from typer.testing import CliRunner

from cli import app
from ledger.config import DatabaseSettings
from projections.read import ReadModel
from tests.projections.conftest import World, snapshot
from tests.projections.test_shadow_rebuild import a_transaction_reading_the_status_view

rebuild_module = importlib.import_module("projections.rebuild")  # not the function


def env_for(database: DatabaseSettings) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATABASE_SCHEMA": database.schema,
        "LEDGER_POLICY": "ireland",
    }


def one_line_error(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


def test_project_once_catches_up_and_reports_lag(world: World, database: DatabaseSettings) -> None:
    runner = CliRunner()
    read = ReadModel(world.ledger)
    log = read.log_position()

    status = runner.invoke(app, ["project", "--status"], env=env_for(database))
    assert status.exit_code == 0, status.output
    assert "credential_status" in status.output and str(log) in status.output
    assert set(read.positions().values()) == {0}

    result = runner.invoke(app, ["project", "--once", "--page-size", "3"], env=env_for(database))
    assert result.exit_code == 0, result.output
    assert f"applied {log} event(s)" in result.output
    assert set(read.positions().values()) == {log}

    again = runner.invoke(app, ["project", "--once"], env=env_for(database))
    assert again.exit_code == 0 and "applied 0 event(s)" in again.output


def test_rebuild_all_or_one_view(world: World, database: DatabaseSettings) -> None:
    runner = CliRunner()
    world.issue("l1", "REF-1")
    runner.invoke(app, ["project", "--once"], env=env_for(database))
    before = snapshot(world.ledger)
    log = ReadModel(world.ledger).log_position()

    result = runner.invoke(app, ["rebuild"], env=env_for(database))
    assert result.exit_code == 0, result.output
    assert "rebuilding" in result.output
    assert f"audit: rebuilt up to position {log}" in result.output
    assert snapshot(world.ledger) == before

    one = runner.invoke(
        app, ["rebuild", "credential_status", "--page-size", "2"], env=env_for(database)
    )
    assert one.exit_code == 0, one.output
    assert f"credential_status: rebuilt up to position {log}" in one.output
    assert "audit:" not in one.output
    assert snapshot(world.ledger) == before


def test_rebuild_of_an_unknown_view_is_a_one_line_error(database: DatabaseSettings) -> None:
    result = CliRunner().invoke(app, ["rebuild", "statuses"], env=env_for(database))
    assert result.exit_code == 1
    line = one_line_error(result.output)
    assert "unknown view 'statuses'" in line and "credential_status" in line


def test_a_bad_store_is_a_one_line_error(database: DatabaseSettings) -> None:
    env = {**env_for(database), "LEDGER_DATABASE_URL": "mysql://nowhere/db"}
    for command in (["project", "--once"], ["rebuild"]):
        result = CliRunner().invoke(app, command, env=env)
        assert result.exit_code == 1
        assert "LEDGER_DATABASE_URL" in one_line_error(result.output)


def test_an_unreachable_postgres_is_a_one_line_error() -> None:
    env = {
        "LEDGER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "LEDGER_POLICY": "ireland",
    }
    result = CliRunner().invoke(app, ["project", "--once"], env=env)
    assert result.exit_code == 1
    assert "cannot open the store" in one_line_error(result.output)


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_rebuild_blocked_by_a_long_transaction_says_so_and_exits_1(
    world: World, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.issue("l1", "REF-1")
    CliRunner().invoke(app, ["project", "--once"], env=env_for(database))
    before = snapshot(world.ledger)
    monkeypatch.setattr(rebuild_module, "SWITCH_ATTEMPTS", 2)
    monkeypatch.setattr(rebuild_module, "SWITCH_LOCK_TIMEOUT", 0.1)
    monkeypatch.setattr(rebuild_module, "SWITCH_RETRY_PAUSE", 0.05)

    with a_transaction_reading_the_status_view(world.ledger):
        result = CliRunner().invoke(
            app, ["rebuild", "credential_status", "--processes", "0"], env=env_for(database)
        )

    assert result.exit_code == 1, result.output
    line = [x for x in result.output.splitlines() if x.startswith("error: ")]
    assert line, result.output
    assert "the rebuild stopped: the switch waited 2 times 0.1 s" in line[0]
    assert "proj_credential_status" in line[0] and "pg_stat_activity" in line[0]
    assert "Traceback" not in result.output
    assert snapshot(world.ledger) == before
