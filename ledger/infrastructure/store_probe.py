"""Whether a ledger already lives where the settings point, found without creating
anything: read-only commands must not leave an empty store behind them (an audit in the
wrong folder used to make a new ``ledger.sqlite3`` and answer "no events match")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ledger.config import Settings

# The event table eventsourcing creates for the ledger; its presence is what makes a
# store a ledger. The PostgreSQL factory names it after the application (`Ledger.name`),
# the SQLite one does not.
SQLITE_EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = "ledger_events"


def ledger_exists(settings: Settings) -> bool:
    database = settings.database
    if database.is_postgres:
        return _postgres_has_ledger(settings)
    return _sqlite_has_ledger(database.sqlite_path)


def _sqlite_has_ledger(path: str) -> bool:
    if path == ":memory:" or "mode=memory" in path:
        return False
    if not Path(path).is_file():
        return False
    # Through SQLite itself, read-only: a plain open() and close() of the file would
    # drop the locks SQLite holds on it in this process (POSIX advisory locks are per
    # process and file, and any close releases them all).
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=5) as conn:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SQLITE_EVENTS_TABLE,)
        ).fetchone()
    conn.close()
    return row is not None


def _postgres_has_ledger(settings: Settings) -> bool:
    import psycopg
    from psycopg.conninfo import make_conninfo

    database = settings.database
    with psycopg.connect(make_conninfo(**database.connect_kwargs()), autocommit=True) as conn:
        row = conn.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))",
            (database.schema, POSTGRES_EVENTS_TABLE),
        ).fetchone()
    return row is not None and row[0] is not None
