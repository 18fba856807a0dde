"""Requests providers send from their own student systems, and the answers they get."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from api.models.common import (
    MAX_BATCH,
    AssessmentIn,
    Code,
    LearnerId,
    Name,
    Reason,
    Reference,
    RequestModel,
    ResponseModel,
    RevocationIn,
    SpecificationChanges,
    SpecificationIn,
    StackingRuleIn,
    Written,
)
from ledger.application import AwardStatusReport, IssueRequest
from ledger.domain.values import RevocationReason


class DefineMicroCredential(RequestModel):
    code: Code = Field(description="The provider's own code for it.", examples=["DA-101"])
    specification: SpecificationIn
    stacking_rule: StackingRuleIn | None = Field(
        None, description="Only for a larger credential built from micro-credentials."
    )


class AmendMicroCredential(RequestModel):
    changes: SpecificationChanges
    reason: Reason = Field(examples=["clarified the prerequisites"])


class ChangeAssessmentMethod(RequestModel):
    assessment_type: Name = Field(examples=["written examination"])
    reason: Reason = Field(examples=["moved from project work to an invigilated exam"])


class MicroCredentialWritten(Written):
    micro_credential_id: UUID


class IssueAward(RequestModel):
    learner_id: LearnerId
    micro_credential_id: UUID
    provider_reference: Reference = Field(
        description="The provider's own id of this award; re-sending it never issues twice.",
        examples=["2026-DA101-000042"],
    )
    assessment: AssessmentIn
    issued_on: date | None = Field(None, description="Defaults to today.")

    def to_domain(self) -> IssueRequest:
        return IssueRequest(
            learner_id=self.learner_id,
            micro_credential_id=self.micro_credential_id,
            provider_reference=self.provider_reference,
            assessment=self.assessment.to_domain(),
            issued_on=self.issued_on,
        )


class IssueAwardBatch(RequestModel):
    awards: list[IssueAward] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Validated whole: if any item is refused, nothing is issued and the"
        " answer lists every refused item.",
    )


class RecognisePriorLearning(IssueAward):
    evidence: Reason = Field(
        description="The non-formal or informal learning validated, and how.",
        examples=["portfolio of five years' work as a data analyst, reviewed by a panel"],
    )


class StackAwards(RequestModel):
    learner_id: LearnerId
    target_micro_credential_id: UUID
    component_award_ids: list[UUID] = Field(min_length=1, max_length=50)
    provider_reference: Reference


class IssuedAwardView(ResponseModel):
    award_id: UUID
    learner_id: str
    provider_reference: str
    created: bool = Field(description="False when the award had already been issued.")


class AwardsWritten(Written):
    awards: list[IssuedAwardView]


class RevokeAward(RevocationIn):
    pass


class AwardWritten(Written):
    award_id: UUID


class ProviderAwardView(ResponseModel):
    """An award as the provider that issued it sees it: with what it recorded about a
    revocation (the note, which the public never sees)."""

    award_id: UUID
    micro_credential_id: UUID
    provider_reference: str
    status: str = Field(examples=["revoked"])
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revocation_category: RevocationReason | None
    revocation_note: str | None
    revoked_by: str | None = Field(examples=["provider:SETU:3f9a0c1b2d4e"])

    @classmethod
    def of(cls, report: AwardStatusReport) -> ProviderAwardView:
        award = report.award
        return cls(
            award_id=award.award_id,
            micro_credential_id=award.terms.micro_credential_id,
            provider_reference=award.provider_reference,
            status=report.status.value,
            issued_on=award.issued_on,
            expires_on=award.expires_on,
            revoked_at=award.revoked_at,
            revocation_category=award.revocation_category,
            revocation_note=award.revocation_note,
            revoked_by=award.revoked_by,
        )


Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


class PersonalDataIn(RequestModel):
    """Stored encrypted with a key of the learner's own, never in an event in clear."""

    name: Name | None = None
    date_of_birth: date | None = None
    national_id: Reference | None = None
    email: Email | None = None


class RecordPersonalData(RequestModel):
    learner_id: LearnerId
    personal_data: PersonalDataIn

    def fields(self) -> dict[str, str]:
        values = self.personal_data.model_dump(exclude_none=True, mode="json")
        return {name: str(value) for name, value in values.items()}


class LearnerWritten(Written):
    learner_record_id: UUID
