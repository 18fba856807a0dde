"""Reading the log, a page at a time, for the followers and the worker processes that
prepare pages for them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol, cast
from uuid import UUID

from eventsourcing.utils import retry

from projections.dialect import Dialect
from projections.views import LogRecord


class LogReader(Protocol):
    """Reads the log from ``start`` on: at most ``limit`` records, none after
    ``stop`` (eventsourcing's ``select_notifications`` has this signature)."""

    def __call__(self, start: int, limit: int, stop: int | None = None) -> Sequence[LogRecord]: ...


_LAST_POSITION = 2**63 - 1


class LogRow(NamedTuple):
    """A record of the log as the follower reads it on PostgreSQL: the fields of a
    ``Notification`` the views use, in a plain tuple."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def _log_rows(_cursor: Any) -> Callable[[Sequence[Any]], LogRow]:
    return LogRow._make


def log_reader(recorder: Any, d: Dialect, *, exact: bool = False) -> LogReader:
    """Reads the page of the log from a position (at most so many records); with
    ``exact``, through eventsourcing's ``select_notifications`` everywhere. On
    PostgreSQL by a query of its own, the five columns as plain tuples
    (:class:`LogRow`): eventsourcing's ``select_notifications`` makes a dict and
    then a frozen dataclass of each row, a tenth of a rebuild. The results come in
    PostgreSQL's binary format: the state as its bytes, not as hex text that the
    server writes and psycopg reads back (half the read's cost on both sides)."""
    if exact or d.name != "postgres":
        return cast(LogReader, recorder.select_notifications)
    # psycopg is imported only where PostgreSQL is used: the embedded SQLite mode does
    # not pay its import.
    from psycopg import InterfaceError, OperationalError
    from psycopg.sql import SQL, Identifier

    datastore = recorder.datastore
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {0}.{1} WHERE notification_id >= %s AND notification_id <= %s "
        "ORDER BY notification_id LIMIT %s"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select(start: int, limit: int, stop: int | None = None) -> Sequence[LogRecord]:
        with (
            datastore.get_connection() as conn,
            conn.cursor(row_factory=_log_rows, binary=True) as c,
        ):
            bound = _LAST_POSITION if stop is None else stop
            c.execute(statement, (start, bound, limit), prepare=True)
            rows: list[LogRow] = c.fetchall()
            return rows

    return cast(LogReader, select)  # the retry decorator is untyped
