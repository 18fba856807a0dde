"""Failing fast, and recovering by itself, when PostgreSQL goes away.

Left to the libraries, a database that refuses connections or stops answering (a network
partition) holds every request for a long time: eventsourcing retries each read and
write ten times, its pool waits ``POSTGRES_CONNECT_TIMEOUT`` for a connection each time,
a statement on a connection whose packets vanish waits for TCP to give up (minutes), and
psycopg_pool's reconnection backs off exponentially (1, 2, 4, ... 32 s), so service came
back up to 40 s after the database did. Here:

* `StoreMonitor`: one thread per process and server pings it (``SELECT 1``) a few times a
  second, each answer awaited at most half the timeout. While it fails, the store is
  *down*: a request that needs a connection gets `StoreUnavailable` at once (no pool wait,
  no retries), and the statements already waiting on the server have their sockets shut
  down, so they fail instead of hanging. A lock wait on a live server is not touched:
  the server still answers the monitor.
* `GuardedConnection`: a psycopg connection whose every wait for the server can carry a
  deadline (`answer_within`, for reads that never wait on locks: the status check,
  ``/readyz``) and which remembers that a ``COMMIT`` was sent: a connection lost before
  it means nothing was committed (`StoreUnavailable`, answered 503); lost after it, the
  outcome is unknown (`CommitOutcomeUnknown`).
* The pool of eventsourcing's datastore: connection timeout = the configured timeout,
  reconnection attempts that give up after it (the pool then reconnects on the next
  request, at once, instead of after a long back-off), TCP keepalives and
  ``tcp_user_timeout`` on both ends for real partitions.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from eventsourcing import persistence as es
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.abc import PQGen, QueryNoTemplate
from psycopg.rows import Row
from psycopg.types.composite import register_composite
from psycopg_pool import PoolTimeout

from ledger.errors import CommitOutcomeUnknown, StoreUnavailable

log = logging.getLogger("ledger.store")

PING_INTERVAL = 0.2
"""Seconds between the monitor's pings (and between its reconnection attempts)."""

RECONNECT_GIVE_UP = 0.2
"""psycopg_pool retries a failed reconnection with a doubling delay (1, 2, 4, ... s) until
its ``reconnect_timeout``; after a long outage the next attempt was half a minute away.
Given up after this instead, the pool reconnects when a request needs a connection, at
once (and no request asks while the monitor says the server is away)."""

_answer_deadline: ContextVar[float | None] = ContextVar("ledger_db_answer_within", default=None)
_WAIT_INTERVAL = 0.1  # psycopg's own poll interval


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Every wait for the server inside this block (in this thread or task) fails after
    ``seconds`` instead of hanging; so does waiting for a pooled connection."""
    token = _answer_deadline.set(seconds)
    try:
        yield
    finally:
        _answer_deadline.reset(token)


def libpq_options(timeout: float) -> dict[str, Any]:
    """Connection parameters that bound connecting and detect a dead peer on both ends.
    libpq's ``connect_timeout`` is whole seconds, at least 2."""
    dead_peer_ms = int(max(5.0, 3 * timeout) * 1000)
    server = (
        "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"
        f" -c tcp_user_timeout={dead_peer_ms}"
    )
    return {
        "connect_timeout": max(2, math.ceil(timeout)),
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": dead_peer_ms,
        "options": server,
    }


# --- waits in flight -----------------------------------------------------------------
class _InFlight:
    """The sync connections waiting for the server now, so the monitor can cut them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waits: dict[int, tuple[int, float, str]] = {}

    def enter(self, conn: psycopg.Connection[Any], target: str) -> int | None:
        try:
            fd = conn.pgconn.socket
        except psycopg.OperationalError:
            return None
        key = id(conn)
        with self._lock:
            self._waits[key] = (fd, time.monotonic(), target)
        return key

    def leave(self, key: int | None) -> None:
        if key is not None:
            with self._lock:
                self._waits.pop(key, None)

    def cut(self, target: str, older_than: float) -> int:
        """Shut down the sockets of waits on ``target`` that started ``older_than``
        seconds ago or more: the waiting call returns with an error. Under the lock, so
        no wait leaves (and its socket closes) while it is cut."""
        now = time.monotonic()
        cut = 0
        with self._lock:
            for key, (fd, started, where) in list(self._waits.items()):
                if where != target or now - started < older_than:
                    continue
                with contextlib.suppress(OSError):
                    sock = socket.socket(fileno=fd)
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    finally:
                        sock.detach()  # the fd stays psycopg's to close
                    cut += 1
                del self._waits[key]
        return cut


IN_FLIGHT = _InFlight()


def _target_of(host: Any, port: Any, dbname: Any) -> str:
    return f"{host}:{port}/{dbname}"


class NoAnswer(psycopg.OperationalError):
    """A wait under `answer_within` ran out; the connection was closed."""


class GuardedConnection(psycopg.Connection[Row]):
    """A psycopg connection whose waits obey `answer_within` and the `StoreMonitor`."""

    _committing = False
    _target: str | None = None

    def _exec_command(
        self, command: QueryNoTemplate, result_format: pq.Format = pq.Format.TEXT
    ) -> PQGen[pq.abc.PGresult | None]:
        if isinstance(command, bytes) and command.lstrip().upper().startswith(b"COMMIT"):
            self._committing = True
        return (yield from super()._exec_command(command, result_format))

    def wait(
        self, gen: PQGen[Any], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> Any:
        if timeout is None:
            timeout = _answer_deadline.get()
        if self._target is None:
            self._target = _target_of(self.info.host, self.info.port, self.info.dbname)
        key = IN_FLIGHT.enter(self, self._target)
        try:
            result = super().wait(gen, interval, timeout)
        except pg_errors._WaitTimeout:
            # The protocol is mid-message: the connection cannot be used again.
            self.pgconn.finish()
            if self._committing:
                raise self._outcome_unknown() from None
            raise NoAnswer(f"the database did not answer within {timeout:g} s") from None
        except psycopg.Error as error:
            lost = self.pgconn.transaction_status == pq.TransactionStatus.UNKNOWN
            if self._committing and lost:
                raise self._outcome_unknown() from error
            if not lost:
                self._committing = False  # the server answered the commit (with an error)
            raise
        finally:
            IN_FLIGHT.leave(key)
        if self._committing and self.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            self._committing = False  # the commit's answer came
        return result

    def _outcome_unknown(self) -> CommitOutcomeUnknown:
        self._committing = False
        return CommitOutcomeUnknown(
            "the database stopped answering after this write was sent for commit: "
            "it may or may not be recorded"
        )


class GuardedAsyncConnection(psycopg.AsyncConnection[Row]):
    """The async counterpart for reads: waits obey `answer_within`."""

    async def wait(
        self, gen: PQGen[Any], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> Any:
        if timeout is None:
            timeout = _answer_deadline.get()
        try:
            return await super().wait(gen, interval, timeout)
        except pg_errors._WaitTimeout:
            self.pgconn.finish()
            raise NoAnswer(f"the database did not answer within {timeout:g} s") from None


# --- the monitor -----------------------------------------------------------------------
class StoreMonitor:
    """Whether the server answers, checked a few times a second by a thread of its own."""

    def __init__(self, connect_kwargs: Mapping[str, Any], timeout: float) -> None:
        self.timeout = timeout
        self.ping_deadline = timeout / 2
        self._kwargs = {**connect_kwargs, **libpq_options(timeout), "autocommit": True}
        self.target = _target_of(
            connect_kwargs.get("host"), connect_kwargs.get("port"), connect_kwargs.get("dbname")
        )
        self._up = True  # until shown otherwise: starting must not refuse requests
        self.down_since: float | None = None
        self.last_error = ""
        self._users = 0
        self._pools: weakref.WeakSet[Any] = weakref.WeakSet()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def up(self) -> bool:
        return self._up

    def check(self) -> None:
        """Raise `StoreUnavailable` while the server does not answer."""
        if not self._up:
            raise StoreUnavailable(f"the database does not answer: {self.last_error}")

    def watch(self, pool: Any) -> None:
        """Drain ``pool`` (a psycopg_pool pool) when the server goes away: its idle
        connections are dead or stalled, and psycopg_pool's pre-ping of each, with a
        back-off of 1 s, then 2 s, between them, held requests for seconds after the
        server came back. Connections out of the pool are replaced when returned."""
        self._pools.add(pool)

    def acquire(self) -> StoreMonitor:
        with self._lock:
            self._users += 1
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name=f"store-monitor {self.target}", daemon=True
                )
                self._thread.start()
        return self

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0 or self._thread is None:
                return
            thread, self._thread = self._thread, None
            self._stop.set()
        thread.join(timeout=self.timeout + 3)

    def _run(self) -> None:
        conn: GuardedConnection[Any] | None = None
        reaper = threading.Thread(target=self._reap, name="store-reaper", daemon=True)
        reaper.start()
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = GuardedConnection.connect(**self._kwargs)
                with answer_within(self.ping_deadline):
                    conn.execute("SELECT 1")
            except Exception as error:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
                conn = None
                self._mark_down(error)
            else:
                self._mark_up()
            self._stop.wait(PING_INTERVAL)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        reaper.join(timeout=1)

    def _reap(self) -> None:
        # Apart from the pinging thread, which may be stuck connecting for a while.
        while not self._stop.wait(PING_INTERVAL / 2):
            if not self._up:
                cut = IN_FLIGHT.cut(self.target, self.ping_deadline)
                if cut:
                    log.warning("cut %d statement(s) waiting on %s", cut, self.target)

    def _mark_down(self, error: BaseException) -> None:
        self.last_error = f"{type(error).__name__}: {str(error).strip()[:200]}"
        if self._up:
            self._up = False
            self.down_since = time.monotonic()
            log.error("database %s does not answer: %s", self.target, self.last_error)
            for pool in list(self._pools):
                with contextlib.suppress(Exception):
                    pool.drain()

    def _mark_up(self) -> None:
        if not self._up:
            down = time.monotonic() - (self.down_since or time.monotonic())
            log.warning("database %s answers again after %.1f s", self.target, down)
        self._up = True
        self.down_since = None


_monitors: dict[tuple[str, float], StoreMonitor] = {}
_monitors_lock = threading.Lock()


def monitor_for(connect_kwargs: Mapping[str, Any], timeout: float) -> StoreMonitor:
    """The process's monitor of this server and database (shared by every store on it),
    started; `StoreMonitor.release` it when done."""
    target = _target_of(
        connect_kwargs.get("host"), connect_kwargs.get("port"), connect_kwargs.get("dbname")
    )
    with _monitors_lock:
        monitor = _monitors.get((target, timeout))
        if monitor is None:
            monitor = _monitors[(target, timeout)] = StoreMonitor(connect_kwargs, timeout)
    return monitor.acquire()


# --- eventsourcing's datastore -------------------------------------------------------
_MONITOR_ATTRIBUTE = "_ledger_store_monitor"

# eventsourcing's `PostgresDatastore.get_connection` translation, most specific first.
_TRANSLATED: tuple[tuple[type[psycopg.Error], type[es.PersistenceError]], ...] = (
    (psycopg.InterfaceError, es.InterfaceError),
    (psycopg.OperationalError, es.OperationalError),
    (psycopg.DataError, es.DataError),
    (psycopg.IntegrityError, es.IntegrityError),
    (psycopg.InternalError, es.InternalError),
    (psycopg.ProgrammingError, es.ProgrammingError),
    (psycopg.NotSupportedError, es.NotSupportedError),
    (psycopg.DatabaseError, es.DatabaseError),
    (psycopg.Error, es.PersistenceError),
)


def harden(datastore: Any, connect_kwargs: Mapping[str, Any], timeout: float) -> StoreMonitor:
    """Make an eventsourcing ``PostgresDatastore`` fail fast while its server is away
    and reconnect at once when it is back. Call before the pool opens."""
    pool = datastore.pool
    pool.kwargs.update(libpq_options(timeout))
    pool.connection_class = GuardedConnection
    pool.timeout = timeout
    pool.reconnect_timeout = RECONNECT_GIVE_UP
    monitor = monitor_for(connect_kwargs, timeout)
    monitor.watch(pool)
    setattr(datastore, _MONITOR_ATTRIBUTE, monitor)

    @contextmanager
    def get_connection() -> Iterator[psycopg.Connection[Any]]:
        # As eventsourcing's own, plus: no wait at all while the server is away, a pool
        # wait bounded by `answer_within`, and a lost server as `StoreUnavailable`
        # (which eventsourcing's retry decorators do not retry).
        monitor.check()
        try:
            pool.open(False, timeout)
            with pool.connection(timeout=_answer_deadline.get() or timeout) as conn:
                for info in datastore.psycopg_type_adapters.values():
                    if not conn.adapters.types.get(info.oid):
                        register_composite(info, conn)
                yield conn
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as error:
            # A bounded read (`answer_within`) is not retried either: its caller
            # promised an answer in time.
            bounded = _answer_deadline.get() is not None
            if isinstance(error, PoolTimeout | NoAnswer) or bounded or not monitor.up:
                raise StoreUnavailable(f"the database does not answer: {error}") from error
            raise es.OperationalError(str(error)) from error
        except psycopg.Error as error:
            for raw, translated in _TRANSLATED:
                if isinstance(error, raw):
                    raise translated(str(error)) from error
            raise  # pragma: no cover - psycopg.Error is the last entry

    datastore.get_connection = get_connection
    return monitor


def monitor_of(datastore: Any) -> StoreMonitor | None:
    """The monitor `harden` gave this datastore (``None`` on SQLite)."""
    found = getattr(datastore, _MONITOR_ATTRIBUTE, None)
    return found if isinstance(found, StoreMonitor) else None


def store_errors() -> tuple[type[BaseException], ...]:
    """What a caller sees when the store is away (for handlers that must not crash)."""
    return (StoreUnavailable, es.OperationalError, es.InterfaceError, psycopg.OperationalError)
