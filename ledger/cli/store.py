"""Opening the ledger for a command: configuration and store failures (a database
that cannot be reached or opened) become one line and exit 1, like any user mistake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ledger.application import Ledger
from ledger.cli.app import user_errors
from ledger.config import Settings


@contextmanager
def open_ledger() -> Iterator[Ledger]:
    """The ledger configured by the environment, closed on the way out."""
    with user_errors():
        ledger = Ledger(Settings.from_env())
    try:
        with user_errors():
            yield ledger
    finally:
        ledger.close()
