"""Read replicas: PostgreSQL hot standbys that answer the public reads.

A `ReplicaSet` holds one read-only `ReadModel` per replica (its views are the primary's
tables, replicated by PostgreSQL: nothing is created or changed on a replica) and a
monitor thread that reads, every `POLL_INTERVAL`, the views' positions (the tracking
table, as `ReadModel.positions` reads them) on the primary and on each replica.

A replica's *staleness* is 0 when its views have the primary's positions, otherwise how
long ago the primary's views first had a position past the replica's (as the monitor
saw them: at most one interval late). A replica is *usable* while it answers, is no
more stale than ``max_lag`` seconds and has reached the position every write of this
process that did not see it reach its position asked for (`ReplicaSet.wait_for`).
`ReplicaSet.choose` gives the usable replicas in turn (round robin), or ``None``: the
primary answers then.

Read-your-writes: a write's answer waits (`ReplicaSet.wait_for`, within the bound the
write already waits for the primary's views) until each usable replica's views reach
the write's position too. A replica that does not, or that was not usable, must reach
that position before it is used again, so the next read goes where the write is seen.

Only the views the public reads use count (`PUBLIC_VIEWS`): a view they do not read
(the audit trail, say) that stalls does not take every replica out of service.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from eventsourcing.persistence import PersistenceError

from ledger.config import DatabaseSettings
from ledger.errors import StoreUnavailable
from ledger.infrastructure.reliability import StoreMonitor, answer_within
from projections.read import ReadModel
from projections.views import CatalogueView, CredentialStatusView, ProviderRegisterView

log = logging.getLogger("projections.replicas")

POLL_INTERVAL = 0.1
"""Seconds between the monitor's reads of the views' positions."""

PUBLIC_VIEWS: tuple[str, ...] = (
    CredentialStatusView.name,
    ProviderRegisterView.name,
    CatalogueView.name,
)
"""The views the public reads answer from: the ones a replica is measured by."""

REPLICA_READ_SECONDS = 0.5
"""The longest a public read waits for a replica (or ``LEDGER_DB_TIMEOUT_SECONDS`` if
shorter) before it is made on the primary instead: a replica that stops answering
must not make the reads slow."""

FLUSH_STATEMENT = "SELECT pg_logical_emit_message(true, 'ledger.replicas', '')"
"""A write of a WAL record, and nothing else: its commit flushes the WAL before it."""

HISTORY_LIMIT = 20_000
"""The primary's positions remembered (one entry per change the monitor sees: more
than half an hour at 10 a second). A replica behind the oldest is at least that stale."""

Positions = tuple[int, ...]
T = TypeVar("T")

REPLICA_ERRORS: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    PersistenceError,
    psycopg.Error,
)
"""What a read on a replica that is away (or not what it should be) raises: the read
is made again on the primary, and the replica passed over until a poll reads it."""


def _reached(have: Positions, wanted: Positions) -> bool:
    return all(h >= w for h, w in zip(have, wanted, strict=True))


@dataclass(eq=False)
class Replica:
    """One read replica: its read model, and what the monitor last saw of it."""

    name: str
    read_model: ReadModel
    database: DatabaseSettings | None = None
    """Its connection settings (for readers with connections of their own)."""
    monitor: StoreMonitor | None = None
    """Whether its server answers (`ledger.infrastructure.reliability`)."""
    close: Callable[[], None] = field(default=lambda: None, repr=False)
    answering: bool = False
    """The last read of its positions was answered (false until the first is)."""
    positions: Positions = ()
    staleness: float = math.inf
    required: int = 0
    """A log position its views must reach before it is used again (a write that did
    not see it reach its own position)."""
    served: int = 0
    """Public reads it answered."""
    last_error: str = ""

    @property
    def reached(self) -> int:
        """The lowest position of its public views (0 before the first poll)."""
        return min(self.positions) if self.positions else 0

    @property
    def up(self) -> bool:
        """It answered its last read, and its server answers the store's monitor."""
        return self.answering and (self.monitor is None or self.monitor.up)

    def usable(self, max_lag: float) -> bool:
        return self.up and self.staleness <= max_lag and self.reached >= self.required

    def describe(self, max_lag: float) -> dict[str, Any]:
        """Its state, for /readyz and the logs."""
        return {
            "replica": self.name,
            "usable": self.usable(max_lag),
            "answering": self.up,
            "staleness_seconds": None if math.isinf(self.staleness) else self.staleness,
            "position": self.reached,
            "required_position": self.required,
            "served": self.served,
            "last_error": self.last_error or None,
        }


class ReplicaSet:
    """The read replicas of one process, watched by a thread of their own."""

    def __init__(
        self,
        primary: ReadModel,
        replicas: Sequence[Replica],
        *,
        max_lag: float,
        interval: float = POLL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replicas = tuple(replicas)
        self.max_lag = max_lag
        self.interval = interval
        self.clock = clock
        self.primary_served = 0
        """Public reads the primary answered (no replica usable, or one failed)."""
        self._history: deque[tuple[float, Positions]] = deque(maxlen=HISTORY_LIMIT)
        self._lock = threading.Lock()
        self._turn = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._timeout = min(1.0, primary.ledger.settings.database.timeout)
        self.read_timeout = min(REPLICA_READ_SECONDS, primary.ledger.settings.database.timeout)
        """How long a public read waits for a replica before it asks the primary."""

    # --- the monitor ---------------------------------------------------------------------
    def start(self) -> ReplicaSet:
        """Poll once (so that replicas are used from the first request), then in the
        background."""
        if self._thread is None:
            self.poll()
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="read-replicas", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(5)
        for replica in self.replicas:
            try:
                replica.close()
            except Exception:  # closing must go on with the others
                log.exception("closing read replica %s", replica.name)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # the monitor must outlive anything a poll meets
                log.exception("polling the read replicas")

    def poll(self) -> None:
        """One round: the primary's positions, then each replica's, and its staleness."""
        try:
            self._note_primary(self._positions(self.primary))
        except REPLICA_ERRORS as error:
            # The primary away: the replicas are measured against what it last had.
            log.debug("primary positions unread: %s", error)
        for replica in self.replicas:
            try:
                positions = self._positions(replica.read_model)
            except REPLICA_ERRORS as error:
                self.failed(replica, error)
                continue
            with self._lock:
                if not replica.answering:
                    log.info("read replica %s answers", replica.name)
                replica.answering = True
                replica.last_error = ""
                replica.positions = positions
                replica.staleness = self._staleness(positions)

    def _positions(self, read_model: ReadModel) -> Positions:
        with answer_within(self._timeout):
            found = read_model.positions()
        return tuple(found[v] for v in PUBLIC_VIEWS)

    def _note_primary(self, positions: Positions) -> None:
        with self._lock:
            if not self._history or self._history[-1][1] != positions:
                self._history.append((self.clock(), positions))

    def _staleness(self, positions: Positions) -> float:
        """0 when ``positions`` have the primary's latest, else how long ago the primary
        first had a position past them (under the lock)."""
        if not self._history or _reached(positions, self._history[-1][1]):
            return 0.0
        for seen_at, primary in self._history:
            if not _reached(positions, primary):
                return max(self.clock() - seen_at, 0.0)
        return 0.0  # pragma: no cover - the latest entry is not reached

    def failed(self, replica: Replica, error: BaseException) -> None:
        """``replica`` did not answer: passed over until a poll reads it again."""
        with self._lock:
            if replica.answering:
                log.warning("read replica %s passed over: %s", replica.name, error)
            replica.answering = False
            replica.last_error = f"{type(error).__name__}: {str(error).strip()[:200]}"

    # --- routing ---------------------------------------------------------------------
    def choose(self) -> Replica | None:
        """The next usable replica (round robin), or ``None``: read the primary."""
        with self._lock:
            count = len(self.replicas)
            for step in range(count):
                replica = self.replicas[(self._turn + step) % count]
                if replica.usable(self.max_lag):
                    self._turn = (self._turn + step + 1) % count
                    return replica
        return None

    def read(self, query: Callable[[ReadModel], T]) -> T:
        """``query`` answered by the next usable replica's read model, or by the
        primary's when none is usable or the replica fails (then passed over)."""
        replica = self.choose()
        if replica is not None:
            try:
                with answer_within(self.read_timeout):
                    answer = query(replica.read_model)
            except REPLICA_ERRORS as error:
                self.failed(replica, error)
            else:
                replica.served += 1
                return answer
        self.primary_served += 1
        return query(self.primary)

    def usable(self) -> list[Replica]:
        with self._lock:
            return [r for r in self.replicas if r.usable(self.max_lag)]

    def wait_for(self, position: int | None, timeout: float) -> list[Replica]:
        """Read-your-writes on the replicas: wait, within ``timeout`` seconds overall,
        until each usable replica's public views reach ``position``. Every replica that
        was not seen to reach it must reach it before it is used again. The replicas
        that reached it."""
        if position is None or position <= 0:
            return list(self.replicas)
        deadline = self.clock() + timeout
        confirmed: list[Replica] = []
        waited = self.usable()
        if waited:
            self._flush_primary()
        for replica in waited:
            remaining = max(deadline - self.clock(), 0.0)
            try:
                if replica.read_model.wait_for(position, timeout=remaining, views=PUBLIC_VIEWS):
                    confirmed.append(replica)
            except REPLICA_ERRORS as error:
                self.failed(replica, error)
        with self._lock:
            for replica in self.replicas:
                if replica not in confirmed and replica.required < position:
                    replica.required = position
                    if replica.answering:
                        log.info(
                            "read replica %s passed over until it reaches position %d",
                            replica.name,
                            position,
                        )
        return confirmed

    def _flush_primary(self) -> None:
        """Have the primary flush its WAL now, so that its standbys receive what the
        views last committed: the followers commit their pages without waiting for the
        flush (`PostgresDialect.begin_page`), and a standby is sent only flushed WAL, so
        it would otherwise wait for the WAL writer (up to ``wal_writer_delay``, 200 ms by
        default, and measured so: a write's answer took 230 ms instead of 13). The
        commit of a transaction that wrote WAL is flushed, with all the WAL before it;
        a transactional logical decoding message is such a write, of nothing else (no
        table, no privilege beyond the function's default)."""
        try:
            with answer_within(self._timeout), self.primary.d.read() as cursor:
                cursor.execute(FLUSH_STATEMENT)
        except REPLICA_ERRORS as error:  # then the replicas wait for the WAL writer
            log.debug("the primary's WAL not flushed: %s", error)

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.describe(self.max_lag) for r in self.replicas]
