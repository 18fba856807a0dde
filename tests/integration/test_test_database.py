"""The suite's own PostgreSQL set-up (issue 19, item 12): it needs nothing on the server
but the maintenance database every cluster has, and a server that is down fails the
PostgreSQL tests instead of skipping them, unless the opt-out says otherwise."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
A_POSTGRES_TEST = (
    "tests/integration/test_configuration.py"
    "::test_a_postgresql_url_with_a_schema_creates_and_uses_that_schema"
)


def run_one_postgres_test(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("LEDGER_TEST_POSTGRES", "CI")}
    environment.pop("LEDGER_TEST_SKIP_POSTGRES", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", A_POSTGRES_TEST, "-q", "-p", "no:cacheprovider"],
        check=False,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.postgres
def test_the_default_server_needs_only_its_maintenance_database() -> None:
    # The default names the `postgres` database, which a stock cluster has.
    result = run_one_postgres_test()
    assert "1 passed" in result.stdout, result.stdout + result.stderr


def test_a_server_that_is_down_fails_the_postgresql_tests_and_does_not_skip_them() -> None:
    result = run_one_postgres_test(
        LEDGER_TEST_POSTGRES=f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres"
    )
    assert result.returncode != 0
    assert "1 error" in result.stdout, result.stdout
    assert "skipped" not in result.stdout
    assert "LEDGER_TEST_SKIP_POSTGRES" in result.stdout


def test_the_opt_out_skips_the_postgresql_tests_and_says_why() -> None:
    result = run_one_postgres_test(
        LEDGER_TEST_POSTGRES=f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres",
        LEDGER_TEST_SKIP_POSTGRES="1",
    )
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "LEDGER_TEST_SKIP_POSTGRES" in result.stdout
