"""What an employer or any relying party sees: status and what a credential certifies.

Deliberately no learner data at all, not even the pseudonymous learner id: the award id
the learner shared is enough to check it, and nobody learns who else holds what.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from uuid import UUID

from pydantic import Field

from api.models.common import MAX_BATCH, Ects, RequestModel, ResponseModel
from api.models.log import InclusionProofView
from ledger.domain.values import RevocationReason


class PublicStatus(str, Enum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_ISSUED = "not_yet_issued"
    ISSUER_WITHDRAWN = "issuer_withdrawn"
    COMPONENT_REVOKED = "component_revoked"


class IssuerView(ResponseModel):
    provider_id: UUID
    code: str | None = Field(examples=["SETU"])
    name: str | None = Field(examples=["South East Technological University"])
    country: str | None = Field(
        description="Country of the awarding body (ISO 3166 alpha-2).", examples=["IE"]
    )
    accreditation_state: str | None = Field(
        description="The provider's accreditation now (or on the day of `as_of`, from the"
        " decisions in force that day): registered, accredited, suspended, withdrawn, or"
        " not_registered (not in the register yet).",
        examples=["accredited"],
    )


class CertifiedView(ResponseModel):
    """What the award certifies, as it stood when it was issued."""

    micro_credential_id: UUID
    title: str = Field(examples=["Data Analytics Fundamentals"])
    workload_ects: Ects
    nqf_level: int | None = Field(None, examples=[6])
    eqf_level: int | None = Field(None, examples=[5])
    learning_outcomes: list[str] = Field(examples=[["Clean a data set"]])
    esco_skills: list[list[str]] = Field(
        default_factory=list,
        description="ESCO skill URIs of the learning outcomes: the i-th list tags the i-th"
        " outcome (outcomes past the last list have none).",
        examples=[[["http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"]]],
    )


class CredentialStatus(ResponseModel):
    award_id: UUID
    log_inclusion: InclusionProofView | None = Field(
        None,
        description="With `?log_proof=true`: the award's issuance event in the"
        " tamper-evident log, with its inclusion proof (null until a signed checkpoint"
        " covers it). Absent otherwise.",
    )
    status: PublicStatus
    as_of: datetime | None = Field(
        None,
        description="The moment a point-in-time answer (`?at=`) describes; null for the"
        " current status.",
    )
    credential: CertifiedView
    issuer: IssuerView
    issued_on: date = Field(
        description="The day the award was issued (its legal date). A provider may enter"
        " it in the register later; point-in-time answers (`?at=`) judge by this day and"
        " by the days the authority's decisions took effect, as the register knows them"
        " now, while a revocation counts from the moment it was entered."
    )
    recorded_at: datetime | None = Field(
        None, description="When the award was entered in the register."
    )
    expires_on: date | None = None
    revoked_at: datetime | None = None
    revocation_category: RevocationReason | None = Field(
        None,
        description="Why it was revoked, from a fixed list. What the provider or the"
        " authority wrote about it (its note) is not public.",
    )
    revocation_label: str | None = Field(
        None, description="The category in words.", examples=["Academic misconduct"]
    )
    route: str = Field(
        description="How it was gained: course, prior_learning or stacked", examples=["course"]
    )
    revoked_component: UUID | None = Field(
        None,
        description="For a stacked award with status `component_revoked`: the component"
        " award that was revoked.",
    )


class StatusBatchRequest(RequestModel):
    award_ids: list[UUID] = Field(min_length=1, max_length=MAX_BATCH)


class StatusBatchItem(ResponseModel):
    award_id: UUID
    found: bool
    credential_status: CredentialStatus | None = None


class StatusBatchAnswer(ResponseModel):
    results: list[StatusBatchItem] = Field(description="One per id asked, in the same order.")
