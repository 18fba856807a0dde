"""What the read model answers: the typed results of its lookups (no learner data in
the public ones; see :mod:`projections.read`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from ledger.domain.text import check_line

Status = Literal[
    "valid", "revoked", "expired", "issuer_withdrawn", "not_yet_issued", "component_revoked"
]


# --- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CredentialStatus:
    """What an employer sees: whether the award is valid and what it certifies.
    No learner data."""

    award_id: UUID
    status: Status
    """valid, revoked, expired, issuer_withdrawn (when the national policy flags awards
    of a withdrawn provider), or not_yet_issued (point-in-time answers only)."""
    title: str
    micro_credential_id: UUID
    provider_id: UUID
    provider_code: str | None
    provider_name: str | None
    provider_country: str | None
    """The awarding body's country (an EU mandatory element), ISO 3166 alpha-2."""
    provider_state: str | None
    """The provider's accreditation state now (or on the day asked): registered,
    accredited, suspended, withdrawn, or not_registered (not yet in the register)."""
    nqf_level: int | None
    eqf_level: int | None
    workload_ects: Decimal
    learning_outcomes: tuple[str, ...]
    route: Literal["course", "prior_learning", "stacked"]
    components: tuple[UUID, ...]
    """The awards a stacked award was built from (empty otherwise)."""
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revocation_category: str | None
    """Why it was revoked, one of ``ledger.domain.values.RevocationReason``. The
    revocation's note is private and not part of this public answer."""
    revoked_by: str | None
    as_of: datetime
    """The moment the status was computed for (now, or the point in time asked)."""
    esco_skills: tuple[tuple[str, ...], ...] = ()
    """The ESCO skills of the learning outcomes, lined up with them."""
    recorded_at: datetime | None = None
    """When the award was entered in the register (``issued_on`` is its legal date, which
    may be earlier)."""
    revoked_component: UUID | None = None
    """For a stacked award reading ``component_revoked``: the revoked component."""


@dataclass(frozen=True)
class ProviderEntry:
    provider_id: UUID
    code: str
    name: str
    country: str
    kind: str
    state: str
    """registered, accredited, suspended or withdrawn."""
    accredited_now: bool
    """Accredited and within the validity period today."""
    scope_levels: tuple[int, ...]
    scope_fields: tuple[str, ...]
    valid_until: date | None
    decision_reference: str | None
    status_reason: str | None
    registered_at: datetime
    updated_at: datetime
    website: str | None = None


@dataclass(frozen=True)
class StackingRuleEntry:
    required_components: tuple[UUID, ...]
    min_total_ects: Decimal


@dataclass(frozen=True)
class CatalogueEntry:
    """A micro-credential with its EU standard elements and its state."""

    credential_id: UUID
    provider_id: UUID
    code: str
    title: str
    learning_outcomes: tuple[str, ...]
    workload_ects: Decimal
    assessment_type: str
    participation_form: str
    quality_assurance: str
    field_of_study: str
    nqf_level: int | None
    eqf_level: int | None
    prerequisites: str | None
    supervision: str | None
    assessment_setting: str | None
    stackability: str | None
    further_information: str | None
    language: str | None
    stacking_rule: StackingRuleEntry | None
    state: str
    """defined, accredited, revalidation_required or withdrawn."""
    review_flagged: bool
    """Flexible policy: the assessment method changed and awaits the authority's review."""
    decision_reference: str | None
    defined_at: datetime
    updated_at: datetime
    esco_skills: tuple[tuple[str, ...], ...] = ()
    """ESCO skill URIs, the i-th tuple tagging the i-th learning outcome (as given)."""


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    offset: int
    limit: int
    total: int
    next_offset: int | None
    """Offset of the next page, or ``None`` on the last page."""


@dataclass(frozen=True)
class TranscriptAward:
    award_id: UUID
    micro_credential_id: UUID
    provider_id: UUID
    title: str
    status: Status
    route: Literal["course", "prior_learning", "stacked"]
    workload_ects: Decimal
    nqf_level: int | None
    eqf_level: int | None
    provider_reference: str
    components: tuple[UUID, ...]
    evidence: str | None
    """For recognition of prior learning: the evidence validated."""
    assessment: dict[str, Any] | None
    """method, assessed_on, result, grade, supervision, identity_verified, accommodation."""
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revocation_category: str | None
    revocation_note: str | None
    """Private (the transcript is the authority's read): what was written about why."""


@dataclass(frozen=True)
class Transcript:
    learner_id: str
    """The pseudonymous learner id."""
    opened_at: datetime
    personal_data_recorded: bool
    personal_data_erased: bool
    awards: list[TranscriptAward]
    """Every award, in issuing order (course, prior learning and stacked)."""

    @property
    def stacked(self) -> list[TranscriptAward]:
        return [a for a in self.awards if a.route == "stacked"]

    @property
    def prior_learning(self) -> list[TranscriptAward]:
        return [a for a in self.awards if a.route == "prior_learning"]


@dataclass(frozen=True)
class AuditFilter:
    """All given criteria must hold. Times are inclusive ``since`` and exclusive ``until``."""

    aggregate_id: UUID | None = None
    award_id: UUID | None = None
    provider_id: UUID | None = None
    actor: str | None = None
    event_type: str | None = None
    """As in the entries, e.g. ``LearnerRecord.AwardRevoked`` or ``Provider.Suspended``;
    a name without a dot (``AwardRevoked``) matches any aggregate type."""
    aggregate_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Refused when the filter is made, not when an export streaming it has begun.
        for name in ("actor", "event_type", "aggregate_type"):
            check_line(getattr(self, name), name)


@dataclass(frozen=True)
class AuditEntry:
    position: int
    """The event's global position in the log (its notification id)."""
    timestamp: datetime
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    event_type: str
    actor: str | None
    reason: str | None
    decision_reference: str | None
    provider_id: UUID | None
    award_id: UUID | None
    data: dict[str, Any]
    """The event's data as plain JSON values (UUIDs, dates and decimals as strings,
    bytes such as personal-data ciphertext as base64)."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO 8601 timestamp, ids as strings)."""
        return {
            "position": self.position,
            "timestamp": self.timestamp.isoformat(),
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id),
            "aggregate_version": self.aggregate_version,
            "event_type": self.event_type,
            "actor": self.actor,
            "reason": self.reason,
            "decision_reference": self.decision_reference,
            "provider_id": None if self.provider_id is None else str(self.provider_id),
            "award_id": None if self.award_id is None else str(self.award_id),
            "data": self.data,
        }


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_after: int | None
    """Pass as ``after`` for the next page; ``None`` when this page is the last."""


@dataclass(frozen=True)
class ViewLag:
    view: str
    position: int
    """The last log position applied to the view."""
    log_position: int
    """The last position in the log."""
    lag: int
    """How many positions the view is behind the log."""


AUDIT_CSV_COLUMNS = (
    "position",
    "timestamp",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "event_type",
    "actor",
    "reason",
    "decision_reference",
    "provider_id",
    "award_id",
    "data",
)
