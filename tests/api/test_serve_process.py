"""``ledger serve`` as a real process (with its projection worker on PostgreSQL), spoken
to over a TCP socket."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx2
import pytest

from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.infrastructure.keys import KeyStore
from ledger.infrastructure.side_tables import SideTables
from ledger.policy import IRELAND
from tests.api.conftest import award, specification
from tests.served import LEDGER, free_port, process_output, stop, wait_until_answering


@pytest.fixture
def served(database: DatabaseSettings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, authority key) of a running ``ledger serve``.

    On SQLite, one process follows the log itself (the embedded default). On
    PostgreSQL, the deployment of ``docker-compose.yml``: two uvicorn workers without
    embedded projections, and a separate ``ledger project`` worker."""
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATABASE_SCHEMA": database.schema,
        "LEDGER_ACCESS_LOG": "0",
    }
    # The key as `ledger authority create-key` makes it (tested in test_keys.py),
    # without paying for another process start here.
    ledger = Ledger(Settings(database=database, policy=IRELAND))
    try:
        secret = (
            KeyStore(SideTables(ledger.recorder))
            .create(role=Role.AUTHORITY, name="operator")
            .secret
        )
    finally:
        ledger.close()
    processes: list[subprocess.Popen[bytes]] = []
    serve = [LEDGER, "serve", "--host", "127.0.0.1", "--port", str(port := free_port())]
    worker_output = tmp_path / "project.log"
    if database.is_postgres:
        env["LEDGER_EMBEDDED_PROJECTIONS"] = "0"
        with worker_output.open("wb") as output:
            processes.append(
                subprocess.Popen(
                    [LEDGER, "project", "--poll-interval", "0.5"],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
        serve += ["--workers", "2"]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    processes.append(server)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, server, process_output(server))
        yield base, secret
    finally:
        for process in processes:
            stop(process)
        if worker_output.exists():
            # Shown with the test's captured output when it fails.
            print("ledger project said:", worker_output.read_text(), sep="\n")


def test_a_served_ledger_issues_and_answers_status_over_a_socket(
    served: tuple[str, str],
) -> None:
    base, secret = served
    with httpx2.Client(base_url=base, timeout=10) as http:
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

        # Read-your-writes across processes: once the revocation has answered, every
        # worker's status answer says revoked.
        assert (
            http.post(
                f"/v1/providers/MTU/awards/{award_id}/revocation",
                headers=provider,
                json={"category": "issued_in_error", "note": "issued in error"},
            ).status_code
            == 200
        )
        for _ in range(6):
            assert http.get(f"/v1/credentials/{award_id}/status").json()["status"] == "revoked"
        assert http.get("/openapi.json").json()["info"]["title"]
