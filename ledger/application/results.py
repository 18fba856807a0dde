"""What the `Ledger`'s commands and queries take and answer: plain values, and the
error a refused batch raises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger import errors
from ledger.domain.accreditation import ProviderStanding
from ledger.domain.learner_record import Award
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.domain.status import AwardStatus
from ledger.domain.values import Assessment


@dataclass(frozen=True)
class Receipt:
    """What a command wrote: the aggregate it concerned and the log position of its
    last event (``None`` when nothing new was written), which readers can wait for."""

    aggregate_id: UUID
    position: int | None


@dataclass(frozen=True)
class IssueRequest:
    learner_id: str
    micro_credential_id: UUID
    provider_reference: str
    assessment: Assessment
    issued_on: date | None = None


@dataclass(frozen=True)
class IssuedAward:
    award_id: UUID
    learner_id: str
    provider_reference: str
    created: bool
    """False when the same award had already been issued (an idempotent retry)."""


@dataclass(frozen=True)
class BatchReceipt:
    awards: list[IssuedAward]
    position: int | None


@dataclass(frozen=True)
class ItemFailure:
    index: int
    error: errors.LedgerError


class BatchRejected(errors.InvalidRequest):
    """At least one item of a batch was refused; nothing of the batch was written."""

    def __init__(self, failures: Sequence[ItemFailure]) -> None:
        self.failures = list(failures)
        super().__init__(
            f"{len(self.failures)} item(s) of the batch were refused; nothing was written"
        )


@dataclass(frozen=True)
class AwardStatusReport:
    """An award's status at a moment, and what it certifies."""

    award: Award
    status: AwardStatus
    at: datetime
    provider: Provider
    credential: MicroCredential
    standing: ProviderStanding
    """The awarding body's standing on the day of ``at``."""
    revoked_components: tuple[UUID, ...] = ()
    """For a stacked award, its components revoked by ``at``."""
