"""Opening the ledger for a command: configuration and store failures (a database
that cannot be reached or opened) become one line and exit 1, like any user mistake."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from eventsourcing.persistence import PersistenceError

from ledger.application import Ledger
from ledger.cli.app import fail, user_errors
from ledger.config import Settings


@contextmanager
def store_errors(settings: Settings) -> Iterator[None]:
    try:
        yield
    except (PersistenceError, psycopg.Error, sqlite3.Error) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        fail(f"the store {settings.database.describe()} cannot be used: {detail}")


@contextmanager
def open_ledger() -> Iterator[Ledger]:
    """The ledger configured by the environment, closed on the way out."""
    with user_errors():
        settings = Settings.from_env()
    with store_errors(settings):
        ledger = Ledger(settings)
    try:
        with store_errors(settings), user_errors():
            yield ledger
    finally:
        ledger.close()
