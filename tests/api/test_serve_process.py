"""``ledger serve`` as a real process, spoken to over a TCP socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import award, specification

LEDGER = str(Path(sys.executable).with_name("ledger"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, authority key) of a ``ledger serve`` on a SQLite file in tmp."""
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "LEDGER_ACCESS_LOG": "0",
    }
    created = subprocess.run(
        [LEDGER, "authority", "create-key", "--name", "operator"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    secret = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [LEDGER, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"ledger serve did not become ready:\n{output}")
            time.sleep(0.1)
        yield base, secret
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_a_served_ledger_issues_and_answers_status_over_a_socket(
    served: tuple[str, str],
) -> None:
    base, secret = served
    with httpx.Client(base_url=base, timeout=10) as http:
        authority = {"Authorization": f"Bearer {secret}"}
        assert (
            http.post(
                "/v1/authority/providers",
                headers=authority,
                json={
                    "code": "MTU",
                    "name": "Munster TU",
                    "country": "IE",
                    "kind": "university",
                },
            ).status_code
            == 201
        )
        assert (
            http.post(
                "/v1/authority/providers/MTU/accreditation",
                headers=authority,
                json={
                    "scope": {"levels": [6], "fields": ["0688 ICT"]},
                    "valid_until": (date.today() + timedelta(days=365)).isoformat(),
                    "decision_reference": "QQI/ACC/1",
                },
            ).status_code
            == 200
        )
        key = http.post(
            "/v1/authority/providers/MTU/keys", headers=authority, json={"name": "sis"}
        ).json()["secret"]
        provider = {"Authorization": f"Bearer {key}"}
        credential = http.post(
            "/v1/providers/MTU/micro-credentials",
            headers=provider,
            json={
                "code": "C-1",
                "specification": specification(),
            },
        ).json()["micro_credential_id"]
        assert (
            http.post(
                f"/v1/authority/micro-credentials/{credential}/accreditation",
                headers=authority,
                json={"decision_reference": "V-1"},
            ).status_code
            == 200
        )

        issued = http.post(
            "/v1/providers/MTU/awards", headers=provider, json=award("l-1", "R-1", credential)
        )
        assert issued.status_code == 201
        award_id = issued.json()["awards"][0]["award_id"]

        status = http.get(f"/v1/credentials/{award_id}/status")
        assert status.status_code == 200
        assert status.json()["status"] == "valid"
        assert status.headers["content-type"] == "application/json"
        assert http.get("/openapi.json").json()["info"]["title"]
