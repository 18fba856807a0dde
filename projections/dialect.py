"""The one thing that differs between the two stores: a small SQL dialect shim.

Every statement of the projections is written once, with ``?`` placeholders, ``{s}``
before a table name (the PostgreSQL schema, nothing on SQLite) and ``{uuid}``,
``{ts}``, ``{date}``, ``{bool}``, ``{bigint}`` for column types. ``INSERT ... ON
CONFLICT ... DO UPDATE`` has the same syntax on both. Values cross the boundary
through the ``to_*``/``from_*`` adapters: PostgreSQL takes and gives native types
(uuid, timestamptz, date, boolean); SQLite stores canonical text (ISO 8601 UTC with
microseconds, so text order is time order) and integers for booleans.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from projections import failures

LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a lock wait past ``lock_timeout``."""


class Dialect:
    """SQL and value adaptation for one store, and access to its transactions."""

    name = "abstract"
    placeholder = "?"
    types: dict[str, str] = {}
    renames_indexes = False
    """Whether ``ALTER INDEX ... RENAME TO`` exists (PostgreSQL; not SQLite)."""

    def __init__(self, datastore: Any, tracking_recorder: TrackingRecorder, tracking_table: str):
        self.datastore = datastore
        self.tracking_recorder = tracking_recorder
        self.prefix = ""
        self.tracking_table = tracking_table
        self._cache: dict[str, str] = {}
        self._renames: dict[str, str] = {}
        self._rename: re.Pattern[str] | None = None

    # --- SQL --------------------------------------------------------------------------
    def q(self, statement: str) -> str:
        """The statement for this store (cached)."""
        done = self._cache.get(statement)
        if done is None:
            tracking = self.prefix + self.tracking_table
            template = statement
            if self._rename is not None:
                renames = self._renames
                template = self._rename.sub(lambda m: renames[m.group(0)], template)
            done = template.format(s=self.prefix, tracking=tracking, **self.types)
            if self.placeholder != "?":
                done = done.replace("?", self.placeholder)
            self._cache[statement] = done
        return done

    def renamed(self, renames: Mapping[str, str]) -> Dialect:
        """This dialect (the same store and connections) whose statements name other
        tables and indexes: each name in ``renames`` (a whole word of the statement's
        text, before the schema is put in) becomes its value. A rebuild's views write
        to tables beside the live ones this way (``projections.schema.shadow_views``)."""
        other = copy.copy(self)
        other._cache = {}
        other._renames = dict(renames)
        words = sorted(renames, key=len, reverse=True)
        other._rename = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")
        other._renamed()
        return other

    def name_of(self, name: str) -> str:
        """A table's or index's name as this dialect's statements give it."""
        return self._renames.get(name, name)

    def _renamed(self) -> None:
        """A copy was made by :meth:`renamed`: forget what was derived from statements."""

    # --- transactions -----------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Any]:
        """A cursor in a transaction that commits at the end (rolls back on error)."""
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

    def rowcount(self, cursor: Any) -> int:
        return int(cursor.rowcount)

    def begin_page(self, cursor: Any) -> None:
        """Settings for a page transaction (first statement of it)."""

    def lock_schema(self, cursor: Any) -> None:
        """Serialise changes to the views' tables between processes (this transaction)."""

    def limit_lock_waits(self, cursor: Any, seconds: float) -> None:
        """Wait at most ``seconds`` for each lock in this transaction (where the store
        can say so): past it the statement fails, see :meth:`is_lock_timeout`."""

    def is_lock_timeout(self, error: BaseException) -> bool:
        """Whether ``error`` is a lock wait given up by :meth:`limit_lock_waits`."""
        return False

    def relations(self, cursor: Any) -> set[str]:
        """The names of the tables and indexes in the views' schema (the catalogue)."""
        raise NotImplementedError

    def indexes_of(self, cursor: Any, table: str) -> list[str]:
        """The names of ``table``'s indexes (those statements made, and on PostgreSQL
        also the one of its primary key)."""
        raise NotImplementedError

    def bulk_insert(self, cursor: Any, statement: str, rows: list[Any]) -> None:
        """Insert many rows with one ``INSERT ... VALUES (?, ...)`` statement."""
        if len(rows) == 1:
            cursor.execute(statement, rows[0])
        else:
            cursor.executemany(statement, rows)

    def insert_tracking(self, cursor: Any, tracking: Tracking) -> None:
        """eventsourcing's own tracking record, in the caller's transaction."""
        self.tracking_recorder._insert_tracking(cursor, tracking)  # type: ignore[attr-defined]

    # --- values -----------------------------------------------------------------------
    # (typed loosely: ids arrive as UUID, or as text: from eventsourcing's generic typing,
    # or in the wire form of the views' decoder, see projections.decoding)
    to_uuid: Callable[[Any], Any]
    to_ts: Callable[[Any], Any]
    to_date: Callable[[Any], Any]
    to_bool: Callable[[Any], Any]
    from_uuid: Callable[[Any], Any]
    from_ts: Callable[[Any], Any]
    from_date: Callable[[Any], Any]


def _uuid_text(value: Any) -> str | None:
    """A UUID as SQLite stores it: ``str(UUID)``, the 36-character form. The log's
    decoder for the views hands UUIDs over as their 32 hex digits (the wire form);
    those are cut into the same form without making a UUID."""
    if type(value) is str:
        if len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return value
    return None if value is None else str(value)


def uuid_text(value: Any) -> str:
    """``str(UUID)`` of a UUID or of its wire form (for ids inside JSON columns)."""
    text = _uuid_text(value)
    assert text is not None
    return text


def _uuid_hex(value: Any) -> str | None:
    """A UUID as PostgreSQL reads it: its 32 hex digits (a third of ``str``'s cost);
    text (the wire form, or an id given as text) goes as it is."""
    if type(value) is str:
        return value
    if type(value) is UUID:
        return f"{value.int:032x}"  # UUID.hex, without the property call
    return None if value is None else str(value)


def _is_canonical_ts(text: str) -> bool:
    """``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``: what ``_ts_text`` makes of a UTC time."""
    return len(text) == 32 and text[10] == "T" and text[19] == "." and text[26:] == "+00:00"


def _ts_text(value: Any) -> str | None:
    """ISO 8601 in UTC with microseconds. A timestamp in the wire form (the text the
    log stores) is used as it is when it is already that; otherwise it is parsed."""
    if value is None:
        return None
    if type(value) is str:
        if _is_canonical_ts(value):
            return value
        value = datetime.fromisoformat(value)
    moment: datetime = value
    if moment.tzinfo is UTC:  # the common case: what the ledger records
        return moment.isoformat(timespec="microseconds")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def is_canonical_date(text: str) -> bool:
    """``YYYY-MM-DD``: what ``date.isoformat`` makes."""
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def _date_text(value: date | str | None) -> str | None:
    if isinstance(value, str):
        return value if is_canonical_date(value) else date.fromisoformat(value).isoformat()
    return None if value is None else value.isoformat()


def _uuid_from_text(value: Any) -> UUID | None:
    return None if value is None else UUID(value)


def _ts_from_text(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _date_from_text(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _same(value: Any) -> Any:
    return value


def _uuid_native(value: Any) -> UUID | None:
    return value if value is None or isinstance(value, UUID) else UUID(str(value))


def _ts_native(value: Any) -> datetime | None:
    if value is None:
        return None
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


class SQLiteDialect(Dialect):
    name = "sqlite"
    placeholder = "?"
    types = {
        "uuid": "TEXT",
        "ts": "TEXT",
        "date": "TEXT",
        "bool": "INTEGER",
        "bigint": "INTEGER",
        "without_rowid": "WITHOUT ROWID",
        "log_position": "rowid",
        "blob": "BLOB",
    }

    to_uuid = staticmethod(_uuid_text)
    to_ts = staticmethod(_ts_text)
    to_date = staticmethod(_date_text)
    to_bool = staticmethod(int)
    from_uuid = staticmethod(_uuid_from_text)
    from_ts = staticmethod(_ts_from_text)
    from_date = staticmethod(_date_from_text)

    def rowcount(self, cursor: Any) -> int:
        return int(cursor.sqlite_cursor.rowcount)

    def lock_schema(self, cursor: Any) -> None:
        # SQLite's one write lock, taken by the transaction's first statement (an
        # UPDATE of no row takes it, waiting out the busy timeout): a transaction whose
        # first statements only read (DROP TABLE IF EXISTS of a missing table, the
        # catalogue) would answer "database is locked" at once when it comes to write
        # after another connection has committed.
        cursor.execute(self.q("UPDATE {tracking} SET notification_id = notification_id WHERE 0"))

    def relations(self, cursor: Any) -> set[str]:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
        return {row["name"] for row in cursor.fetchall()}

    def indexes_of(self, cursor: Any, table: str) -> list[str]:
        # Without the automatic indexes of constraints (``sql`` is NULL for them): they
        # are named after their table and renamed with it.
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name",
            (table,),
        )
        return [row["name"] for row in cursor.fetchall()]


class PostgresDialect(Dialect):
    name = "postgres"
    placeholder = "%s"
    renames_indexes = True
    types = {
        "uuid": "uuid",
        "ts": "timestamptz",
        "date": "date",
        "bool": "boolean",
        "bigint": "bigint",
        "without_rowid": "",
        "log_position": "notification_id",
        "blob": "bytea",
    }

    # Parameters go as text too: PostgreSQL casts it to the column's type, and text is
    # five times cheaper than UUID/datetime objects for psycopg to put in a COPY.
    to_uuid = staticmethod(_uuid_hex)
    to_ts = staticmethod(_ts_text)
    to_date = staticmethod(_date_text)
    to_bool = staticmethod(bool)
    from_uuid = staticmethod(_uuid_native)
    from_ts = staticmethod(_ts_native)
    from_date = staticmethod(_same)

    def __init__(self, datastore: Any, tracking_recorder: TrackingRecorder, tracking_table: str):
        super().__init__(datastore, tracking_recorder, tracking_table)
        self.prefix = '"' + datastore.schema.replace('"', '""') + '".'
        self._copies: dict[str, str] = {}

    def _renamed(self) -> None:
        self._copies = {}

    def lock_schema(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (0x1ED6E7,))

    def limit_lock_waits(self, cursor: Any, seconds: float) -> None:
        cursor.execute(f"SET LOCAL lock_timeout = '{max(1, round(seconds * 1000))}ms'")

    def is_lock_timeout(self, error: BaseException) -> bool:
        # eventsourcing wraps psycopg's errors: the lock_not_available one is a cause.
        found: BaseException | None = error
        while found is not None:
            if getattr(found, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                return True
            found = found.__cause__ or found.__context__
        return False

    def relations(self, cursor: Any) -> set[str]:
        cursor.execute(
            "SELECT c.relname AS name FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'i', 'I')",
            (self.datastore.schema,),
        )
        return {row["name"] for row in cursor.fetchall()}

    def indexes_of(self, cursor: Any, table: str) -> list[str]:
        cursor.execute(
            "SELECT indexname AS name FROM pg_catalog.pg_indexes "
            "WHERE schemaname = %s AND tablename = %s ORDER BY indexname",
            (self.datastore.schema, table),
        )
        return [row["name"] for row in cursor.fetchall()]

    def begin_page(self, cursor: Any) -> None:
        # A view is derived from the log and its tracking record commits with it: a
        # page lost in a crash is lost with its tracking record and applied again. So
        # the commit need not wait for the WAL flush.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def bulk_insert(self, cursor: Any, statement: str, rows: list[Any]) -> None:
        """Many rows go in by ``COPY ... FROM STDIN`` (one round trip, no per-row
        statement): the INSERT's table and columns, the rows as they are."""
        if len(rows) < 3:
            super().bulk_insert(cursor, statement, rows)
            return
        copy_statement = self._copies.get(statement)
        if copy_statement is None:
            head = statement.split(" VALUES ", 1)[0]
            assert head.startswith("INSERT INTO "), statement
            copy_statement = "COPY " + head[len("INSERT INTO ") :] + " FROM STDIN"
            self._copies[statement] = copy_statement
        with cursor.copy(copy_statement) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    @contextmanager
    def read(self) -> Iterator[Any]:
        """Reads run outside a transaction block: the connections are in autocommit and
        at READ COMMITTED, where BEGIN ... ROLLBACK gives a SELECT nothing (each
        statement takes its own snapshot either way) but costs two round trips, which
        on the status route are most of a request."""
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            yield cursor


def make_dialect(ledger: Any) -> Dialect:
    """A new dialect of a ``Ledger``'s store, sharing its datastore (connections, locks);
    it also creates eventsourcing's tracking table and the failures table, if missing.
    A process makes one (:class:`projections.store.ViewStore`) and shares it."""
    return _make_dialect(ledger.recorder.datastore)


def replica_dialect(datastore: Any) -> Dialect:
    """The PostgreSQL dialect on a read replica's datastore (a hot standby): the same
    statements and value adapters as the primary's, and nothing created (the tracking
    and failures tables are the primary's, replicated)."""
    from eventsourcing.postgres import PostgresTrackingRecorder

    table = "projection_tracking"
    tracking = PostgresTrackingRecorder(datastore, tracking_table_name=table)
    return PostgresDialect(datastore, tracking, table)


def _make_dialect(datastore: Any) -> Dialect:
    from ledger.infrastructure.store_setup import datastore_setup

    if type(datastore).__name__ == "PostgresDatastore":
        from eventsourcing.postgres import PostgresTrackingRecorder

        table = "projection_tracking"
        pg_tracking = PostgresTrackingRecorder(datastore, tracking_table_name=table)
        with datastore_setup(datastore):
            pg_tracking.create_table()
            return _with_failures_table(PostgresDialect(datastore, pg_tracking, table))
    from eventsourcing.sqlite import SQLiteTrackingRecorder

    sqlite_tracking = SQLiteTrackingRecorder(datastore)
    with datastore_setup(datastore):
        sqlite_tracking.create_table()
        return _with_failures_table(SQLiteDialect(datastore, sqlite_tracking, "tracking"))


def _with_failures_table(dialect: Dialect) -> Dialect:
    with dialect.write() as cursor:
        failures.create_table(dialect, cursor)
    return dialect
