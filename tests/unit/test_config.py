"""Choosing the store from LEDGER_DATABASE_URL (and friends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.config import DatabaseSettings, Settings
from ledger.policy import FINLAND, IRELAND


def test_without_a_url_the_ledger_uses_a_sqlite_file_in_the_working_directory() -> None:
    settings = Settings.from_env({})
    database = settings.database
    assert not database.is_postgres
    assert database.sqlite_path == "ledger.sqlite3"
    assert database.eventsourcing_env()["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert database.describe() == f"sqlite:///{Path('ledger.sqlite3').resolve()}"
    assert settings.policy is IRELAND


def test_a_blank_url_is_the_same_as_none() -> None:
    assert Settings.from_env({"LEDGER_DATABASE_URL": "  "}).database.sqlite_path == "ledger.sqlite3"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////var/lib/ledger/l.db", "/var/lib/ledger/l.db"),
        ("sqlite:///data/l.db", "data/l.db"),
    ],
)
def test_a_sqlite_url_names_the_file(url: str, path: str) -> None:
    database = Settings.from_env({"LEDGER_DATABASE_URL": url}).database
    assert database.sqlite_path == path
    assert database.eventsourcing_env()["SQLITE_DBNAME"] == path


def test_a_postgresql_url_selects_eventsourcings_postgres_module_with_a_pool() -> None:
    settings = Settings.from_env(
        {
            "LEDGER_DATABASE_URL": "postgresql://ledger:s%40cret@db.example:6543/credentials",
            "LEDGER_DATABASE_SCHEMA": "ledger",
            "LEDGER_DB_POOL_SIZE": "12",
            "LEDGER_POLICY": "finland",
        }
    )
    env = settings.database.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert env["APPLICATION_RECORDER_TOPIC"].endswith("LedgerPostgresRecorder")
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.example", "6543")
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_USER"]) == ("credentials", "ledger")
    assert env["POSTGRES_PASSWORD"] == "s@cret"
    assert (env["POSTGRES_SCHEMA"], env["POSTGRES_POOL_SIZE"]) == ("ledger", "12")
    assert settings.policy is FINLAND
    assert "s@cret" not in settings.database.describe()
    assert "secret" not in settings.database.describe()


def test_the_schema_may_be_named_in_the_url_and_every_part_sees_it() -> None:
    database = Settings.from_env(
        {"LEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1/test?schema=ledger_ie"}
    ).database
    assert database.schema == "ledger_ie"
    assert database.eventsourcing_env()["POSTGRES_SCHEMA"] == "ledger_ie"
    assert "(schema ledger_ie)" in database.describe()


def test_two_different_schemas_are_refused() -> None:
    with pytest.raises(ValueError, match="give one of them"):
        DatabaseSettings(url="postgresql://h/db?schema=a", schema="b")


def test_the_postgres_scheme_alias_is_accepted() -> None:
    assert Settings.from_env({"LEDGER_DATABASE_URL": "postgres://h/db"}).database.is_postgres


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/ledger", "ledger.sqlite3", "http://example.org"]
)
def test_an_unsupported_url_is_refused_with_a_clear_message(url: str) -> None:
    with pytest.raises(ValueError, match=r"must start with sqlite:// or postgresql://"):
        Settings.from_env({"LEDGER_DATABASE_URL": url})


def test_a_refused_url_does_not_repeat_its_password() -> None:
    with pytest.raises(ValueError) as refused:
        Settings.from_env({"LEDGER_DATABASE_URL": "mysql://root:hunter2@db/ledger"})
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("size", ["many", "0"])
def test_a_bad_pool_size_is_refused_clearly(size: str) -> None:
    with pytest.raises(ValueError, match=r"LEDGER_DB_POOL_SIZE|at least one"):
        Settings.from_env({"LEDGER_DATABASE_URL": "postgresql://h/db", "LEDGER_DB_POOL_SIZE": size})
