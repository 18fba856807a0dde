"""The API app on a store seeded with the demo country, driven over HTTP.

One seeded store (a SQLite file, or a PostgreSQL schema of its own) and one running
app per test module and backend: seeding and starting cost more than the tests, and
the tests of a module read, or measure differences, so they can share them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cli.demo import DemoSummary, seed_demo
from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings, SigningSettings
from ledger.policy import IRELAND


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("web") / "ledger.sqlite3"
        return Settings(database=DatabaseSettings(url=f"sqlite:///{path}"), policy=IRELAND)
    url = request.getfixturevalue("postgres_database")
    schema = f"w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    # A signing key secret, as production has: the page checks the signed credential.
    return Settings(
        database=DatabaseSettings(url=url, schema=schema, pool_size=4),
        policy=IRELAND,
        signing=SigningSettings(secret=os.urandom(32)),
    )


@pytest.fixture(scope="module")
def demo(settings: Settings) -> DemoSummary:
    ledger = Ledger(settings)
    try:
        return seed_demo(ledger)
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def client(settings: Settings, demo: DemoSummary) -> Iterator[TestClient]:
    """The app started on the seeded store, its views caught up with the seed."""
    with TestClient(create_app(settings)) as test_client:
        read_model = test_client.app.state.services.read_model  # type: ignore[attr-defined]
        assert read_model.wait_for(read_model.log_position(), timeout=60)
        yield test_client
