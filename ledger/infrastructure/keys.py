"""API keys: random secrets shown once, stored only as SHA-256 hashes, each with a role.

A key is 256 random bits, so a fast unsalted hash is enough: nobody can guess a
preimage, and a lookup by hash is one primary-key read. The secret carries its key id
(``mcl_<key id>_<random>``) only so that operators can tell keys apart in logs; the id
is never trusted, only the hash is.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from ledger.domain import ids
from ledger.domain.principal import Principal, Role
from ledger.domain.text import check_line
from ledger.errors import KeyAlreadyRevoked, KeyNotFound, LastAuthorityKey
from ledger.infrastructure.side_tables import Row, SideTables

KEY_PREFIX = "mcl"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    role: Role
    name: str
    provider_code: str | None
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def provider_id(self) -> UUID | None:
        return None if self.provider_code is None else ids.provider_id(self.provider_code)

    @property
    def actor(self) -> str:
        """Who the events record: ``authority:<key name>`` or ``provider:<CODE>:<key id>``."""
        if self.role is Role.AUTHORITY:
            return f"authority:{self.name}"
        return f"provider:{self.provider_code}:{self.key_id}"

    @property
    def idempotency_scope(self) -> str:
        """Who acts, whichever of its keys it uses (idempotency keys are scoped by it)."""
        return "authority" if self.role is Role.AUTHORITY else f"provider:{self.provider_code}"

    @property
    def principal(self) -> Principal:
        """Who the ledger's commands see acting with this key."""
        provider_id = self.provider_id
        if provider_id is None:
            return Principal.authority(self.actor)
        return Principal.provider(self.actor, provider_id)


@dataclass(frozen=True)
class IssuedKey:
    """A new key and its secret; the secret exists nowhere else once this is shown."""

    key: ApiKey
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    def __init__(self, tables: SideTables) -> None:
        self._tables = tables
        tables.create(
            "CREATE TABLE IF NOT EXISTS {t}api_keys ("
            " key_id VARCHAR(32) PRIMARY KEY,"
            " key_hash CHAR(64) NOT NULL UNIQUE,"
            " role VARCHAR(16) NOT NULL,"
            " name VARCHAR(100) NOT NULL,"
            " provider_code VARCHAR(64),"
            " created_at VARCHAR(40) NOT NULL,"
            " created_by VARCHAR(300),"
            " revoked_at VARCHAR(40),"
            " revoked_by VARCHAR(300))"
        )

    def create(
        self,
        *,
        role: Role,
        name: str,
        provider_code: str | None = None,
        created_by: str | None = None,
    ) -> IssuedKey:
        """A new key; ``created_by`` is who asked for it (an authority key's actor, or
        ``cli:<operator>`` for a key made on the server). The API and the CLI always
        say; only code that embeds the store may leave it unrecorded."""
        if (role is Role.PROVIDER) != (provider_code is not None):
            msg = "a provider key names its provider; an authority key names none"
            raise ValueError(msg)
        check_line(name, "name")  # events name their actor by it
        key_id = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        created = datetime.now(UTC)
        self._tables.execute(
            "INSERT INTO {t}api_keys"
            " (key_id, key_hash, role, name, provider_code, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key_id,
                hash_secret(secret),
                role.value,
                name,
                provider_code,
                created.isoformat(),
                created_by,
            ),
        )
        key = ApiKey(key_id, role, name, provider_code, created, created_by, None, None)
        return IssuedKey(key, secret)

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key whose secret this is, or ``None``."""
        rows = self._tables.query(
            "SELECT * FROM {t}api_keys WHERE key_hash = ? AND revoked_at IS NULL",
            (hash_secret(secret),),
        )
        return _key(rows[0]) if rows else None

    def get(self, key_id: str) -> ApiKey:
        check_line(key_id, "key_id")
        rows = self._tables.query("SELECT * FROM {t}api_keys WHERE key_id = ?", (key_id,))
        if not rows:
            msg = f"no API key with id {key_id!r}"
            raise KeyNotFound(msg)
        return _key(rows[0])

    def list(self, *, provider_code: str | None = None) -> list[ApiKey]:
        check_line(provider_code, "provider_code")
        if provider_code is None:
            rows = self._tables.query("SELECT * FROM {t}api_keys ORDER BY created_at, key_id")
        else:
            rows = self._tables.query(
                "SELECT * FROM {t}api_keys WHERE provider_code = ? ORDER BY created_at, key_id",
                (provider_code,),
            )
        return [_key(row) for row in rows]

    def revoke(self, key_id: str, *, revoked_by: str) -> ApiKey:
        """Revoke a key (again is harmless: the first revocation stays on record).

        The last live authority key is not revoked (`LastAuthorityKey`). The check and
        the revocation are one conditional statement taking its turn with other writes
        of the table, so two revocations of the last two keys cannot both pass."""
        check_line(key_id, "key_id")
        revoked = self._tables.execute_in_turn(
            "api_keys",
            "UPDATE {t}api_keys SET revoked_at = ?, revoked_by = ?"
            " WHERE key_id = ? AND revoked_at IS NULL"
            " AND (role <> ? OR (SELECT COUNT(*) FROM {t}api_keys"
            " WHERE role = ? AND revoked_at IS NULL) > 1)"
            " RETURNING key_id",
            (
                datetime.now(UTC).isoformat(),
                revoked_by,
                key_id,
                Role.AUTHORITY.value,
                Role.AUTHORITY.value,
            ),
        )
        key = self.get(key_id)
        if not revoked and key.revoked_at is None:
            msg = (
                f"API key {key_id!r} is the last live authority key; revoking it would lock"
                " the authority out. Create another authority key first, then revoke this one"
            )
            raise LastAuthorityKey(msg)
        return key

    def rotate(self, key_id: str, *, rotated_by: str) -> IssuedKey:
        """A new key for the same holder; the old one stops working now."""
        old = self.get(key_id)
        if old.revoked_at is not None:
            msg = f"API key {key_id!r} was revoked; issue a new key instead of rotating it"
            raise KeyAlreadyRevoked(msg)
        issued = self.create(
            role=old.role, name=old.name, provider_code=old.provider_code, created_by=rotated_by
        )
        self.revoke(key_id, revoked_by=rotated_by)
        return issued


def _key(row: Row) -> ApiKey:
    revoked = row["revoked_at"]
    return ApiKey(
        key_id=row["key_id"],
        role=Role(row["role"]),
        name=row["name"],
        provider_code=row["provider_code"],
        created_at=datetime.fromisoformat(row["created_at"]),
        created_by=row["created_by"],
        revoked_at=None if revoked is None else datetime.fromisoformat(revoked),
        revoked_by=row["revoked_by"],
    )
