"""Creating the store's tables, one process at a time.

A deployment starts its processes together against a new, empty store (the API's
workers and the projection worker), and each creates the tables it needs. Neither store
makes that safe by itself: PostgreSQL's ``CREATE ... IF NOT EXISTS`` fails for the
session that loses a race to create the same object (a unique violation in the catalogue,
``pg_type_typname_nsp_index``, or "tuple concurrently updated"), and SQLite answers
"database is locked" to a connection whose read turns into a write while another process
writes (its busy timeout does not apply there). So every process that may create tables
first takes a lock for the store, held until its tables are there: the others wait the
few milliseconds that takes, then find the tables made.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from ledger.config import Settings

# psycopg is imported where PostgreSQL is used: the embedded SQLite mode (the CLI, the
# default `ledger serve`) does not pay its quarter-second import.

# The first key of PostgreSQL's two-key advisory lock; the second is the schema name's
# hash. (The projections' transaction lock uses the one-key space, a separate one.)
SETUP_LOCK_CLASS = 0x1ED6E8


@contextmanager
def postgres_setup(connect_kwargs: Mapping[str, Any], schema: str) -> Iterator[None]:
    """Create ``schema`` if it is missing, and hold off other processes' table
    creation in it until this block ends."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(autocommit=True, **{"connect_timeout": 10, **connect_kwargs}) as conn:
        # A session lock: released when the connection closes, however the block ends.
        conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (SETUP_LOCK_CLASS, schema))
        if schema != "public":
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        yield


@contextmanager
def sqlite_setup(path: str) -> Iterator[None]:
    """Hold off other processes' table creation in the database file at ``path`` until
    this block ends (an in-memory database is one process's own)."""
    if path == ":memory:" or path.startswith("file::memory:") or "mode=memory" in path:
        yield
        return
    # flock() on the database file itself: independent of SQLite's own (fcntl) locks,
    # released when the file closes, and no lock file left beside the data. Opening
    # creates an empty file, which SQLite takes as an empty database.
    try:
        file = open(path, "ab")  # noqa: SIM115 - closed below, after the block
    except OSError:  # no such directory, say: SQLite itself reports it, as it always has
        yield
        return
    with file:
        fcntl.flock(file, fcntl.LOCK_EX)
        yield


@contextmanager
def store_setup(settings: Settings) -> Iterator[None]:
    """The setup lock of the store ``settings`` name, before anything has opened it."""
    database = settings.database
    if database.is_postgres:
        with postgres_setup(database.connect_kwargs(), database.schema):
            yield
    else:
        with sqlite_setup(database.sqlite_path):
            yield


def connect_kwargs_of(datastore: Any) -> dict[str, Any]:
    """psycopg's ``connect()`` arguments of a ``PostgresDatastore``'s pool, for a
    connection of its own (rows as tuples)."""
    kwargs = datastore.pool.kwargs
    if not isinstance(kwargs, dict):  # pragma: no cover - eventsourcing passes a dict
        msg = "the datastore's pool has no connection arguments"
        raise TypeError(msg)
    return {k: v for k, v in kwargs.items() if k != "row_factory"}


def datastore_setup(datastore: Any) -> AbstractContextManager[None]:
    """The setup lock of the store an eventsourcing datastore opens."""
    kind = type(datastore).__name__
    if kind == "PostgresDatastore":
        return postgres_setup(connect_kwargs_of(datastore), datastore.schema)
    if kind == "SQLiteDatastore":
        return sqlite_setup(datastore.pool.db_name)
    return nullcontext()  # pragma: no cover - only the two stores exist
