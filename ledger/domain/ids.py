"""Identifiers of the ledger's aggregates and awards.

Providers, micro-credentials and learner records have deterministic ids, so that the
same natural key always names the same aggregate: re-registering finds what is already
there. Each is RFC 4122's name-based UUID, version 5, in the ledger's namespace: exactly
``uuid.uuid5(LEDGER_NAMESPACE, name)``. Issuing a batch computes one per award, so the
namespace's SHA-1 state is kept and copied rather than re-hashed, and the UUID is made
from its integer without ``UUID.__init__``'s argument parsing (together under half of
``uuid5``'s cost, measured).

Awards are different: their id is what an employer checks on the public status API, so
it must not be computable from public facts (the provider's code and its often
sequential reference), or the register could be enumerated. A new award gets a random
id (`new_award_id`); the award index finds an award again by the provider's reference.
Awards issued before that kept their name-based ids (they are in the events).
"""

from __future__ import annotations

import hashlib
import uuid
from uuid import UUID, SafeUUID

from ledger.domain import limits

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
    return _name_uuid(f"provider:{limits.provider_code(code)}")


def micro_credential_id(provider: UUID, code: str) -> UUID:
    return _name_uuid(f"micro-credential:{provider}:{code.strip()}")


def learner_record_id(learner_id: str) -> UUID:
    return _name_uuid(f"learner:{learner_id.strip()}")


def new_award_id() -> UUID:
    """A random (version 4) id: 122 bits from the operating system's CSPRNG."""
    return uuid.uuid4()
