"""Shared fixtures: a ledger on SQLite and on a real PostgreSQL.

PostgreSQL tests get a database of their own for the whole run (created through the
server's maintenance database named by ``LEDGER_TEST_POSTGRES``, default
``postgresql://postgres@127.0.0.1:5432/postgres``, which every cluster has) and a fresh
schema for every test. An unreachable server is an error, never a skip: a skipped
PostgreSQL test is a missing test. Without PostgreSQL, say so:
``LEDGER_TEST_SKIP_POSTGRES=1`` skips every PostgreSQL test, each with that reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Principal
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    CredentialSpecification,
    ParticipationForm,
)
from ledger.policy import IRELAND, NationalPolicy

ADMIN_URL = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
SKIP_POSTGRES = os.environ.get("LEDGER_TEST_SKIP_POSTGRES", "").strip().lower() in (
    "1",
    "true",
    "yes",
)
SKIP_REASON = "LEDGER_TEST_SKIP_POSTGRES is set: PostgreSQL tests not run"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SKIP_POSTGRES:
        for item in items:
            if "postgres" in item.keywords or "postgres_database" in getattr(
                item, "fixturenames", ()
            ):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _admin_connect() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this test run's own, dropped at the end."""
    if SKIP_POSTGRES:
        pytest.skip(SKIP_REASON)
    try:
        admin = _admin_connect()
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {ADMIN_URL}: {error}\n"
            "Start it (scripts/test.sh starts the local cluster), point LEDGER_TEST_POSTGRES"
            " at another server, or set LEDGER_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL"
            " tests knowingly.",
            pytrace=False,
        )
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseSettings:
    """Settings for a fresh, empty store: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return DatabaseSettings(url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    return new_postgres_schema(request.getfixturevalue("postgres_database"))


def new_postgres_schema(url: str) -> DatabaseSettings:
    """Settings for a new, empty schema in the test run's PostgreSQL database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return DatabaseSettings(url=url, schema=schema, pool_size=4)


class Clock:
    """A controllable clock, so tests can move time forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_ledger(database: DatabaseSettings, clock: Clock) -> Iterator[Callable[..., Ledger]]:
    made: list[Ledger] = []

    def make(policy: NationalPolicy = IRELAND) -> Ledger:
        ledger = Ledger(Settings(database=database, policy=policy), clock=clock)
        made.append(ledger)
        return ledger

    yield make
    for ledger in made:
        ledger.close()


@pytest.fixture
def ledger(make_ledger: Callable[..., Ledger]) -> Ledger:
    return make_ledger()


# --- domain examples ------------------------------------------------------------------
AUTHORITY = "authority:test-officer"
PROVIDER_ACTOR = "provider:SETU:key-1"
THE_AUTHORITY = Principal.authority(AUTHORITY)
"""The authority's test officer, as the ledger's commands are given it."""


def provider_principal(provider_id: uuid.UUID, actor: str = PROVIDER_ACTOR) -> Principal:
    """A provider's key acting for ``provider_id``, as the ledger's commands are given it."""
    return Principal.provider(actor, provider_id)


def spec(**overrides: object) -> CredentialSpecification:
    values: dict[str, object] = {
        "title": "Data Analytics Fundamentals",
        "learning_outcomes": ("Clean a data set", "Explain a regression"),
        "workload_ects": Decimal(10),
        "assessment_type": "practical project",
        "participation_form": ParticipationForm.BLENDED,
        "quality_assurance": "QQI validated programme",
        "field_of_study": "0688 ICT",
        "nqf_level": 6,
        "eqf_level": 5,
    }
    values.update(overrides)
    return CredentialSpecification(**values)  # type: ignore[arg-type]


def scope() -> AccreditationScope:
    return AccreditationScope(levels=(5, 6, 7), fields=("0688 ICT", "0413 Management"))


def assessment(method: str = "practical project", **overrides: object) -> Assessment:
    values: dict[str, object] = {
        "method": method,
        "assessed_on": date.today() - timedelta(days=3),
        "result": "pass",
        "grade": "B+",
    }
    values.update(overrides)
    return Assessment(**values)  # type: ignore[arg-type]
