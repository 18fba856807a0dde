"""``ledger keys list`` and ``ledger keys rotate``, as an operator runs them, on both
stores."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from cli.app import app
from ledger.application import Ledger
from ledger.config import Settings
from ledger.policy import IRELAND
from tests.cli.conftest import Invoke, one_line_error
from tests.conftest import THE_AUTHORITY, new_postgres_schema
from tests.integration.scenario import accredited_provider

MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
WIDE = {"COLUMNS": "250"}  # verification method ids on one line of the table


@pytest.fixture
def secret_env() -> dict[str, str]:
    return {"LEDGER_SIGNING_KEY_SECRET": base64.b64encode(os.urandom(32)).decode(), **WIDE}


def methods_of(output: str, owner: str) -> list[str]:
    return [
        word
        for line in output.splitlines()
        if line.strip("│ ").startswith(owner + " ")
        for word in line.replace("│", " ").split()
        if word.startswith("did:web:")
    ]


def test_rotate_then_list_shows_the_old_key_retired_and_the_new_one_current(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger], secret_env: dict[str, str]
) -> None:
    accredited_provider(open_ledger(), "SETU")
    first = ledger_cli("keys", "rotate", "setu", env=secret_env)
    assert first.exit_code == 0, first.output
    second = ledger_cli("keys", "rotate", "SETU", env=secret_env)
    assert second.exit_code == 0, second.output
    new_method = second.stdout.split("new key of SETU: ", 1)[1].split()[0]
    assert new_method.startswith("did:web:127.0.0.1%3A8000:providers:SETU#z6Mk")

    listed = ledger_cli("keys", "list", "SETU", env=secret_env)
    assert listed.exit_code == 0, listed.output
    methods = methods_of(listed.stdout, "SETU")
    assert len(methods) == 2 and methods[1] == new_method
    rows = [line for line in listed.stdout.splitlines() if "did:web:" in line]
    assert [len(MOMENT.findall(row)) for row in rows] == [2, 1]  # retired, then current

    everyone = ledger_cli("keys", "list", env=secret_env)
    assert methods_of(everyone.stdout, "SETU") == methods
    assert methods_of(everyone.stdout, "authority") == []


def test_the_authority_rotates_its_key(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger], secret_env: dict[str, str]
) -> None:
    open_ledger()
    result = ledger_cli("keys", "rotate", "authority", env=secret_env)
    assert result.exit_code == 0, result.output
    assert "new key of authority: did:web:127.0.0.1%3A8000#z6Mk" in result.stdout
    listed = ledger_cli("keys", "list", "authority", env=secret_env)
    assert len(methods_of(listed.stdout, "authority")) == 1


@pytest.mark.parametrize("decision", ["suspend", "withdraw"])
def test_rotating_a_suspended_or_withdrawn_providers_key_is_refused_in_one_line(
    ledger_cli: Invoke,
    open_ledger: Callable[[], Ledger],
    secret_env: dict[str, str],
    decision: str,
) -> None:
    ledger = open_ledger()
    provider = accredited_provider(ledger, "SETU")
    assert ledger_cli("keys", "rotate", "SETU", env=secret_env).exit_code == 0
    decide = ledger.suspend_provider if decision == "suspend" else ledger.withdraw_provider
    decide(provider, reason="quality review", decision_reference="QQI/D/9", by=THE_AUTHORITY)

    result = ledger_cli("keys", "rotate", "SETU", env=secret_env)
    assert result.exit_code == 1
    assert "signs nothing new" in one_line_error(result)
    # Its key stays as it was: listed, not retired.
    listed = ledger_cli("keys", "list", "SETU", env=secret_env)
    assert len(methods_of(listed.stdout, "SETU")) == 1


def test_an_unknown_owner_is_one_line(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger], secret_env: dict[str, str]
) -> None:
    open_ledger()
    for command in ("list", "rotate"):
        result = ledger_cli("keys", command, "NOPE", env=secret_env)
        assert result.exit_code == 1
        assert "no provider 'NOPE'" in one_line_error(result)


@pytest.mark.postgres
def test_on_postgres_without_the_secret_keys_are_listed_but_never_made(
    postgres_database: str,
) -> None:
    database = new_postgres_schema(postgres_database)
    Ledger(Settings(database=database, policy=IRELAND)).close()
    env: dict[str, str | None] = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATABASE_SCHEMA": database.schema,
        "LEDGER_SIGNING_KEY_SECRET": None,
        **WIDE,
    }
    runner = CliRunner()
    result = runner.invoke(app, ["keys", "rotate", "authority"], env=env)
    assert result.exit_code == 1
    assert "LEDGER_SIGNING_KEY_SECRET is not set" in one_line_error(result)
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "did:web:" not in listed.stdout
