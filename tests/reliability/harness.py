"""A served ledger whose PostgreSQL is reached through a `FaultProxy`, for the fault
tests and ``scripts/faults.py``: real ``ledger serve`` (and ``ledger project``)
processes, a database schema of their own, and a small world set up over HTTP."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx2
import psycopg

from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.infrastructure.keys import KeyStore
from ledger.infrastructure.side_tables import SideTables
from ledger.policy import IRELAND
from tests.reliability.proxy import FaultProxy
from tests.served import LEDGER, free_port, stop, wait_until_answering

ASSESSMENT = {"method": "practical project", "result": "pass", "grade": "B+"}
SPECIFICATION: dict[str, Any] = {
    "title": "Data Analytics Fundamentals",
    "learning_outcomes": ["Clean a data set", "Explain a regression"],
    "workload_ects": 10,
    "assessment_type": "practical project",
    "participation_form": "blended",
    "quality_assurance": "QQI validated programme",
    "field_of_study": "0688 ICT",
    "nqf_level": 6,
    "eqf_level": 5,
}


@dataclass
class ServedLedger:
    base: str
    proxy: FaultProxy
    provider_headers: dict[str, str]
    credential_id: str
    http: httpx2.Client
    issued: dict[str, str] = field(default_factory=dict)
    """Provider reference -> award id of every issuance the ledger acknowledged."""

    def issue(self, reference: str, timeout: float = 30) -> httpx2.Response:
        body = {
            "learner_id": f"learner-{reference}",
            "micro_credential_id": self.credential_id,
            "provider_reference": reference,
            "assessment": {
                **ASSESSMENT,
                "assessed_on": (date.today() - timedelta(days=3)).isoformat(),
            },
        }
        response = self.http.post(
            "/v1/providers/FLT/awards", headers=self.provider_headers, json=body, timeout=timeout
        )
        if response.status_code == 201:
            self.issued[reference] = response.json()["awards"][0]["award_id"]
        return response

    def status(self, award_id: str, timeout: float = 30) -> httpx2.Response:
        return self.http.get(f"/v1/credentials/{award_id}/status", timeout=timeout)

    def get(self, path: str, timeout: float = 30) -> httpx2.Response:
        return self.http.get(path, timeout=timeout)


@contextmanager
def served_through_proxy(
    admin_database_url: str, workdir: Path, *, worker: bool = False, timeout: float = 2.0
) -> Iterator[ServedLedger]:
    """``ledger serve`` on a fresh schema of ``admin_database_url``'s database, talking
    to PostgreSQL through a proxy; with ``worker``, the projections run in a separate
    ``ledger project`` (also through the proxy) instead of inside the server."""
    parsed = urlparse(admin_database_url)
    schema = f"f_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    direct = DatabaseSettings(url=admin_database_url, schema=schema, pool_size=2)
    ledger = Ledger(Settings(database=direct, policy=IRELAND))
    try:
        secret = (
            KeyStore(SideTables(ledger.recorder))
            .create(role=Role.AUTHORITY, name="operator")
            .secret
        )
    finally:
        ledger.close()

    proxy = FaultProxy((parsed.hostname or "127.0.0.1", parsed.port or 5432))
    user = parsed.username or "postgres"
    proxied = f"postgresql://{user}@127.0.0.1:{proxy.port}{parsed.path}"
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": proxied,
        "LEDGER_DATABASE_SCHEMA": schema,
        "LEDGER_DB_TIMEOUT_SECONDS": str(timeout),
        "LEDGER_ACCESS_LOG": "0",
    }
    processes: list[subprocess.Popen[bytes]] = []
    port = free_port()
    logs = workdir / "serve.log"
    try:
        with logs.open("wb") as output:
            if worker:
                env["LEDGER_EMBEDDED_PROJECTIONS"] = "0"
                processes.append(
                    subprocess.Popen(
                        [LEDGER, "project", "--poll-interval", "0.5"],
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
            server = subprocess.Popen(
                [LEDGER, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            processes.append(server)
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(base, server, logs.read_text)
        with httpx2.Client(base_url=base, timeout=30) as http:
            served = ServedLedger(base, proxy, *_world(http, secret), http=http)
            yield served
    finally:
        for process in processes:
            stop(process)
        proxy.close()
        if logs.exists():
            print("ledger processes said:", logs.read_text()[-20000:], sep="\n")


def _world(http: httpx2.Client, secret: str) -> tuple[dict[str, str], str]:
    """An accredited provider with a key and an accredited micro-credential."""
    authority = {"Authorization": f"Bearer {secret}"}

    def ok(response: httpx2.Response) -> Any:
        if response.status_code >= 300:
            msg = f"{response.request.url}: {response.status_code} {response.text}"
            raise RuntimeError(msg)
        return response.json()

    ok(
        http.post(
            "/v1/authority/providers",
            headers=authority,
            json={"code": "FLT", "name": "Fault TU", "country": "IE", "kind": "university"},
        )
    )
    ok(
        http.post(
            "/v1/authority/providers/FLT/accreditation",
            headers=authority,
            json={
                "scope": {"levels": [6], "fields": ["0688 ICT"]},
                "valid_until": (date.today() + timedelta(days=365)).isoformat(),
                "decision_reference": "QQI/ACC/1",
            },
        )
    )
    key = ok(
        http.post("/v1/authority/providers/FLT/keys", headers=authority, json={"name": "sis"})
    )["secret"]
    provider = {"Authorization": f"Bearer {key}"}
    credential = ok(
        http.post(
            "/v1/providers/FLT/micro-credentials",
            headers=provider,
            json={"code": "F-1", "specification": SPECIFICATION},
        )
    )["micro_credential_id"]
    ok(
        http.post(
            f"/v1/authority/micro-credentials/{credential}/accreditation",
            headers=authority,
            json={"decision_reference": "V-1"},
        )
    )
    return provider, credential


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - started


def until_ok(call: Any, *args: Any, limit: float = 30, **kwargs: Any) -> tuple[Any, float]:
    """Call until it answers 2xx; the answer and the seconds it took."""
    started = time.monotonic()
    while True:
        try:
            response = call(*args, **kwargs)
            if response.status_code < 300:
                return response, time.monotonic() - started
        except httpx2.TransportError:
            response = None
        if time.monotonic() - started > limit:
            return response, time.monotonic() - started
        time.sleep(0.05)
