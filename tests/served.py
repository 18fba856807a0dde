"""``ledger serve`` as a real process, for tests that speak to it as an outside client
does: started on a free port, waited for, stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx2

from scripts.bench.serving import free_port, stop  # one copy, the bench harness's

LEDGER = str(Path(sys.executable).with_name("ledger"))


def process_output(process: subprocess.Popen[bytes]) -> Callable[[], str]:
    """What a process started with ``stdout=PIPE`` wrote (read once it has failed)."""
    return lambda: process.stdout.read().decode() if process.stdout else ""


def wait_until_answering(
    base: str,
    process: subprocess.Popen[bytes],
    output: Callable[[], str],
    *,
    probe: str = "/readyz",
    timeout: float = 30.0,
) -> None:
    """Return once ``base + probe`` answers 200; fail with the server's output if the
    process exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx2.get(f"{base}{probe}", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            msg = f"ledger serve did not answer {probe}:\n{output()}"
            raise RuntimeError(msg)
        time.sleep(0.1)


def fast_checkpoints_env(tmp_path: Path) -> dict[str, str]:
    """A ``ledger serve`` environment on a new SQLite file whose log signs a checkpoint
    every 0.2 s while events arrive."""
    return {
        **os.environ,
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "LEDGER_POLICY": "ireland",
        "LEDGER_ACTOR": "authority:operator:test",
        "LEDGER_ACCESS_LOG": "0",
        "LEDGER_LOG_CHECKPOINT_SECONDS": "0.2",
    }


def signed_checkpoint(base: str, *, at_least: int, timeout: float = 20.0) -> str:
    """The served checkpoint, once it signs a tree of at least ``at_least`` leaves."""
    deadline = time.monotonic() + timeout
    while True:
        answer = httpx2.get(f"{base}/v1/log/checkpoint", timeout=5)
        if answer.status_code == 200 and int(answer.text.split("\n")[1]) >= at_least:
            return answer.text
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)


@contextmanager
def ledger_serve(
    env: Mapping[str, str],
    log: Path,
    *options: str,
    port: int | None = None,
    probe: str = "/readyz",
    timeout: float = 30.0,
) -> Iterator[str]:
    """``ledger serve`` (with ``options``) in a process of its own, on ``port`` or a free
    one, its output in the file ``log``: a file, not a pipe nobody reads that could fill
    up. Yields the base URL once it answers; the process is stopped after."""
    port = free_port() if port is None else port
    with log.open("ab") as output:
        process = subprocess.Popen(
            [LEDGER, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, process, log.read_text, probe=probe, timeout=timeout)
        yield base
    finally:
        stop(process)
