"""Measure the ledger while PostgreSQL goes away: time to answer 503, time for /readyz to
say 503, time to recover, writes lost.

    .venv/bin/python scripts/faults.py [--outage 10] [--faults refuse blackhole]
        [--modes embedded worker] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

For each fault and deployment it serves a ledger (real ``ledger serve`` processes, and a
``ledger project`` worker in ``worker`` mode) on a database of its own, reaching
PostgreSQL through the test suite's fault proxy (tests/reliability/proxy.py); runs a
load (writers issuing awards, readers checking a status, a /readyz probe); cuts the
database for ``--outage`` seconds; restores it; and prints the figures as a Markdown
table (docs/reliability.md has a run).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx2
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.harness import ServedLedger, served_through_proxy

REFUSED_SAMPLE = 1000


@dataclass(frozen=True)
class Call:
    kind: str
    started: float
    took: float
    status: int  # 0: no HTTP answer (transport error)
    reference: str = ""


class Load:
    def __init__(self, served: ServedLedger, writers: int, readers: int) -> None:
        self.served = served
        self.calls: list[Call] = []
        self.acknowledged: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._known = served.issued[next(iter(served.issued))]
        self._threads = [
            *(threading.Thread(target=self._write, args=(n,)) for n in range(writers)),
            *(threading.Thread(target=self._read) for _ in range(readers)),
            threading.Thread(target=self._probe),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _timed(self, http: httpx2.Client, kind: str, method: str, path: str, **kw: object) -> int:
        started = time.monotonic()
        try:
            status = http.request(method, path, timeout=60, **kw).status_code  # type: ignore[arg-type]
        except httpx2.TransportError:
            status = 0
        self._record(Call(kind, started, time.monotonic() - started, status))
        return status

    def _write(self, n: int) -> None:
        served = self.served
        with httpx2.Client(base_url=served.base) as http:
            i = 0
            while not self._stop.is_set():
                reference = f"w{n}-{i}"
                i += 1
                body = {
                    "learner_id": f"learner-{reference}",
                    "micro_credential_id": served.credential_id,
                    "provider_reference": reference,
                    "assessment": {
                        "method": "practical project",
                        "result": "pass",
                        "assessed_on": "2026-01-10",
                    },
                }
                started = time.monotonic()
                try:
                    response = http.post(
                        "/v1/providers/FLT/awards",
                        headers=served.provider_headers,
                        json=body,
                        timeout=60,
                    )
                    status = response.status_code
                except httpx2.TransportError:
                    status = 0
                took = time.monotonic() - started
                self._record(Call("write", started, took, status, reference))
                if status == 201:
                    with self._lock:
                        self.acknowledged[reference] = response.json()["awards"][0]["award_id"]
                time.sleep(0.05)

    def _read(self) -> None:
        with httpx2.Client(base_url=self.served.base) as http:
            while not self._stop.is_set():
                self._timed(http, "status", "GET", f"/v1/credentials/{self._known}/status")
                time.sleep(0.02)

    def _probe(self) -> None:
        with httpx2.Client(base_url=self.served.base) as http:
            while not self._stop.is_set():
                self._timed(http, "readyz", "GET", "/readyz")
                time.sleep(0.1)


def scenario(admin_url: str, fault: str, mode: str, outage: float) -> dict[str, str]:
    name = f"ledger_faults_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        with (
            tempfile.TemporaryDirectory() as workdir,
            open(os.devnull, "w") as quiet,
        ):
            stdout, sys.stdout = sys.stdout, quiet  # the harness prints the server logs
            try:
                with served_through_proxy(
                    database_url, Path(workdir), worker=mode == "worker"
                ) as served:
                    return _measure(served, fault, outage)
            finally:
                sys.stdout = stdout
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _measure(served: ServedLedger, fault: str, outage: float) -> dict[str, str]:
    assert served.issue("seed").status_code == 201
    load = Load(served, writers=4, readers=2)
    load.start()
    time.sleep(3)
    cut = time.monotonic()
    getattr(served.proxy, fault)()
    time.sleep(outage)
    back = time.monotonic()
    served.proxy.restore()
    time.sleep(5)
    load.stop()

    def during(kind: str) -> list[Call]:
        # Those in flight at the cut too.
        return [
            c
            for c in load.calls
            if c.kind == kind and c.started + c.took > cut and c.started < back - 0.5
        ]

    def recovered(kind: str) -> float:
        ok = [
            c.started + c.took - back
            for c in load.calls
            if c.kind == kind and c.started >= back and c.status < 300 and c.status
        ]
        return min(ok) if ok else float("nan")

    figures: dict[str, str] = {}
    for kind in ("write", "status", "readyz"):
        calls = during(kind)
        times = [c.took for c in calls]
        statuses = sorted({c.status for c in calls})
        figures[f"{kind}: answers during the outage"] = (
            f"{len(calls)}, status {'/'.join(map(str, statuses))}" if calls else "none"
        )
        if times:
            figures[f"{kind}: answer time, median / max"] = (
                f"{statistics.median(times):.3f} s / {max(times):.3f} s"
            )
        figures[f"{kind}: back after restore"] = f"{recovered(kind):.2f} s"
    first_503 = [
        c.started + c.took - cut
        for c in load.calls
        if c.kind == "readyz" and c.started >= cut and c.status == 503
    ]
    figures["readyz: first 503 after the cut"] = f"{min(first_503):.2f} s" if first_503 else "-"

    # Every acknowledged write is there; none of those answered 503 is.
    lost = 0
    with httpx2.Client(base_url=served.base, timeout=30) as http:
        for award_id in load.acknowledged.values():
            if http.get(f"/v1/credentials/{award_id}/status").status_code != 200:
                lost += 1
    refused = [c.reference for c in load.calls if c.kind == "write" and c.status == 503]
    found = 0
    # One by one over HTTP: a sample of them after a long outage (there are thousands).
    sample = random.Random(0).sample(refused, min(len(refused), REFUSED_SAMPLE))
    for reference in sample:
        response = served.issue(reference)
        if response.status_code == 201 and not response.json()["awards"][0]["created"]:
            found += 1
    unknown = sum(1 for c in load.calls if c.kind == "write" and c.status == 504)
    figures["writes acknowledged / lost"] = f"{len(load.acknowledged)} / {lost}"
    checked = "" if len(sample) == len(refused) else f" (of {len(sample)} checked)"
    figures["writes answered 503 / recorded anyway"] = f"{len(refused)} / {found}{checked}"
    figures["writes answered 504 (outcome unknown)"] = str(unknown)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=10.0, help="seconds without database")
    parser.add_argument("--faults", nargs="+", default=["refuse", "blackhole"])
    parser.add_argument("--modes", nargs="+", default=["embedded", "worker"])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    columns: list[tuple[str, dict[str, str]]] = []
    for fault in args.faults:
        for mode in args.modes:
            print(f"measuring {fault} / {mode} ({args.outage:g} s outage)...", file=sys.stderr)
            columns.append((f"{fault}, {mode}", scenario(args.admin_url, fault, mode, args.outage)))
    rows = list(columns[0][1])
    print(f"Outage of {args.outage:g} s, LEDGER_DB_TIMEOUT_SECONDS=2, 4 writers, 2 readers.\n")
    print("| figure | " + " | ".join(name for name, _ in columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for row in rows:
        print(f"| {row} | " + " | ".join(c.get(row, "-") for _, c in columns) + " |")


if __name__ == "__main__":
    main()
