"""The README's demo on the embedded store: ``ledger serve`` in one terminal, ledger
commands in another, against the same SQLite file, as separate processes.

SQLite only: the fault this guards against (a process dropping SQLite's POSIX locks on
its own database file by opening and closing that file itself, so another process's exit
deleted the server's write-ahead log) has no counterpart on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2
import orjson
import pytest

from ledger.domain import ids
from tests.served import LEDGER, free_port, process_output, stop, wait_until_answering


def ledger(env: dict[str, str], *args: str) -> str:
    """Run one ``ledger`` command to the end, as an operator would; its output."""
    done = subprocess.run(
        [LEDGER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"ledger {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def secret_in(output: str) -> str:
    return next(word for word in output.split() if word.startswith("mcl_"))


class Server:
    """A ``ledger serve`` process on one port, restartable."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.base = f"http://127.0.0.1:{(port := free_port())}"
        self.command = [LEDGER, "serve", "--host", "127.0.0.1", "--port", str(port)]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = process = subprocess.Popen(
            self.command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        wait_until_answering(self.base, process, process_output(process))

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "LEDGER_POLICY": "ireland",
        "LEDGER_ACTOR": "authority:operator:test",
        "LEDGER_ACCESS_LOG": "0",
    }


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[Server]:
    server = Server(env)
    try:
        yield server
    finally:
        server.stop()


def register(http: httpx2.Client, secret: str, code: str) -> None:
    answer = http.post(
        "/v1/authority/providers",
        headers={"Authorization": f"Bearer {secret}"},
        json={"code": code, "name": f"Provider {code}", "country": "IE", "kind": "university"},
    )
    assert answer.status_code == 201, answer.text


def test_writes_answered_201_survive_ledger_commands_run_beside_the_server(
    env: dict[str, str], server: Server, tmp_path: Path
) -> None:
    secret = secret_in(ledger(env, "authority", "create-key", "--name", "operator"))
    server.start()
    codes: list[str] = []
    with httpx2.Client(base_url=server.base, timeout=10) as http:
        # A write of the server's, then each command of the README's second terminal,
        # each followed by another write of the server's.
        register(http, secret, code := "BESIDE-0")
        codes.append(code)
        beside = [
            ["seed", "--awards", "21"],
            ["authority", "create-key", "--name", "second officer"],
            ["audit", "--limit", "5"],
            ["rebuild"],
            ["project", "--status"],
        ]
        for number, command in enumerate(beside, start=1):
            output = ledger(env, *command)
            if command[:2] == ["authority", "create-key"]:
                second = secret_in(output)
            register(http, secret, code := f"BESIDE-{number}")
            codes.append(code)
    server.stop()

    server.start()
    with httpx2.Client(base_url=server.base, timeout=10) as http:
        for code in codes:
            history = http.get(
                f"/v1/authority/aggregates/{ids.provider_id(code)}/events",
                headers={"Authorization": f"Bearer {secret}"},
            )
            assert history.status_code == 200, (code, history.text)
        # The commands' own writes survived the server too: the key made beside it.
        keys = http.get("/v1/authority/keys", headers={"Authorization": f"Bearer {second}"})
        assert keys.status_code == 200, keys.text
        # And a write after the restart is answered as before.
        register(http, secret, "AFTER-RESTART")
    server.stop()

    with contextlib.closing(sqlite3.connect(tmp_path / "ledger.sqlite3")) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_awards_imported_beside_the_server_answer_with_both_their_dates(
    env: dict[str, str], server: Server, tmp_path: Path
) -> None:
    """The authority imports an earlier register while the server runs; the audit
    shows each imported event's source, and an employer checking an imported award
    finds it valid, issued on its own day years ago, entered in the register today,
    with the page saying both."""
    from scripts.history_file import write_history  # the benchmark's generator

    secret = secret_in(ledger(env, "authority", "create-key", "--name", "operator"))
    server.start()
    write_history(export := tmp_path / "old.jsonl", awards=12, providers=2)
    output = ledger(env, "import", str(export), "--source", "register of 2016-2024")
    assert "awards: 12 written" in output
    first = orjson.loads(export.read_bytes().splitlines()[-12])
    record_id = ids.learner_record_id(first["learner_id"])
    with httpx2.Client(base_url=server.base, timeout=10) as http:
        events = http.get(
            f"/v1/authority/aggregates/{record_id}/events",
            headers={"Authorization": f"Bearer {secret}"},
        ).json()["events"]
        issued = next(
            e["data"]
            for e in events
            if e["type"] == "LearnerRecord.AwardIssued"
            and e["data"]["provider_reference"] == first["provider_reference"]
        )
        # Another process wrote it: the server's views catch up within the status bound.
        deadline = time.monotonic() + 10
        while (
            status := http.get(f"/v1/credentials/{issued['award_id']}/status")
        ).status_code == 404:
            assert time.monotonic() < deadline, status.text
            time.sleep(0.1)
        answer = status.json()
        page = http.get(f"/verify/{issued['award_id']}").text
    assert issued["imported_from"] == "register of 2016-2024"
    assert answer["status"] == "valid", answer
    assert answer["issued_on"] == first["issued_on"]
    assert answer["recorded_at"][:10] == date.today().isoformat()
    assert "entered in the register on" in page
