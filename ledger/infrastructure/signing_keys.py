"""Signing keys of the authority and the providers: Ed25519, encrypted at rest.

Each owner (the authority, or a provider by its code) has one *current* key and any
number of *retired* ones. A key lives in the ``signing_keys`` table beside the events,
never in an event: the log is kept forever and copied into every backup, and a private
key in it could never be taken back. The private half is encrypted with AES-256-GCM
under the key-encryption key (``LEDGER_SIGNING_KEY_SECRET``; see `secret_source`), with
the row's key id as associated data, so that a ciphertext moved to another row does not
decrypt there.

Rotation retires the current key at that moment and makes a new one; a retired key
stays published with the moment it was made and the moment it was retired, because it
must still verify what it signed while it was current. Who may sign (a suspended or
withdrawn provider may not) is the domain's rule (`Provider.check_may_sign`), asked by
the application before it asks this store (`ledger.application.signing`).
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from ledger.config import Settings
from ledger.config.signing import SECRET_BYTES, parse_secret
from ledger.domain.text import check_line
from ledger.infrastructure.did_web import AUTHORITY, DidWeb, public_key_multibase
from ledger.infrastructure.side_tables import Row, SideTables

ALGORITHM = "Ed25519"
NONCE_BYTES = 12

Secret = Callable[[], bytes]
"""The key-encryption key, asked for only when a private key is made or read."""


class SigningSecretError(ValueError):
    """No usable key-encryption key: missing, or not the one a key was encrypted under."""


@dataclass(frozen=True)
class PublishedKey:
    """A public key as the owner's controller document lists it."""

    owner: str
    key_id: str
    """The fragment of the verification method: the key's ``publicKeyMultibase``."""
    verification_method_id: str
    public_key_multibase: str
    valid_from: datetime
    valid_until: datetime | None
    """When it was retired (rotated); ``None`` while it is the current key."""

    @property
    def current(self) -> bool:
        return self.valid_until is None

    def valid_at(self, moment: datetime) -> bool:
        """Current at ``moment`` (from its creation until, not including, its retirement)."""
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)

    def valid_on(self, day: date) -> bool:
        """Current at some moment of the UTC day ``day``."""
        start = self.valid_from.astimezone(UTC).date()
        end = None if self.valid_until is None else self.valid_until.astimezone(UTC).date()
        return start <= day and (end is None or day <= end)


def owner_name(owner: str) -> str:
    """How an owner is written in the table: ``authority`` or ``provider:<CODE>``."""
    check_line(owner, "owner")
    if owner == AUTHORITY:
        return AUTHORITY
    if not owner.strip() or owner != owner.strip().upper():
        msg = f"a signing key's owner is {AUTHORITY!r} or a provider's code, got {owner!r}"
        raise ValueError(msg)
    return f"provider:{owner}"


def _owner(stored: str) -> str:
    return stored.removeprefix("provider:")


class SigningKeyStore:
    def __init__(self, tables: SideTables, *, names: DidWeb, secret: Secret) -> None:
        self._tables = tables
        self._secret = secret
        self.names = names
        tables.create(
            "CREATE TABLE IF NOT EXISTS {t}signing_keys ("
            " key_id VARCHAR(64) PRIMARY KEY,"
            " owner VARCHAR(80) NOT NULL,"
            " algorithm VARCHAR(16) NOT NULL,"
            " public_key VARCHAR(64) NOT NULL,"
            " encrypted_private_key TEXT NOT NULL,"
            " created_at VARCHAR(40) NOT NULL,"
            " retired_at VARCHAR(40))",
            # One current key per owner: two processes making an owner's first key at
            # once cannot both succeed.
            "CREATE UNIQUE INDEX IF NOT EXISTS signing_keys_current"
            " ON {t}signing_keys (owner) WHERE retired_at IS NULL",
        )

    # --- what signs ---------------------------------------------------------------------
    def signing_key(self, owner: str) -> tuple[str, Ed25519PrivateKey]:
        """The owner's current key (made now if it has none): its verification method
        id and the private key. Whether the owner may sign is the caller's question."""
        stored = owner_name(owner)
        row = self._current_row(stored)
        if row is None:
            self._tables.execute(*self._insert(stored))
            row = self._current_row(stored)
            assert row is not None
        return self.names.verification_method(owner, row["key_id"]), self._decrypt(row)

    def rotate(self, owner: str) -> PublishedKey:
        """Retire the owner's current key (if any) now, and make its new current key."""
        stored = owner_name(owner)
        now = datetime.now(UTC)
        insert = self._insert(stored, now)
        self._tables.execute_all_in_turn(
            "signing_keys",
            [
                (
                    "UPDATE {t}signing_keys SET retired_at = ? WHERE owner = ?"
                    " AND retired_at IS NULL",
                    (now.isoformat(), stored),
                ),
                insert,
            ],
        )
        row = self._current_row(stored)
        assert row is not None
        return self._published(row)

    # --- what is published --------------------------------------------------------------
    def public_keys(self, owner: str) -> list[PublishedKey]:
        """Every key the owner has had, oldest first (the current one last)."""
        rows = self._tables.query(
            "SELECT * FROM {t}signing_keys WHERE owner = ? ORDER BY created_at, key_id",
            (owner_name(owner),),
        )
        return [self._published(row) for row in rows]

    def all_keys(self) -> list[PublishedKey]:
        """Every owner's keys, by owner then age."""
        rows = self._tables.query(
            "SELECT * FROM {t}signing_keys ORDER BY owner, created_at, key_id"
        )
        return [self._published(row) for row in rows]

    def find(self, verification_method_id: str) -> PublishedKey | None:
        """The key a verification method id names, if it is one of this ledger's."""
        named = self.names.owner_of(verification_method_id)
        if named is None:
            return None
        owner, key_id = named
        try:
            stored = owner_name(owner)
        except ValueError:
            return None
        rows = self._tables.query(
            "SELECT * FROM {t}signing_keys WHERE key_id = ? AND owner = ?", (key_id, stored)
        )
        return self._published(rows[0]) if rows else None

    def key_valid_on(self, verification_method_id: str, on: date | datetime) -> bool:
        """Was the named key its owner's current key on that day (or at that moment)?
        An unknown key never was."""
        key = self.find(verification_method_id)
        if key is None:
            return False
        if isinstance(on, datetime):
            return key.valid_at(on if on.tzinfo else on.replace(tzinfo=UTC))
        return key.valid_on(on)

    # --- rows ---------------------------------------------------------------------------
    def _current_row(self, stored: str) -> Row | None:
        rows = self._tables.query(
            "SELECT * FROM {t}signing_keys WHERE owner = ? AND retired_at IS NULL", (stored,)
        )
        return rows[0] if rows else None

    def _insert(
        self, stored: str, now: datetime | None = None
    ) -> tuple[str, tuple[str, str, str, str, str, str]]:
        private = Ed25519PrivateKey.generate()
        key_id = public_key_multibase(private.public_key())
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        nonce = os.urandom(NONCE_BYTES)
        # The key id as associated data binds the ciphertext to its row.
        sealed = nonce + AESGCM(self._kek()).encrypt(nonce, raw, key_id.encode("ascii"))
        created = (now or datetime.now(UTC)).isoformat()
        return (
            "INSERT INTO {t}signing_keys (key_id, owner, algorithm, public_key,"
            " encrypted_private_key, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (key_id, stored, ALGORITHM, key_id, base64.b64encode(sealed).decode(), created),
        )

    def _decrypt(self, row: Row) -> Ed25519PrivateKey:
        sealed = base64.b64decode(row["encrypted_private_key"])
        nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        try:
            raw = AESGCM(self._kek()).decrypt(nonce, ciphertext, row["key_id"].encode("ascii"))
        except InvalidTag:
            msg = (
                f"the signing key {row['key_id']} of {_owner(row['owner'])} cannot be decrypted:"
                " LEDGER_SIGNING_KEY_SECRET is not the secret it was encrypted under (or the"
                " row was altered)"
            )
            raise SigningSecretError(msg) from None
        return Ed25519PrivateKey.from_private_bytes(raw)

    def _kek(self) -> bytes:
        return self._secret()

    def _published(self, row: Row) -> PublishedKey:
        owner = _owner(row["owner"])
        retired = row["retired_at"]
        return PublishedKey(
            owner=owner,
            key_id=row["key_id"],
            verification_method_id=self.names.verification_method(owner, row["key_id"]),
            public_key_multibase=row["public_key"],
            valid_from=datetime.fromisoformat(row["created_at"]),
            valid_until=None if retired is None else datetime.fromisoformat(retired),
        )


# --- the key-encryption key ---------------------------------------------------------------
def secret_source(settings: Settings) -> Secret:
    """Where the key-encryption key comes from, asked for only when a key is made or read:

    * ``LEDGER_SIGNING_KEY_SECRET``, when set;
    * else, on an embedded SQLite store, a random secret made once and kept in a file
      beside the database (mode 0600), so that the demo signs with no setup;
    * an in-memory SQLite store (tests) keeps a random one for its own short life;
    * on PostgreSQL, a refusal: a deployment's signing keys are never kept unencrypted,
      nor under a secret that only one machine's disk holds."""
    configured = settings.signing.secret
    if configured is not None:
        return lambda: configured
    path = settings.signing_secret_path
    if path is not None:
        return lambda: embedded_secret(path)
    if not settings.database.is_postgres:
        ephemeral = secrets.token_bytes(SECRET_BYTES)  # an in-memory store's keys die with it
        return lambda: ephemeral

    def missing() -> bytes:
        msg = (
            "LEDGER_SIGNING_KEY_SECRET is not set: on PostgreSQL the ledger makes and uses"
            " signing keys only under that secret (base64 of 32 random bytes, e.g."
            " `python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'`)"
        )
        raise SigningSecretError(msg)

    return missing


def embedded_secret(path: Path) -> bytes:
    """The secret kept in ``path``, made now (readable by its owner only) if missing.
    Processes starting together agree: the file appears whole or not at all (a link of
    a finished temporary file), and the loser reads the winner's."""
    if not path.exists():
        encoded = base64.b64encode(secrets.token_bytes(SECRET_BYTES)) + b"\n"
        # mkstemp makes the file readable and writable by its owner only (0600).
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(encoded)
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return parse_secret(str(path), path.read_text(encoding="ascii"))
