"""The API under uvicorn in a process of its own, and load on it from another process.

Load comes from ``wrk`` (Debian's package; scripts/test.sh installs it) with a Lua script
that picks a random award id per request; without wrk, a small asyncio client in a
subprocess does the same (slower: the figures are then marked as such).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx2

from scripts.bench import cpu

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LUA = HERE / "status.lua"


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    non_2xx: int
    tool: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask ``process`` to stop; kill it if it has not within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PLAIN_APP = "scripts.bench.plain:create_plain_app"


class ApiServer:
    """`uvicorn scripts.bench.server:create_bench_app` on loopback: the API as
    `ledger serve` runs it (one worker, no access log) plus the constant route; or, with
    ``app=PLAIN_APP``, the plain FastAPI application of the second denominator."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        *,
        workers: int = 1,
        app: str = "scripts.bench.server:create_bench_app",
    ) -> None:
        self.app = app
        self.log_path = log_path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ApiServer:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        # The API's JSON access log stays on, as `ledger serve` runs it; into a file.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = (
                    f"the API exited with {self.process.returncode} while starting; "
                    f"see {self.log_path}"
                )
                raise RuntimeError(msg)
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.__exit__()
        msg = "the API did not answer /healthz within 60 s"
        raise RuntimeError(msg)

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            stop(self.process)

    def cpu_seconds(self) -> float:
        """CPU time the API process (with its workers, if any) has used so far."""
        assert self.process is not None
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(cpu.process_seconds(pid) for pid in pids)

    def rss_mib(self) -> float:
        """Resident memory of the API process (with its workers, if any)."""
        assert self.process is not None
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(_rss_kib(pid) for pid in pids) / 1024


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_load(
    base_url: str,
    *,
    path: str | None = None,
    ids_file: Path | None = None,
    seconds: float,
    connections: int,
    threads: int,
) -> Load:
    """Hammer ``path`` (or the status of random ids from ``ids_file``) for ``seconds``."""
    if seconds <= 0:
        return Load(0.0, 0.0, 0.0, 0, 0, 0, "none")
    env = {**os.environ, "BENCH_PATH": path or "/", "BENCH_IDS": str(ids_file or "")}
    wrk = shutil.which("wrk")
    if wrk:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            base_url,
        ]
        tool = f"wrk -t{threads} -c{connections}"
    else:
        command = [
            sys.executable,
            str(HERE / "pyload.py"),
            base_url,
            str(seconds),
            str(connections),
        ]
        tool = f"asyncio client, {connections} connections (wrk not installed)"
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line[len("BENCH_JSON ") :])
            duration = raw["duration_us"] / 1e6
            return Load(
                requests_per_second=raw["requests"] / duration if duration else 0.0,
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
                requests=raw["requests"],
                errors=raw["errors"],
                non_2xx=raw["non_2xx"],
                tool=tool,
            )
    msg = f"the load generator gave no result: {done.stdout[-500:]} {done.stderr[-500:]}"
    raise RuntimeError(msg)


@contextlib.contextmanager
def ids_file(path: Path, award_ids: list[str]) -> Iterator[Path]:
    path.write_text("\n".join(award_ids) + "\n", encoding="utf-8")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
