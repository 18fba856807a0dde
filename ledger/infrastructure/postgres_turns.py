"""Issuance turns across the processes of a PostgreSQL deployment (an advisory lock of
the schema; see `ledger.infrastructure.turns` for why batches take turns)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import Connection, sql
from psycopg_pool import ConnectionPool

from ledger.infrastructure.reliability import GuardedConnection
from ledger.infrastructure.turns import ProcessTurns, turn_key


class PostgresTurns:
    """Turns of the schema across processes, on top of the turns of this process.

    The turns of this process come first: a save waiting for a retry's turn holds one of
    the store's connections, and a retry of this same process needs those connections
    for its reads and its save; so a retry first waits for this process's batches in
    flight, and they for it, without holding any. Then at most one exclusive turn per
    process is held at a time, on a connection of its own."""

    def __init__(self, connect_kwargs: dict[str, Any], schema: str) -> None:
        key = turn_key(schema)
        self._here = ProcessTurns()
        self._begin = sql.SQL("SELECT pg_advisory_lock({0})").format(key)
        self._end = sql.SQL("SELECT pg_advisory_unlock({0})").format(key)
        self._pool: ConnectionPool[Connection[Any]] = ConnectionPool(
            kwargs={**connect_kwargs, "autocommit": True},
            # Cut, as the store's own connections are, while the server is away.
            connection_class=GuardedConnection,
            min_size=0,
            max_size=1,
            open=False,
            name="issuance-turns",
        )

    @contextmanager
    def turn(self, *, exclusive: bool) -> Iterator[bool]:
        with self._here.turn(exclusive=exclusive):
            if not exclusive:
                yield True
                return
            # Opened on the first retry (most processes never need it); opening an
            # open pool does nothing.
            self._pool.open(wait=False)
            with self._pool.connection() as conn:
                conn.execute(self._begin)
                try:
                    yield False
                finally:
                    try:
                        conn.execute(self._end)
                    except BaseException:
                        # A lock that could not be released must not go back to the
                        # pool with its connection: closing the connection releases it.
                        conn.close()
                        raise

    def close(self) -> None:
        self._pool.close()
