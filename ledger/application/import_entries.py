"""The rows of an earlier register, as the historical import takes them: one entry per
provider, decision, micro-credential, accreditation or award, each with the line of
the file it came from so that a refusal names it. Objects are named by codes, as an
earlier register knows them, not by this ledger's ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from ledger import errors
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    CredentialSpecification,
    ProviderKind,
)


@dataclass(frozen=True)
class ProviderEntry:
    line: int
    code: str
    name: str
    country: str
    kind: ProviderKind
    website: str | None = None


class DecisionKind(str, Enum):
    ACCREDIT = "accredit"
    RENEW = "renew"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class ProviderDecisionEntry:
    """A decision of the authority about a provider, in force from ``effective_on``.
    Accreditation needs the scope and the end of validity, renewal the end (the scope
    stays if omitted), the others a reason."""

    line: int
    provider: str
    decision: DecisionKind
    decision_reference: str
    effective_on: date
    scope: AccreditationScope | None = None
    valid_until: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CredentialEntry:
    line: int
    provider: str
    code: str
    specification: CredentialSpecification


@dataclass(frozen=True)
class CredentialAccreditationEntry:
    line: int
    provider: str
    credential: str
    decision_reference: str
    effective_on: date


@dataclass(frozen=True)
class AwardEntry:
    line: int
    provider: str
    credential: str
    learner_id: str
    provider_reference: str
    issued_on: date
    assessment: Assessment


ImportEntry = (
    ProviderEntry
    | ProviderDecisionEntry
    | CredentialEntry
    | CredentialAccreditationEntry
    | AwardEntry
)


@dataclass(frozen=True)
class RefusedEntry:
    line: int
    message: str
    problem: str
    """The refusal's code (the problem type the API would answer)."""


class ImportRefused(errors.InvalidRequest):
    """At least one entry of the file was refused; nothing was written."""

    def __init__(self, refused: list[RefusedEntry]) -> None:
        self.refused = sorted(refused, key=lambda entry: entry.line)
        super().__init__(
            f"{len(self.refused)} row(s) of the file were refused; nothing was written"
        )


@dataclass
class ImportReport:
    """What an import wrote, and what it found already in the register (a resumed or
    repeated import writes only what is missing)."""

    written: dict[str, int]
    already_present: dict[str, int]
    position: int | None = None


ImportProgress = Callable[[str, int, int], None]
"""Told (phase, done, total) as an import goes: ``judging`` the awards, then
``writing`` them (the providers and credentials are written at once before)."""
