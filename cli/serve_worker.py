"""The app of each of ``ledger serve --workers N``'s worker processes, which ends when the
process that started it (uvicorn's master) ends.

uvicorn's master stops its workers when it is asked to stop (SIGTERM, SIGINT), but a
master killed outright (SIGKILL: the OOM killer, ``kill -9``, a container runtime's last
resort) cannot, and nothing in the workers noticed: they went on serving the port, so the
``ledger serve`` started in the master's place exited with "address already in use". Each
worker now takes its master's end as its own SIGTERM, the signal the master would have
sent, and shuts down as gracefully as on any SIGTERM (requests in flight are answered, the
app's shutdown runs):

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGTERM)``: the kernel sends it the moment the
  master dies (uvicorn's master starts its workers from its main thread, and the signal
  follows the thread that started the process, so it does not come early);
- everywhere, a thread that waits on the master's multiprocessing sentinel (a pipe whose
  other end only the master holds, readable once the master has gone) or, failing that,
  for ``os.getppid()`` to change. It also covers a master that died before the prctl.

A worker that has not ended ``GRACE_SECONDS`` after that SIGTERM (a request that does not
finish, say) exits without more ado: the port is worth more than the request.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
GRACE_SECONDS = 15.0
POLL_SECONDS = 1.0


def create_app() -> FastAPI:
    """uvicorn's app factory in a worker process: the API, bound to the master's life."""
    from api.app import create_app as create_api

    end_with_parent()
    return create_api()


def end_with_parent() -> None:
    """Make this process end (SIGTERM, then exit) when the multiprocessing parent that
    started it ends; nothing in a process multiprocessing did not start (uvicorn with one
    worker serves in ``ledger serve``'s own process, which must outlive its shell)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    parent_pid = parent.pid or os.getppid()
    _ask_kernel(signal.SIGTERM)
    threading.Thread(
        target=_watch, args=(parent, parent_pid), name="end-with-parent", daemon=True
    ).start()


def _ask_kernel(sig: signal.Signals) -> bool:
    """Linux's parent-death signal for this process; False where there is none."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: multiprocessing.process.BaseProcess, parent_pid: int) -> None:
    try:
        # Returns once the parent's sentinel is readable: the parent has ended, or had
        # ended before this thread started.
        parent.join()
    except (OSError, ValueError):  # no usable sentinel after all: watch the pid instead
        while os.getppid() == parent_pid:  # an orphan is adopted by init or a subreaper
            time.sleep(POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os._exit(1)
