"""CPU seconds the processes of a run spent, read from /proc (Linux): where the cost of
an award goes, between the API, the projection worker and PostgreSQL.

CPU time rather than wall time because the machine is shared: a neighbour's load
stretches the wall clock, not the CPU a process itself used.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _fields(pid: int | str) -> list[str]:
    # The command name (field 2) may hold spaces: the fields after it start past ")".
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rsplit(")", 1)[1].split()


def process_seconds(pid: int, *, with_children: bool = False) -> float:
    """utime + stime of a process (all its threads); with its reaped children too."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        f = _fields(pid)
        ticks = int(f[11]) + int(f[12])
        if with_children:
            ticks += int(f[13]) + int(f[14])
        return ticks / TICKS
    return 0.0


def postgres_seconds() -> float:
    """Every PostgreSQL process on this machine, including the backends that already
    exited (the postmaster holds their time as its reaped children's)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text().strip() == "postgres":
                total += process_seconds(int(entry.name), with_children=True)
    return total
