"""``ledger authority``: the authority's API keys, managed by an operator on the server.

This is how the first authority key comes to exist (there is no key yet to call the
API with); later keys, and every provider key, can be issued here or through the API.
"""

from __future__ import annotations

import getpass
import os

import typer
from rich.table import Table

from cli.app import app, console, fail, user_errors
from cli.store import opened, settings_for_command
from composition import Process
from ledger.domain import ids, limits
from ledger.domain.principal import Role
from ledger.domain.text import check_line
from ledger.errors import KeyNotFound, LastAuthorityKey
from ledger.infrastructure.keys import KeyStore

authority_app = typer.Typer(
    name="authority",
    help="Manage API keys: create the first authority key, list and revoke keys.",
    no_args_is_help=True,
)
app.add_typer(authority_app)


def _open(*, create: bool = False) -> tuple[Process, KeyStore]:
    process = opened(settings_for_command(create=create))
    with user_errors():
        return process, process.keys


def _operator() -> str:
    """Who ran the command on the server, as the key table records it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. in a container)
        user = str(os.getuid())
    return f"cli:{user}"


@authority_app.command("create-key")
def create_key(
    name: str = typer.Option(
        ..., "--name", help="Who holds the key, e.g. an officer or a system; events name it."
    ),
    provider: str | None = typer.Option(
        None, "--provider", help="Make a key for this provider code instead of the authority."
    ),
) -> None:
    """Create an API key and print it once: only its hash is stored."""
    if not name.strip() or len(name) > 200:
        fail("--name must be 1 to 200 characters")
    with user_errors():
        check_line(name, "--name")
    process, keys = _open(create=True)
    try:
        code = None
        if provider is not None:
            with user_errors():
                code = process.ledger.get_provider(ids.provider_id(provider)).code
        issued = keys.create(
            role=Role.PROVIDER if code else Role.AUTHORITY,
            name=name.strip(),
            provider_code=code,
            created_by=_operator(),
        )
    finally:
        process.close()
    console.print(f"key id:  {issued.key.key_id}", highlight=False)
    console.print(f"actor:   {issued.key.actor}", highlight=False)
    console.print("secret (shown once, store it now; send it as `Authorization: Bearer ...`):")
    # Plain print so that the secret is one unwrapped, uncoloured line a script can read.
    print(issued.secret)


@authority_app.command("list-keys")
def list_keys(
    provider: str | None = typer.Option(None, "--provider", help="Only this provider's keys."),
) -> None:
    """List API keys (ids, holders, roles, dates; never secrets)."""
    process, keys = _open()
    try:
        found = keys.list(
            provider_code=None if provider is None else limits.provider_code(provider)
        )
    finally:
        process.close()
    table = Table()
    for column in ("key id", "role", "provider", "name", "created", "revoked"):
        # Fold rather than truncate: an operator copies key ids and names from here.
        table.add_column(column, overflow="fold")
    for key in found:
        table.add_row(
            key.key_id,
            key.role.value,
            key.provider_code or "",
            key.name,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            "" if key.revoked_at is None else f"{key.revoked_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@authority_app.command("revoke-key")
def revoke_key(key_id: str = typer.Argument(..., help="The key id (from list-keys).")) -> None:
    """Revoke a key: requests with it are refused from now on."""
    process, keys = _open()
    try:
        revoked = keys.revoke(key_id, revoked_by=_operator())
    except KeyNotFound as error:
        fail(str(error))
    except LastAuthorityKey as error:
        fail(f"{error} (`ledger authority create-key --name ...`)")
    finally:
        process.close()
    assert revoked.revoked_at is not None
    console.print(
        f"revoked {revoked.key_id} ({revoked.actor}) at {revoked.revoked_at.isoformat()}",
        highlight=False,
    )
