"""Plain SQL on the ledger's own store, for the API's side tables (keys, idempotency).

The tables live beside the events, in the same SQLite file or PostgreSQL schema, and go
through the connection pool the ledger already holds, so one setting
(``LEDGER_DATABASE_URL``/``LEDGER_DATABASE_SCHEMA``) places everything. Statements are
written once with ``?`` placeholders and a ``{t}`` table prefix; this module adapts
them to psycopg and to the schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Recorder
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from ledger.infrastructure.store_setup import datastore_setup

Row = dict[str, Any]


class SideTables:
    """Tables beside the events of ``recorder``'s store (a ledger's ``recorder``)."""

    def __init__(self, recorder: Recorder) -> None:
        datastore: Any = getattr(recorder, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            self.is_postgres = True
            self._prefix = '"' + datastore.schema.replace('"', '""') + '".'
        elif isinstance(datastore, SQLiteDatastore):
            self.is_postgres = False
            self._prefix = ""
        else:  # pragma: no cover - only the two stores exist
            msg = f"unsupported datastore {type(datastore).__name__}"
            raise TypeError(msg)
        self._datastore: PostgresDatastore | SQLiteDatastore = datastore

    def statement(self, template: str) -> str:
        """``template`` with its table prefix and the driver's placeholders."""
        sql = template.replace("{t}", self._prefix)
        return sql.replace("?", "%s") if self.is_postgres else sql

    def query(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self.statement(template), tuple(params))
            return [dict(row) for row in cursor.fetchall()]

    def execute(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a write in its own transaction; rows of a ``RETURNING`` clause come back."""
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self.statement(template), tuple(params))
            if "RETURNING" not in template.upper():
                return []
            return [dict(row) for row in cursor.fetchall()]

    def execute_in_turn(self, table: str, template: str, params: Sequence[Any] = ()) -> list[Row]:
        """`execute`, with every other write of ``table`` kept out until it commits.

        For a write whose condition reads other rows of the table ("unless it is the
        last ..."): under PostgreSQL's read committed, two such statements on different
        rows would each see the other's row unchanged and both pass. The table lock
        (SHARE ROW EXCLUSIVE: it conflicts with itself and with writes, not with reads)
        makes them take turns, and the statement's snapshot is taken after the lock.
        SQLite has one writer at a time, so one statement is already atomic there."""
        with self._datastore.transaction(commit=True) as cursor:
            if self.is_postgres:
                cursor.execute(
                    self.statement(f"LOCK TABLE {{t}}{table} IN SHARE ROW EXCLUSIVE MODE")
                )
            cursor.execute(self.statement(template), tuple(params))
            if "RETURNING" not in template.upper():
                return []
            return [dict(row) for row in cursor.fetchall()]

    def execute_all_in_turn(
        self, table: str, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[Row]:
        """`execute_in_turn` for several statements in one transaction (all or none);
        the rows of the last one's ``RETURNING`` clause come back."""
        rows: list[Row] = []
        with self._datastore.transaction(commit=True) as cursor:
            if self.is_postgres:
                cursor.execute(
                    self.statement(f"LOCK TABLE {{t}}{table} IN SHARE ROW EXCLUSIVE MODE")
                )
            for template, params in statements:
                cursor.execute(self.statement(template), tuple(params))
                rows = (
                    [dict(row) for row in cursor.fetchall()]
                    if "RETURNING" in template.upper()
                    else []
                )
        return rows

    @contextmanager
    def turn(self, table: str) -> Iterator[Turn]:
        """One transaction (all or none) with every other write of ``table`` kept out
        until it commits, as `execute_in_turn`, for writes that depend on what the
        transaction reads first ("the next free slot")."""
        with self._datastore.transaction(commit=True) as cursor:
            if self.is_postgres:
                cursor.execute(
                    self.statement(f"LOCK TABLE {{t}}{table} IN SHARE ROW EXCLUSIVE MODE")
                )
            yield Turn(self, cursor)

    def add_column(self, table: str, column: str) -> bool:
        """Add ``column`` ("name TYPE") to a table made before it existed; whether it
        was missing. Processes starting together take turns, as in `create`."""
        name = column.split(maxsplit=1)[0]
        datastore = self._datastore
        with datastore_setup(datastore), datastore.transaction(commit=True) as cursor:
            if isinstance(datastore, PostgresDatastore):
                cursor.execute(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = %s"
                    " AND table_name = %s AND column_name = %s",
                    (datastore.schema, table, name),
                )
            else:
                cursor.execute("SELECT 1 FROM pragma_table_info(?) WHERE name = ?", (table, name))
            if cursor.fetchall():
                return False
            cursor.execute(self.statement(f"ALTER TABLE {{t}}{table} ADD COLUMN {column}"))
            return True

    def create(self, *templates: str) -> None:
        """Create tables if missing. Processes starting together (uvicorn workers) take
        turns, as the ledger's own tables do (`ledger.infrastructure.store_setup`)."""
        datastore = self._datastore
        with datastore_setup(datastore), datastore.transaction(commit=True) as cursor:
            for template in templates:
                cursor.execute(self.statement(template))


class Turn:
    """The statements of one `SideTables.turn` transaction."""

    def __init__(self, tables: SideTables, cursor: Any) -> None:
        self._tables = tables
        self._cursor = cursor

    def query(self, template: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(self._tables.statement(template), tuple(params))
        return [dict(row) for row in self._cursor.fetchall()]

    def execute(self, template: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._tables.statement(template), tuple(params))
