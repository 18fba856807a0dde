"""Deterministic identifiers, so that the same natural key always names the same
aggregate: re-sending a registration or an award finds what is already there.

Each is RFC 4122's name-based UUID, version 5, in the ledger's namespace: exactly
``uuid.uuid5(LEDGER_NAMESPACE, name)``. Issuing a batch computes two or three per
award, so the namespace's SHA-1 state is kept and copied rather than re-hashed, and the
UUID is made from its integer without ``UUID.__init__``'s argument parsing (together
under half of ``uuid5``'s cost, measured).
"""

from __future__ import annotations

import hashlib
from uuid import UUID, SafeUUID

LEDGER_NAMESPACE = UUID("6f1f2c8e-4a4b-5b7e-9c39-1d5f0a7e2b10")

_NAMESPACE_SHA1 = hashlib.sha1(LEDGER_NAMESPACE.bytes, usedforsecurity=False)
# Version 5 and the RFC 4122 variant, set in the top 128 bits of the digest as
# UUID(bytes=..., version=5) sets them.
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (5 << 76) | (0x8000 << 48)
_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def uuid_from_int(value: int) -> UUID:
    """``UUID(int=value)`` for a value known to fit in 128 bits, without the
    constructor's argument parsing and checks (half its cost). Hot paths only: ids made
    here and UUIDs read back from stored events."""
    made = _new(UUID)
    _set(made, "int", value)
    _set(made, "is_safe", _UNKNOWN)
    return made


def _name_uuid(name: str) -> UUID:
    sha1 = _NAMESPACE_SHA1.copy()
    sha1.update(name.encode("utf-8"))
    return uuid_from_int((int.from_bytes(sha1.digest()[:16], "big") & _CLEAR) | _SET)


def provider_id(code: str) -> UUID:
    return _name_uuid(f"provider:{code.strip().upper()}")


def micro_credential_id(provider: UUID, code: str) -> UUID:
    return _name_uuid(f"micro-credential:{provider}:{code.strip()}")


def learner_record_id(learner_id: str) -> UUID:
    return _name_uuid(f"learner:{learner_id.strip()}")


def award_id(provider: UUID, provider_reference: str) -> UUID:
    return _name_uuid(f"award:{provider}:{provider_reference.strip()}")
