"""Who acts: the authority, or a provider acting for itself only.

Every command of the ledger is given a `Principal`. Its ``actor`` is what the events
record (``authority:<name>``, ``provider:<CODE>:<key id>``, ``cli:<user>``); its role and
provider decide what it may touch, here in the domain rather than in each adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from ledger import errors


class Role(str, Enum):
    AUTHORITY = "authority"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Principal:
    actor: str
    role: Role
    provider_id: UUID | None = None

    def __post_init__(self) -> None:
        if (self.role is Role.PROVIDER) != (self.provider_id is not None):
            msg = "a provider principal names its provider; the authority names none"
            raise ValueError(msg)

    @classmethod
    def authority(cls, actor: str) -> Principal:
        """The national authority (its officers, systems and server operators)."""
        return cls(actor, Role.AUTHORITY)

    @classmethod
    def provider(cls, actor: str, provider_id: UUID) -> Principal:
        """A provider, acting for ``provider_id`` only."""
        return cls(actor, Role.PROVIDER, provider_id)

    @property
    def is_authority(self) -> bool:
        return self.role is Role.AUTHORITY

    @property
    def acting_provider(self) -> UUID | None:
        """The provider this principal is confined to; ``None`` for the authority."""
        return self.provider_id

    def acts_for(self, provider_id: UUID) -> bool:
        return self.is_authority or self.provider_id == provider_id

    def check_acts_for(self, provider_id: UUID, what: str) -> None:
        """Refuse, as not this principal's object, ``what`` of another provider."""
        if not self.acts_for(provider_id):
            msg = f"{what} belongs to another provider"
            raise errors.NotYourObject(msg)

    def check_is_authority(self, what: str) -> None:
        """Refuse ``what`` to a provider: only the authority may (the API refuses a
        provider key on the authority's routes first; this is the domain's own line)."""
        if not self.is_authority:
            msg = f"only the national authority may {what}"
            raise errors.NotYourObject(msg)
