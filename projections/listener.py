"""Waking a follower on PostgreSQL's ``NOTIFY``: the recorder notifies its channel on
every insert."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ledger.infrastructure.store_setup import connect_kwargs_of

log = logging.getLogger("ledger.projections")


class PostgresListener:
    """LISTEN on the ``recorder``'s channel in a thread of its own; calls ``wake`` on
    each NOTIFY. Reconnects after errors; the follower's poll covers the gaps."""

    def __init__(self, recorder: Any, wake: Callable[[], None]) -> None:
        self.recorder = recorder
        self.wake = wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projections-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        # psycopg is imported only where PostgreSQL is used (its import is slow).
        import psycopg
        from psycopg.sql import SQL, Identifier

        recorder = self.recorder
        kwargs = connect_kwargs_of(recorder.datastore)
        while not self._stop.is_set():
            try:
                with psycopg.connect(autocommit=True, **kwargs) as conn:
                    conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.25, stop_after=1):
                            self.wake()
            except Exception:  # pragma: no cover - the poll covers a lost listener
                log.warning("LISTEN connection lost; relying on polling", exc_info=True)
                self._stop.wait(1.0)
