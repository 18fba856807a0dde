"""``ledger import``: the authority loads an earlier register (providers, decisions,
micro-credentials, awards) into the ledger, all or nothing, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from cli.app import app, console, err_console, fail
from cli.import_rows import read_rows
from cli.learners import default_actor
from cli.store import command_process
from ledger.application.import_entries import ImportRefused, ImportReport, RefusedEntry
from ledger.domain.principal import Principal

# Refusals printed on the terminal; ``--report`` keeps every one.
SHOWN_REFUSALS = 50


@app.command("import")
def import_register(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="JSON lines (typed rows) or, named *.csv, awards as CSV.",
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="The earlier register the rows come from, recorded on every event written.",
        ),
    ],
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            envvar="LEDGER_ACTOR",
            help="Who imports, recorded on every event (default authority:operator:<user>).",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            dir_okay=False,
            help="Write every refused row here, as JSON lines (line, problem, message).",
        ),
    ] = None,
) -> None:
    """Import an earlier register's providers, decisions, micro-credentials and awards.

    The whole file is checked first: if any row is refused, nothing is written and
    every refused row is reported with its line. Run it again after a stop: what the
    register already holds is counted, not written twice.
    """
    entries, refused = read_rows(file)
    # An import may be the register's first write: the store may be new.
    with command_process(create=True) as process:
        by = Principal.authority(actor or default_actor())
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(f"{phase} awards", total=total)
                bar.update(tasks[phase], completed=done)

            try:
                outcome = process.ledger.import_history(
                    entries, source=source, by=by, unreadable=refused, progress=progress
                )
            except ImportRefused as error:
                _refuse(error.refused, report)
    _print(outcome, source)


def _refuse(refused: list[RefusedEntry], report: Path | None) -> None:
    for entry in refused[:SHOWN_REFUSALS]:
        err_console.print(
            f"line {entry.line}: {entry.message} ({entry.problem})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if len(refused) > SHOWN_REFUSALS:
        err_console.print(f"… and {len(refused) - SHOWN_REFUSALS} more", highlight=False)
    if report is not None:
        report.write_bytes(
            b"".join(
                orjson.dumps({"line": e.line, "problem": e.problem, "message": e.message}) + b"\n"
                for e in refused
            )
        )
        err_console.print(f"every refused row: {report}", highlight=False)
    fail(f"{len(refused)} row(s) refused; nothing was written")


def _print(outcome: ImportReport, source: str) -> None:
    kinds = sorted(set(outcome.written) | set(outcome.already_present))
    for kind in kinds:
        console.print(
            f"{kind.replace('_', ' ')}: {outcome.written.get(kind, 0)} written, "
            f"{outcome.already_present.get(kind, 0)} already in the register",
            highlight=False,
        )
    console.print(f"imported from {source!r}; log position {outcome.position}", highlight=False)
