"""Where a process's CPU goes while the harness loads it: py-spy samples, by module.

py-spy (a dev dependency) reads a running process's Python stacks from outside, without
stopping it (``--nonblocking``), so the process profiled is the one measured: the API
under uvicorn, the projection worker. Each sample is charged to the innermost frame's
module (``api.status_lane``, ``projections.queries.status``; a library by its package:
``uvicorn``, ``psycopg``, ``asyncio``); time spent in C (orjson, a socket's system call)
is charged to the Python frame that called it. A share of samples over the work done in
the sampling window (requests answered, awards issued) gives microseconds per unit.
"""

from __future__ import annotations

import collections
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

RATE = 250
"""Samples per second: enough for a breakdown in a few seconds, light on the process."""

PROJECT_PACKAGES = {"api", "ledger", "projections", "cli", "scripts"}


def py_spy() -> str | None:
    """The py-spy executable of this environment, or on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@dataclass
class Profile:
    """Samples of one process, by module, and the work done while they were taken."""

    samples: collections.Counter[str] = field(default_factory=collections.Counter)
    rate: int = RATE
    work: float = 0.0
    """Units of work done in the window (requests, awards)."""

    @property
    def total(self) -> int:
        return sum(self.samples.values())

    def micros_per_unit(self, samples: int) -> float:
        return samples / self.rate / self.work * 1e6 if self.work else 0.0

    def top(self, count: int = 8) -> list[tuple[str, float]]:
        """The ``count`` modules with most samples (µs per unit), then the rest as one."""
        ranked = self.samples.most_common()
        head = [(name, self.micros_per_unit(n)) for name, n in ranked[:count]]
        rest = sum(n for _, n in ranked[count:])
        return head + ([("other", self.micros_per_unit(rest))] if rest else [])

    def summary(self, unit: str, count: int = 8) -> str:
        """``total µs per unit: module µs, module µs, …`` for the report."""
        parts = ", ".join(f"{name} {micros:,.0f}" for name, micros in self.top(count))
        return f"{self.micros_per_unit(self.total):,.0f} µs per {unit} ({parts})"


def module_of(frame: str) -> str:
    """The module a py-spy frame (``function (path/to/file.py:line)``) belongs to."""
    _, _, where = frame.rpartition(" (")
    path = where.rsplit(":", 1)[0].removeprefix("<frozen ").removesuffix(">")
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "?"
    if parts[0] in PROJECT_PACKAGES and len(parts) > 1:
        return ".".join([*parts[:-1], parts[-1].removesuffix(".py")])
    return parts[0].removesuffix(".py")


def read_raw(path: Path) -> collections.Counter[str]:
    """Samples by innermost module, from py-spy's ``--format raw`` output."""
    samples: collections.Counter[str] = collections.Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples[module_of(stack.split(";")[-1])] += int(count)
    return samples


class Sampler:
    """``with Sampler(pid, path) as s: …``: py-spy records ``pid`` for the block's length;
    ``s.profile(work)`` then gives the breakdown. Without py-spy, or when it cannot
    attach (no ptrace permission), ``s.error`` says why and the profile is empty."""

    def __init__(self, pid: int, output: Path, rate: int = RATE) -> None:
        self.pid = pid
        self.output = output
        self.rate = rate
        self.error: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sampler:
        executable = py_spy()
        if executable is None:
            self.error = "py-spy is not installed"
            return self
        self.output.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            [
                executable,
                "record",
                "--pid",
                str(self.pid),
                "--rate",
                str(self.rate),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(self.output),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *_: object) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            out, _ = self._process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            out, _ = self._process.communicate()
        if not self.output.exists():
            self.error = f"py-spy wrote no profile: {out.decode(errors='replace')[-300:]}"

    def profile(self, work: float) -> Profile:
        if self.error is not None or not self.output.exists():
            return Profile(rate=self.rate, work=work)
        return Profile(read_raw(self.output), self.rate, work)
