"""Opening the ledger for a command: configuration and store failures (a database
that cannot be reached or opened) become one line and exit 1, like any user mistake.

Every command says on standard error which store it used; a command that only reads or
changes what is there refuses a place where no ledger is, rather than creating one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cli.app import err_console, fail, user_errors
from composition import Process, open_process
from ledger.config import Settings
from ledger.infrastructure.store_probe import ledger_exists


def settings_for_command(*, create: bool) -> Settings:
    """The environment's settings, once the store is known to hold a ledger (unless
    this command may make a new one)."""
    with user_errors():
        settings = Settings.from_env()
        if not create and not ledger_exists(settings):
            fail(
                f"no ledger at {settings.database.describe()}: set LEDGER_DATABASE_URL to "
                "the ledger's store (`ledger serve` or `ledger seed` creates a new one)"
            )
    return settings


def opened(settings: Settings) -> Process:
    """The process on the store ``settings`` name, named on standard error once open."""
    with user_errors():
        process = open_process(settings)
    err_console.print(f"store: {settings.database.describe()}", highlight=False, soft_wrap=True)
    return process


@contextmanager
def command_process(*, create: bool = False) -> Iterator[Process]:
    """The process configured by the environment (`composition.open_process`), closed
    on the way out. Only commands that may start a new ledger pass ``create=True``."""
    process = opened(settings_for_command(create=create))
    try:
        with user_errors():
            yield process
    finally:
        process.close()
