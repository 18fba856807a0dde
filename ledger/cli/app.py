"""The shared Typer app and the one rule every command follows: a user mistake is a
one-line message on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from ledger.errors import LedgerError

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
    """Turn refusals and bad configuration into a one-line message and exit 1."""
    try:
        yield
    except LedgerError as error:
        fail(str(error))
    except (ValueError, OSError) as error:
        fail(str(error))
