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
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from urllib.parse import unquote, urlsplit

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


def sqlite_setup_lock_path(path: str) -> str | None:
    """The setup lock file of the SQLite database at ``path`` (a file name or a
    ``file:`` URI, as SQLite takes it), or None for an in-memory database."""
    # As eventsourcing's SQLite datastore tells an in-memory database.
    if ":memory:" in path or "mode=memory" in path:
        return None
    if path.startswith("file:"):
        path = unquote(urlsplit(path).path)
    if not path:
        return None
    # Named as SQLite names the -wal and -shm files beside the database, so that
    # whatever ignores those (.gitignore's ``*.sqlite3-*``) ignores this one too.
    return path + "-setup-lock"


@contextmanager
def sqlite_setup(path: str) -> Iterator[None]:
    """Hold off other processes' table creation in the database file at ``path`` until
    this block ends (an in-memory database is one process's own).

    The lock is a flock() on a file of its own beside the database,
    ``<database>-setup-lock``, never on a descriptor of the database file (nor of its
    -wal or -shm). SQLite's locks are POSIX (fcntl) locks, and closing *any* descriptor
    of a file drops all of the process's fcntl locks on it: a process that opened and
    closed the database file itself, while its SQLite connections were open, lost the
    shared lock that tells other processes the database is in use, so the next
    ``ledger`` command to exit beside ``ledger serve`` took itself for the last user,
    checkpointed and deleted the write-ahead log under the server, whose acknowledged
    writes were then lost (and its later ones failed with "disk I/O error"). The lock
    file is left in place, empty: deleting it while another process waits on it would
    let a third take a lock on a new file of the same name at the same time.
    """
    lock_path = sqlite_setup_lock_path(path)
    if lock_path is None:
        yield
        return
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except PermissionError:
        # Made by another user: flock() does not need write access.
        try:
            descriptor = os.open(lock_path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            descriptor = -1
    except OSError:  # no such directory, say: SQLite itself reports it, as it always has
        descriptor = -1
    if descriptor < 0:
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


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
