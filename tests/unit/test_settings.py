"""One `Settings` for every variable a process reads, each value checked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from ledger.config import (
    CorsSettings,
    LoggingSettings,
    ServerSettings,
    Settings,
    parse_bool,
)


class RecordingEnvironment(Mapping[str, str]):
    """An empty environment that remembers what was asked of it."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(name)
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_from_env_reads_exactly_the_declared_variables() -> None:
    environ = RecordingEnvironment()
    Settings.from_env(environ)
    assert environ.asked == set(Settings.VARIABLES)
    assert len(set(Settings.VARIABLES)) == len(Settings.VARIABLES)


def test_the_defaults_are_the_embedded_modes() -> None:
    settings = Settings.from_env({})
    assert settings.http.max_body_bytes == 16 * 1024 * 1024
    assert settings.logging == LoggingSettings(level="INFO", access_log=True)
    assert settings.cors.origins == ("*",)
    assert settings.projections.embedded
    assert settings.metrics.multiprocess_dir is None
    assert settings.server == ServerSettings(host="127.0.0.1", port=8000, workers=1)
    assert settings.rate_limits.enabled


@pytest.mark.parametrize("word", ["0", "false", "FALSE", "No", "off", " OFF "])
def test_every_spelling_of_off_turns_the_access_log_off(word: str) -> None:
    assert not Settings.from_env({"LEDGER_ACCESS_LOG": word}).logging.access_log


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "Yes", "on"])
def test_every_spelling_of_on_keeps_it_on(word: str) -> None:
    assert Settings.from_env({"LEDGER_ACCESS_LOG": word}).logging.access_log


@pytest.mark.parametrize("name", ["LEDGER_ACCESS_LOG", "LEDGER_EMBEDDED_PROJECTIONS"])
def test_a_switch_spelled_otherwise_is_refused_naming_its_variable(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be one of 1/true/yes/on or 0/false/no/off"):
        Settings.from_env({name: "disabled"})


def test_one_boolean_parser() -> None:
    assert parse_bool("X", "Off") is False
    assert parse_bool("X", "ON") is True
    with pytest.raises(ValueError, match="X"):
        parse_bool("X", "2")


def test_embedded_projections_follow_the_same_switch() -> None:
    assert not Settings.from_env({"LEDGER_EMBEDDED_PROJECTIONS": "FALSE"}).projections.embedded


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEDGER_MAX_BODY_BYTES", "big"),
        ("LEDGER_MAX_BODY_BYTES", "0"),
        ("LEDGER_LOG_LEVEL", "LOUD"),
        ("LEDGER_CORS_ORIGINS", "https://hr.example/"),
        ("LEDGER_PORT", "http"),
        ("LEDGER_PORT", "70000"),
        ("LEDGER_WORKERS", "0"),
        ("LEDGER_PUBLIC_BURST", "many"),
        ("LEDGER_DB_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_the_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "LEDGER_MAX_BODY_BYTES": "1024",
            "LEDGER_LOG_LEVEL": "warning",
            "LEDGER_CORS_ORIGINS": "https://hr.one.example, http://localhost:3000",
            "LEDGER_HOST": "0.0.0.0",
            "LEDGER_PORT": "9000",
            "LEDGER_WORKERS": "4",
        }
    )
    assert settings.http.max_body_bytes == 1024
    assert settings.logging.level == "WARNING"
    assert settings.cors == CorsSettings(("https://hr.one.example", "http://localhost:3000"))
    assert settings.server == ServerSettings(host="0.0.0.0", port=9000, workers=4)


def test_an_empty_cors_list_turns_cors_off() -> None:
    assert Settings.from_env({"LEDGER_CORS_ORIGINS": ""}).cors.origins == ()


def test_the_shared_metrics_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    assert settings.metrics.multiprocess_dir == tmp_path
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with pytest.raises(ValueError, match="PROMETHEUS_MULTIPROC_DIR"):
        Settings.from_env({"PROMETHEUS_MULTIPROC_DIR": str(not_a_folder)})


def test_read_replicas_are_a_comma_separated_list_of_postgresql_urls() -> None:
    settings = Settings.from_env(
        {
            "LEDGER_DATABASE_URL": "postgresql://u@primary:5432/ledger",
            "LEDGER_DATABASE_SCHEMA": "reg",
            "LEDGER_READ_DATABASE_URL": " postgresql://u@r1:5432/ledger ,postgresql://u@r2/ledger,",
            "LEDGER_READ_REPLICA_MAX_LAG_SECONDS": "0.5",
        }
    )
    database = settings.database
    assert database.read_urls == ("postgresql://u@r1:5432/ledger", "postgresql://u@r2/ledger")
    assert database.replica_max_lag == 0.5
    # Each replica is read with the primary's schema, pool size and timeout.
    assert [(r.url, r.schema, r.pool_size) for r in database.replicas()] == [
        ("postgresql://u@r1:5432/ledger", "reg", 5),
        ("postgresql://u@r2/ledger", "reg", 5),
    ]
    without = Settings.from_env({"LEDGER_DATABASE_URL": "postgresql://u@primary/ledger"})
    assert without.database.read_urls == ()
    assert without.database.replicas() == ()


def test_read_replicas_are_refused_with_an_sqlite_store() -> None:
    with pytest.raises(ValueError, match=r"LEDGER_READ_DATABASE_URL .* SQLite"):
        Settings.from_env({"LEDGER_READ_DATABASE_URL": "postgresql://u@r1/ledger"})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LEDGER_READ_DATABASE_URL", "sqlite:///replica.sqlite3", "must be PostgreSQL URLs"),
        ("LEDGER_READ_REPLICA_MAX_LAG_SECONDS", "0", "between 0 and 3600"),
        ("LEDGER_READ_REPLICA_MAX_LAG_SECONDS", "soon", "must be a number"),
    ],
)
def test_bad_read_replica_settings_are_refused(variable: str, value: str, message: str) -> None:
    environ = {
        "LEDGER_DATABASE_URL": "postgresql://u@primary/ledger",
        "LEDGER_READ_DATABASE_URL": "postgresql://u@r1/ledger",
        variable: value,
    }
    with pytest.raises(ValueError, match=message):
        Settings.from_env(environ)
