"""``ledger serve --workers N``: the workers end with the process that started them.

A master killed outright (SIGKILL: the OOM killer, ``kill -9``, a container runtime's
last resort) cannot stop its workers; they must notice themselves, or they go on
serving the port and the restarted ``ledger serve`` exits with "address already in use".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from ledger.config import DatabaseSettings
from tests.served import LEDGER, free_port, stop

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads a process's children from /proc"
)


def started_at(pid: int) -> str | None:
    """The start time of process ``pid`` (None once it has ended, zombie or gone): tells
    it from a later process given the same pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None if fields[0] == "Z" else fields[19]


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below ``pid``."""
    found: list[tuple[int, str]] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in map(int, children):
                if (start := started_at(child)) is not None:
                    found.append((child, start))
                    pending.append(child)
    return found


def answers(base: str) -> bool:
    try:
        return httpx2.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx2.TransportError:
        return False


class Served:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [LEDGER, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while not answers(self.base):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ledger serve did not answer:\n{log.read_text()}")
            time.sleep(0.1)
        # Both workers, once each has started (the first to answer may be alone).
        while len(self.workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.children = descendants(self.process.pid)

    def workers(self) -> list[tuple[int, str]]:
        return [
            (pid, start)
            for pid, start in descendants(self.process.pid)
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]


@pytest.fixture
def servers(database: DatabaseSettings, tmp_path: Path) -> Iterator[list[Served]]:
    """The ``ledger serve`` processes a test starts; whatever is left of them is ended."""
    started: list[Served] = []
    try:
        yield started
    finally:
        for served in started:
            stop(served.process)
            for pid, start in served.children:
                if started_at(pid) == start:  # an orphaned worker of a killed master
                    os.kill(pid, signal.SIGKILL)
            print(served.log.read_text())


@pytest.fixture
def env(database: DatabaseSettings) -> dict[str, str]:
    return {
        **os.environ,
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATABASE_SCHEMA": database.schema,
        "LEDGER_ACCESS_LOG": "0",
    }


def test_workers_end_when_their_master_is_killed_and_a_restart_takes_the_port(
    env: dict[str, str], servers: list[Served], tmp_path: Path
) -> None:
    port = free_port()
    servers.append(first := Served(env, port, tmp_path / "first.log"))
    workers = first.workers()
    assert len(workers) == 2, first.children

    first.process.send_signal(signal.SIGKILL)
    first.process.wait()

    deadline = time.monotonic() + 10
    while any(started_at(pid) == start for pid, start in workers) or answers(first.base):
        assert time.monotonic() < deadline, "the killed master's workers still run"
        time.sleep(0.1)

    servers.append(second := Served(env, port, tmp_path / "second.log"))
    assert second.process.poll() is None
    assert answers(second.base)
