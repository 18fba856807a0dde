"""The ``ledger`` command line: one module per group of commands, each registering
itself on the shared Typer app when imported here."""

from __future__ import annotations

from ledger.cli import authority, learners, seed, serve  # noqa: F401  (registers its commands)
from ledger.cli import projections  # noqa: F401  (ledger project, ledger rebuild)
from ledger.cli.app import app


def main() -> None:
    app()
