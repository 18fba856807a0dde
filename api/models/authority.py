"""Requests the national authority sends, and the answers it gets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field

from api.models.common import (
    Code,
    Ects,
    LearnerId,
    Level,
    Name,
    Reason,
    Reference,
    RequestModel,
    ResponseModel,
    RevocationIn,
    Written,
)
from ledger.domain.principal import Role
from ledger.domain.values import AccreditationScope, ProviderKind
from ledger.infrastructure.keys import ApiKey, IssuedKey


class RegisterProvider(RequestModel):
    code: Code = Field(examples=["SETU"])
    name: Name = Field(examples=["South East Technological University"])
    country: str = Field(max_length=2, examples=["IE"], description="ISO 3166 alpha-2")
    kind: ProviderKind


class ProviderWritten(Written):
    provider_id: UUID
    code: str


class ScopeIn(RequestModel):
    levels: list[Level] = Field(max_length=10, examples=[[5, 6, 7]])
    fields: list[Name] = Field(max_length=100, examples=[["0688 ICT"]])

    def to_domain(self) -> AccreditationScope:
        return AccreditationScope(tuple(self.levels), tuple(self.fields))


EffectiveOn = Annotated[
    date | None,
    Field(
        description="The day the decision takes effect, if before today (a decision taken"
        " before the register recorded it); today if omitted. Never in the future, never"
        " before the provider's last decision.",
        examples=["2019-09-01"],
    ),
]


class AccreditProvider(RequestModel):
    scope: ScopeIn
    valid_until: date
    decision_reference: Reference = Field(examples=["QQI/ACC/2026/017"])
    effective_on: EffectiveOn = None


class RenewProvider(RequestModel):
    valid_until: date
    decision_reference: Reference
    scope: ScopeIn | None = Field(None, description="A new scope; the current one if omitted.")
    effective_on: EffectiveOn = None


class Decision(RequestModel):
    """A decision of the authority: why, and under which reference."""

    reason: Reason = Field(examples=["quality review found the assessment unreliable"])
    decision_reference: Reference = Field(examples=["QQI/DEC/2026/104"])


class ProviderDecision(Decision):
    """A decision about a provider: why, under which reference, from which day."""

    effective_on: EffectiveOn = None


class DecisionReference(RequestModel):
    decision_reference: Reference = Field(examples=["QQI/VAL/2026/231"])


class AccreditMicroCredential(DecisionReference):
    effective_on: EffectiveOn = None


class MicroCredentialDecided(Written):
    micro_credential_id: UUID


class RevokeAnyAward(RevocationIn):
    pass


class EraseLearner(RequestModel):
    learner_id: LearnerId
    reason: Reason = Field(examples=["erasure request GDPR-2026-0193"])


class NewKey(RequestModel):
    name: Name = Field(min_length=1, examples=["student-records-system"])


class KeyView(ResponseModel):
    key_id: str
    role: Role
    name: str
    provider_code: str | None
    actor: str = Field(description="How events written with this key name their actor.")
    created_at: datetime
    created_by: str | None = Field(examples=["authority:chief-registrar"])
    revoked_at: datetime | None
    revoked_by: str | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyView:
        return cls(
            key_id=key.key_id,
            role=key.role,
            name=key.name,
            provider_code=key.provider_code,
            actor=key.actor,
            created_at=key.created_at,
            created_by=key.created_by,
            revoked_at=key.revoked_at,
            revoked_by=key.revoked_by,
        )


class KeyIssued(KeyView):
    secret: str = Field(
        description="The key itself. Shown once, now: the ledger keeps only its hash."
    )

    @classmethod
    def of_issued(cls, issued: IssuedKey) -> KeyIssued:
        return cls(**KeyView.of(issued.key).model_dump(), secret=issued.secret)


class KeyList(ResponseModel):
    keys: list[KeyView]


class RecordedEvent(ResponseModel):
    """One event of an aggregate, as stored (personal data shows only as ciphertext size)."""

    version: int
    type: str = Field(examples=["LearnerRecord.AwardRevoked"])
    timestamp: datetime
    data: dict[str, Any]


class AggregateHistory(ResponseModel):
    aggregate_id: UUID
    events: list[RecordedEvent]


class AggregateState(ResponseModel):
    aggregate_id: UUID
    type: str = Field(examples=["Provider"])
    version: int
    modified_at: datetime
    state: dict[str, Any]


class LearnerErased(Written):
    learner_record_id: UUID


class AuditEntryView(ResponseModel):
    position: int = Field(description="The event's global position in the log.")
    timestamp: datetime
    aggregate_type: str = Field(examples=["LearnerRecord"])
    aggregate_id: UUID
    aggregate_version: int
    event_type: str = Field(examples=["LearnerRecord.AwardRevoked"])
    actor: str | None = Field(examples=["provider:SETU:3f9a0c1b2d4e"])
    reason: str | None
    decision_reference: str | None
    provider_id: UUID | None
    award_id: UUID | None
    data: dict[str, Any]


class AuditPageView(ResponseModel):
    entries: list[AuditEntryView]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


class TranscriptAwardView(ResponseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    award_id: UUID
    micro_credential_id: UUID
    provider_id: UUID
    title: str
    status: str
    route: str
    workload_ects: Ects
    nqf_level: int | None
    eqf_level: int | None
    provider_reference: str
    components: list[UUID]
    evidence: str | None
    assessment: dict[str, Any] | None
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revocation_category: str | None
    revocation_note: str | None = Field(
        description="Private to the authority and the issuing provider."
    )


class TranscriptView(ResponseModel):
    """A learner's record by pseudonymous id; personal data is never in it."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    learner_id: str
    opened_at: datetime
    personal_data_recorded: bool
    personal_data_erased: bool
    awards: list[TranscriptAwardView]
