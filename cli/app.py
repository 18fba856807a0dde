"""The shared Typer app and the one rule every command follows: a user mistake is a
one-line message on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import psycopg
import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console

from ledger.errors import CommitOutcomeUnknown, LedgerError, StoreUnavailable

app = typer.Typer(
    name="ledger",
    help="The national micro-credential ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """The national micro-credential ledger: serve the API, run projections, operate."""


console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn refusals, bad configuration and an unusable store (a database that cannot be
    reached or opened) into a one-line message and exit 1."""
    try:
        yield
    except LedgerError as error:
        fail(str(error))
    except CommitOutcomeUnknown as error:
        fail(f"{error}; run the command again to see whether it was")
    except StoreUnavailable as error:
        fail(f"{error}; nothing was written, try again when it is back")
    except (PersistenceError, psycopg.Error, sqlite3.Error) as error:
        text = str(error).strip()
        detail = text.splitlines()[0] if text else type(error).__name__
        where = os.environ.get("LEDGER_DATABASE_URL") or "the embedded SQLite file"
        if "@" in where:  # never echo a password
            where = where.split("://", 1)[0] + "://…@" + where.rsplit("@", 1)[1]
        fail(f"cannot open the store {where}: {detail}")
    except (ValueError, OSError) as error:
        fail(str(error))
