"""The ledger started from its environment, as `ledger serve` starts it."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from ledger.application import Ledger
from ledger.config import Settings
from ledger.domain.principal import Principal
from ledger.domain.values import ProviderKind
from ledger.policy import FINLAND


def register(ledger: Ledger) -> None:
    ledger.register_provider(
        code="SETU",
        name="SETU",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        by=Principal.authority("a"),
    )


def test_a_sqlite_url_puts_the_ledger_in_that_file(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ireland.sqlite3"
    path.parent.mkdir()
    ledger = Ledger(Settings.from_env({"LEDGER_DATABASE_URL": f"sqlite:///{path}"}))
    try:
        register(ledger)
    finally:
        ledger.close()
    assert path.stat().st_size > 0


@pytest.mark.postgres
def test_a_postgresql_url_with_a_schema_creates_and_uses_that_schema(
    postgres_database: str,
) -> None:
    schema = f"cfg_{uuid.uuid4().hex[:10]}"
    settings = Settings.from_env(
        {"LEDGER_DATABASE_URL": f"{postgres_database}?schema={schema}", "LEDGER_POLICY": "finland"}
    )
    ledger = Ledger(settings)
    try:
        register(ledger)
        assert ledger.policy is FINLAND
    finally:
        ledger.close()
    with psycopg.connect(postgres_database) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}".ledger_events').fetchone()
    assert row == (1,)
