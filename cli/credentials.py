"""``ledger credentials sign``: sign every award that has no signed credential yet.

An award is signed the first time its credential is asked for (a download, the
verification page, a verification). A provider's key signs nothing new once it is
suspended or withdrawn, so an award nobody asked for before then would stay unsigned:
the authority runs this for a provider before its suspension takes effect, and an
operator may run it for all after a large import, to sign ahead of demand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import typer

from cli.app import app, console
from cli.store import command_process
from ledger.application.credentials import SigningSummary
from ledger.domain import limits

credentials_app = typer.Typer(
    name="credentials",
    help="Awards as signed credentials: sign ahead of demand.",
    no_args_is_help=True,
)
app.add_typer(credentials_app)


@credentials_app.command("sign")
def sign(
    providers: Annotated[
        list[str] | None, typer.Argument(help="Provider codes (all providers when none is given).")
    ] = None,
) -> None:
    """Sign the awards (of these providers, or all) that have no signed credential yet."""
    wanted = {limits.provider_code(code) for code in providers} if providers else None
    started = time.monotonic()
    with command_process() as process:
        summary = process.credentials.sign_outstanding(wanted, progress=_progress(started))
    seconds = time.monotonic() - started
    rate = summary.signed / seconds if seconds > 0 else 0.0
    console.print(
        f"signed {summary.signed} credential(s) in {seconds:.1f} s ({rate:.0f}/s);"
        f" {summary.already} already signed",
        highlight=False,
        soft_wrap=True,
    )
    for code, count in sorted(summary.refused.items()):
        console.print(
            f"{code} may not sign now (suspended, withdrawn or not accredited):"
            f" {count} award(s) left unsigned",
            highlight=False,
            soft_wrap=True,
        )


def _progress(started: float) -> Callable[[SigningSummary], None]:
    last = [started]

    def report(summary: SigningSummary) -> None:
        now = time.monotonic()
        if now - last[0] >= 10:
            last[0] = now
            console.print(f"... {summary.signed} signed", highlight=False)

    return report
