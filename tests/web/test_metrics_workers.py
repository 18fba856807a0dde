"""``/metrics`` of ``ledger serve --workers 2`` as Prometheus scrapes it: each scrape
lands on either worker, and every one must give the same, true totals."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from ledger.config import DatabaseSettings
from tests.served import ledger_serve

REQUESTS = 30
SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$")


def samples(text: str) -> list[tuple[str, str, float]]:
    found = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            found.append((match[1], match[2] or "", float(match[3])))
    return found


@pytest.fixture
def two_workers(database: DatabaseSettings, tmp_path: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATABASE_SCHEMA": database.schema,
        "LEDGER_ACCESS_LOG": "0",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with ledger_serve(
        env, tmp_path / "serve.log", "--workers", "2", probe="/healthz", timeout=60
    ) as base:
        yield base


def test_every_scrape_of_two_workers_counts_the_requests_of_both(
    two_workers: str, database: DatabaseSettings
) -> None:
    before = scrape_count(two_workers)
    for _ in range(REQUESTS):  # a new connection each: the kernel spreads them
        assert httpx2.get(f"{two_workers}/healthz", timeout=5).status_code == 200

    counts = [scrape_count(two_workers) for _ in range(8)]

    assert counts == [before + REQUESTS] * 8
    text = httpx2.get(f"{two_workers}/metrics", timeout=5).text
    memory = [s for s in samples(text) if s[0] == "ledger_process_resident_memory_bytes"]
    assert len({labels for _, labels, _ in memory}) == 2, memory  # one per worker (pid)
    assert all(value > 10_000_000 for _, _, value in memory)
    assert any(name == "ledger_process_cpu_seconds_total" and v > 0 for name, _, v in samples(text))
    assert any(name == "ledger_build_info" for name, _, _ in samples(text))
    if database.is_postgres:
        pools = {
            labels: value
            for name, labels, value in samples(text)
            if name == "ledger_db_pool_connections"
        }
        assert pools['{pool="events",state="size"}'] >= 2  # both workers' pools, summed


def scrape_count(base: str) -> float:
    text = httpx2.get(f"{base}/metrics", timeout=5).text
    return sum(
        value
        for name, labels, value in samples(text)
        if name == "ledger_http_requests_total" and 'route="/healthz"' in labels
    )
