"""``ledger keys``: the signing keys of the authority and the providers.

Listing shows public halves only. Rotation retires the owner's current key at once and
makes a new one; the retired key stays published (it verifies what it signed). A
suspended or withdrawn provider's keys sign nothing new, so none is made for it.
"""

from __future__ import annotations

import typer
from rich.table import Table

from cli.app import app, console
from cli.store import command_process
from ledger.application import signing
from ledger.infrastructure.did_web import AUTHORITY

keys_app = typer.Typer(
    name="keys",
    help="Signing keys of the authority and the providers: list them, rotate one.",
    no_args_is_help=True,
)
app.add_typer(keys_app)

OWNER_HELP = f"{AUTHORITY!r} for the authority, or a provider's code."


@keys_app.command("list")
def list_keys(
    owner: str | None = typer.Argument(None, help=OWNER_HELP + " All owners if absent."),
) -> None:
    """List signing keys: owner, verification method, when made and when retired."""
    with command_process() as process:
        store = process.signing_keys
        if owner is None:
            found = store.all_keys()
        else:
            found = store.public_keys(signing.owner_of(process.ledger, owner))
    table = Table()
    for column in ("owner", "verification method", "created", "retired"):
        # Fold rather than truncate: an operator copies verification method ids.
        table.add_column(column, overflow="fold")
    for key in found:
        table.add_row(
            key.owner,
            key.verification_method_id,
            f"{key.valid_from:%Y-%m-%d %H:%M:%S}",
            "" if key.valid_until is None else f"{key.valid_until:%Y-%m-%d %H:%M:%S}",
        )
    console.print(table)


@keys_app.command("rotate")
def rotate(owner: str = typer.Argument(..., help=OWNER_HELP)) -> None:
    """Retire the owner's current signing key now and make a new one."""
    with command_process() as process:
        key = signing.rotate(process.ledger, process.signing_keys, owner)
    console.print(
        f"new key of {key.owner}: {key.verification_method_id}", highlight=False, soft_wrap=True
    )
    console.print(
        "the previous key stays published with its end of validity; it verifies what it signed",
        highlight=False,
    )
