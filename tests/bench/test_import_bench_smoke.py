"""The historical import's benchmark, run end to end at a toy size so that it cannot
rot: a table row per store, with figures; never how fast."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ADMIN_URL

pytestmark = pytest.mark.postgres

ROW = re.compile(
    r"^\| (PostgreSQL [\d.]+|SQLite \(embedded\)) \| 120 "
    r"\| [\d.]+ s \| [\d,]+ awards/s \| [\d.]+ s \|$"
)


def test_the_import_benchmark_times_both_stores(postgres_database: str) -> None:
    del postgres_database  # only to fail (or skip) like every PostgreSQL test
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.import_bench",
            "--awards",
            "120",
            "--providers",
            "3",
            "--admin-url",
            ADMIN_URL,
            "--database",
            "ledger_import_bench_smoke",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if ROW.match(line)]
    assert len(rows) == 2, done.stdout
