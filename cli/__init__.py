"""The ``ledger`` command line: one module per group of commands, each registering
itself on the shared Typer app when imported here."""

from __future__ import annotations

from cli import (  # noqa: F401  (registers its commands)
    audit,
    authority,
    backups,
    credentials,
    history_import,
    keys,
    learners,
    log,
    projections,
    seed,
    serve,
    verify,
)
from cli.app import app


def main() -> None:
    app()
