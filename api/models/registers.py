"""The public registers: accredited providers and the micro-credential catalogue."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from api.models.common import Ects, ResponseModel


class RegisterModel(ResponseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class ProviderEntryView(RegisterModel):
    provider_id: UUID
    code: str = Field(examples=["SETU"])
    name: str
    country: str = Field(examples=["IE"])
    kind: str = Field(examples=["university"])
    state: str = Field(description="registered, accredited, suspended or withdrawn")
    accredited_now: bool = Field(description="Accredited and within its validity today.")
    scope_levels: list[int]
    scope_fields: list[str]
    valid_until: date | None
    decision_reference: str | None
    status_reason: str | None
    registered_at: datetime
    updated_at: datetime


class StackingRuleView(RegisterModel):
    required_components: list[UUID]
    min_total_ects: Ects


class CatalogueEntryView(RegisterModel):
    credential_id: UUID
    provider_id: UUID
    code: str
    title: str
    learning_outcomes: list[str]
    esco_skills: list[list[str]] = Field(
        description="ESCO skill URIs of the learning outcomes: the i-th list tags the i-th"
        " outcome (outcomes past the last list have none).",
        examples=[[["http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"]]],
    )
    workload_ects: Ects
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
    stacking_rule: StackingRuleView | None
    state: str = Field(description="defined, accredited, revalidation_required or withdrawn")
    review_flagged: bool
    decision_reference: str | None
    defined_at: datetime
    updated_at: datetime


class PageInfo(ResponseModel):
    offset: int
    limit: int
    total: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


class ProviderPage(PageInfo):
    items: list[ProviderEntryView]


class CataloguePage(PageInfo):
    items: list[CatalogueEntryView]
