"""``ledger backup`` and ``ledger erasures``: a consistent copy of the store, and the
erasure journal that a restore must be followed by.

A backup taken before an erasure still holds the erased learner's key; restoring it
brings their personal data back. ``ledger erasures reapply`` erases again every learner
the journal (kept outside the database) names whose key came back: run it after every
restore, before the API serves again.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, console, err_console, fail, user_errors
from cli.learners import default_actor
from cli.store import command_process, settings_for_command
from ledger.config import Settings
from ledger.domain.principal import Principal
from ledger.infrastructure.erasure_journal import ErasureJournal

erasures_app = typer.Typer(
    name="erasures",
    help="The journal of erasures kept outside the database: list it, re-apply it after a restore.",
    no_args_is_help=True,
)
app.add_typer(erasures_app)


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="The file to write (must not exist yet).")],
) -> None:
    """Write a consistent backup of the store while it serves.

    SQLite: SQLite's online backup, a database file of its own.
    PostgreSQL: pg_dump of the ledger's schema (custom format, for pg_restore).
    """
    if destination.exists():
        fail(f"{destination} exists already; choose a new file for the backup")
    settings = settings_for_command(create=False)
    partial = destination.with_name(destination.name + ".part")
    try:
        with user_errors():
            if settings.database.is_postgres:
                _pg_dump(settings, partial)
            else:
                _sqlite_backup(settings.database.sqlite_path, partial)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    journal = settings.erasure_journal_path
    console.print(f"backup of {settings.database.describe()} written to {destination}")
    if journal is not None:
        console.print(
            f"keep the erasure journal {journal} apart from it; after restoring this backup,"
            " run `ledger erasures reapply`",
            highlight=False,
            soft_wrap=True,
        )


def _sqlite_backup(source: str, destination: Path) -> None:
    # Through SQLite's own backup API: it copies a consistent snapshot page by page while
    # the server goes on writing, and opens the file only as SQLite does.
    with (
        closing(sqlite3.connect(source, timeout=30)) as live,
        closing(sqlite3.connect(destination)) as copy,
    ):
        live.backup(copy)


def _pg_dump(settings: Settings, destination: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        fail("pg_dump is not installed here (Debian: apt-get install postgresql-client)")
    kwargs = settings.database.connect_kwargs()
    env = {
        **os.environ,
        "PGHOST": kwargs["host"],
        "PGPORT": kwargs["port"],
        "PGUSER": kwargs["user"],
        "PGPASSWORD": kwargs["password"],
        "PGDATABASE": kwargs["dbname"],
    }
    done = subprocess.run(  # noqa: S603 - a fixed program, arguments from configuration
        [
            pg_dump,
            "--format=custom",
            f"--schema={settings.database.schema}",
            f"--file={destination}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        fail(f"pg_dump failed: {done.stderr.strip().splitlines()[-1] if done.stderr else ''}")


@erasures_app.command("list")
def list_erasures() -> None:
    """The erasures the journal holds (pseudonymous ids and times only)."""
    with user_errors():
        journal = Settings.from_env().erasure_journal_path
        if journal is None:
            fail("no erasure journal is configured (LEDGER_ERASURE_JOURNAL)")
        entries = list(ErasureJournal(journal).entries())
    err_console.print(f"journal: {journal}", highlight=False, soft_wrap=True)
    for entry in entries:
        console.print(
            f"{entry.erased_at.isoformat()}  {entry.learner_id}  position {entry.position}",
            highlight=False,
        )
    console.print(f"{len(entries)} erasure(s)", highlight=False)


@erasures_app.command("reapply")
def reapply(
    actor: str = typer.Option(
        None,
        "--actor",
        envvar="LEDGER_ACTOR",
        help="Who re-applies, recorded on the events (default authority:operator:<user>).",
        show_default=False,
    ),
) -> None:
    """After a restore: erase again every learner the journal names whose key is back."""
    with command_process() as process:
        ledger = process.ledger
        journal = ledger.settings.erasure_journal_path
        if journal is None:
            fail("no erasure journal is configured (LEDGER_ERASURE_JOURNAL)")
        erased = ledger.reapply_erasures(by=Principal.authority(actor or default_actor()))
    for entry in erased:
        console.print(f"erased again: {entry.learner_id}", highlight=False)
    console.print(
        f"{len(erased)} erasure(s) re-applied from {journal}", highlight=False, soft_wrap=True
    )
