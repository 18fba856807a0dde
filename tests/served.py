"""Waiting for a ``ledger serve`` the tests started as a real process."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import httpx2


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
