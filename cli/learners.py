"""``ledger erase-learner``: crypto-shred a learner's personal data on request."""

from __future__ import annotations

import getpass

import typer

from cli.app import app, console, fail
from cli.store import command_process
from ledger.domain.principal import Principal
from ledger.errors import LearnerNotFound


def default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        user = "operator"
    return f"authority:operator:{user}"


@app.command("erase-learner")
def erase_learner(
    learner_id: str = typer.Argument(..., help="The learner's pseudonymous id."),
    reason: str = typer.Option(
        ..., "--reason", help="Why (for example the reference of the learner's request)."
    ),
    actor: str = typer.Option(
        None,
        "--actor",
        envvar="LEDGER_ACTOR",
        help="Who erases, recorded on the event (default authority:operator:<user>).",
        show_default=False,
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Erase a learner's personal data (crypto-shredding), on their request.

    Their awards, status and history stay checkable.
    The personal data can never be read again.
    """
    if not reason.strip():
        fail("--reason must not be empty: record why the data is erased")
    with command_process() as process:
        ledger = process.ledger
        try:
            ledger.get_learner_record(learner_id)
        except LearnerNotFound:
            fail(f"no learner {learner_id!r} in the ledger")
        if not yes and not typer.confirm(
            f"Erase the personal data of learner {learner_id}? This cannot be undone",
            default=False,
        ):
            fail("nothing erased", code=1)
        receipt = ledger.erase_learner(
            learner_id, reason=reason, by=Principal.authority(actor or default_actor())
        )
    console.print(
        f"erased the personal data of learner {learner_id} (log position {receipt.position}); "
        "their awards stay verifiable",
        highlight=False,
        soft_wrap=True,
    )
