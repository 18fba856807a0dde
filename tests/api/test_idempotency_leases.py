"""An Idempotency-Key claim is a lease renewed by the process that holds it: a claim
whose process was killed is free again by the time the ``Retry-After`` it advertised has
passed, and the claim of a request that runs for longer than the lease is not stolen.

The first attempt runs in a real process of its own that claims the key through the
store, exactly as a request would, and is then SIGKILLed (or left running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.models.providers import IssueAward
from ledger.config import DatabaseSettings
from ledger.infrastructure.idempotency import LEASE, fingerprint
from tests.api.conftest import World, award, event_count

FIRST_ATTEMPT = """
import sys
from ledger.infrastructure.idempotency import IdempotencyStore, StoredAnswer
from ledger.infrastructure.side_tables import SideTables
from ledger.application import Ledger
from ledger.config import Settings

ledger = Ledger(Settings.from_env())
store = IdempotencyStore(SideTables(ledger.recorder))
principal, key, request_fingerprint = sys.argv[1:4]
claim = store.claim(principal, key, request_fingerprint)
print(type(claim).__name__, flush=True)
sys.stdin.readline()  # "the command has finished": until then the request runs
store.complete(principal, key, claim, StoredAnswer(201, b'{"answered": "first"}', None))
print("completed", flush=True)
ledger.close()
"""


@pytest.fixture
def first_attempt(database: DatabaseSettings) -> Iterator[Any]:
    started: list[subprocess.Popen[str]] = []

    def start(key: str, body: dict[str, Any], path: str) -> subprocess.Popen[str]:
        payload = IssueAward.model_validate(body).model_dump(mode="json")
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                FIRST_ATTEMPT,
                "provider:SETU",
                key,
                fingerprint("POST", path, payload),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "LEDGER_DATABASE_URL": database.url,
                "LEDGER_DATABASE_SCHEMA": database.schema,
                "LEDGER_POLICY": "ireland",
            },
        )
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "Claimed"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_claim_of_a_killed_process_is_taken_over_once_its_retry_after_has_passed(
    client: TestClient, world: World, first_attempt: Any
) -> None:
    body = award("l-701", "R-701", world.credential_id)
    path = world.setu.path("/awards")
    headers = {**world.setu.headers, "Idempotency-Key": "killed-1"}
    process = first_attempt("killed-1", body, path)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    wait = client.post(path, json=body, headers=headers)
    assert wait.status_code == 409
    assert wait.json()["type"].endswith("/idempotency-key-in-use")
    retry_after = int(wait.headers["Retry-After"])
    assert 1 <= retry_after <= LEASE.total_seconds()

    time.sleep(retry_after)  # as a client told to come back then does
    retried = client.post(path, json=body, headers=headers)

    assert retried.status_code == 201, retried.text
    assert retried.json()["awards"][0]["created"] is True
    assert "Idempotent-Replayed" not in retried.headers


def test_the_claim_of_a_request_running_longer_than_the_lease_is_not_stolen(
    client: TestClient, world: World, first_attempt: Any
) -> None:
    body = award("l-702", "R-702", world.credential_id)
    path = world.setu.path("/awards")
    headers = {**world.setu.headers, "Idempotency-Key": "slow-2"}
    process = first_attempt("slow-2", body, path)
    before = event_count(client)

    # Retry as told, for well past one lease: the live first attempt keeps its claim.
    until = time.monotonic() + LEASE.total_seconds() + 3
    retries = 0
    while time.monotonic() < until:
        waiting = client.post(path, json=body, headers=headers)
        assert waiting.status_code == 409, waiting.text
        retries += 1
        time.sleep(int(waiting.headers["Retry-After"]))
    assert retries >= 2

    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("finished\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "completed"
    answered = client.post(path, json=body, headers=headers)

    assert answered.status_code == 201
    assert answered.json() == {"answered": "first"}  # the first attempt's answer
    assert answered.headers["Idempotent-Replayed"] == "true"
    assert event_count(client) == before
