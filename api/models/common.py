"""Building blocks shared by the request and response models of every audience.

Every request model forbids unknown fields and bounds every string and list, so that a
malformed request is refused by its shape (a 422 naming the field) before the ledger
is asked anything.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ledger.domain import esco, limits
from ledger.domain.moments import MAX_POSITION, utc_moment
from ledger.domain.text import check_line
from ledger.domain.values import (
    Assessment,
    AssessmentSetting,
    CredentialSpecification,
    ParticipationForm,
    RevocationReason,
    StackingRule,
    Supervision,
)
from ledger.errors import InvalidMoment

MAX_BATCH = limits.BATCH_MAX

Code = Annotated[str, StringConstraints(min_length=1, max_length=limits.CODE_MAX)]
Name = Annotated[str, StringConstraints(max_length=limits.NAME_MAX)]
Reference = Annotated[str, StringConstraints(max_length=limits.REFERENCE_MAX)]
Reason = Annotated[str, StringConstraints(max_length=limits.REASON_MAX)]
Text = Annotated[str, StringConstraints(max_length=limits.TEXT_MAX)]
LearnerId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=limits.LEARNER_ID_MAX),
    Field(description="The learner's pseudonymous id; never a name or a national id."),
]
Level = Annotated[int, Field(ge=1, le=10)]
EscoSkillUri = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=esco.SKILL_URI_MAX),
    Field(
        description="An ESCO skill or competence: its URI, "
        "`http://data.europa.eu/esco/skill/` and a UUID in lower case (`https` too),"
        " as ESCO publishes it. Another form is refused (`invalid-skill-uri`).",
        examples=["http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"],
        json_schema_extra={"pattern": esco.SKILL_URI_PATTERN},
    ),
]
EscoSkills = Annotated[
    list[Annotated[list[EscoSkillUri], Field(max_length=esco.MAX_SKILLS_PER_OUTCOME)]],
    Field(
        max_length=50,
        description="The ESCO skills and competences each learning outcome develops: the"
        " i-th list tags the i-th outcome (fewer lists than outcomes leave the last ones"
        f" untagged), at most {esco.MAX_SKILLS_PER_OUTCOME} URIs each, none twice. Stored"
        " as given; not material to the accreditation, so an accredited credential is"
        " amended to tag its outcomes.",
        examples=[
            [
                ["http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"],
                [],
            ]
        ],
    ),
]


def _comparable(moment: datetime) -> datetime:
    try:
        return utc_moment(moment)
    except InvalidMoment as error:  # pydantic turns a ValueError into a 422 field error
        raise ValueError(str(error)) from None


Moment = Annotated[AwareDatetime, AfterValidator(_comparable)]
"""A date-time with a time zone whose UTC instant the ledger can compare."""
Position = Annotated[int, Field(ge=0, le=MAX_POSITION)]
"""A log position (a cursor); 64 bits in every store."""
Version = Annotated[int, Field(ge=1, le=MAX_POSITION)]
Ects = Annotated[
    Decimal,
    Field(ge=0, le=1000, max_digits=7, decimal_places=2, examples=[10]),
    PlainSerializer(float, return_type=float, when_used="json"),
]


def one_line(name: str) -> AfterValidator:
    """For a path or query parameter that is one line of text (a provider code): a
    control character is refused as the domain refuses it in a body (the
    ``control-character`` problem naming ``name``)."""

    def check(value: str | None) -> str | None:
        check_line(value, name)
        return value

    return AfterValidator(check)


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Written(ResponseModel):
    """What every write answers besides its own fields: the ledger position its events
    reached (``null`` when nothing new was written, e.g. a repeated issuance)."""

    position: int | None = Field(
        description="Log position of the last event written; also in the `Ledger-Position` header.",
        examples=[1042],
    )


class SpecificationIn(RequestModel):
    """The EU standard elements of a micro-credential (Council Recommendation of
    16 June 2022, Annex I) that belong to its definition."""

    title: Name = Field(examples=["Data Analytics Fundamentals"])
    learning_outcomes: list[Text] = Field(
        max_length=50, examples=[["Clean a data set", "Explain a linear regression"]]
    )
    workload_ects: Ects
    assessment_type: Name = Field(examples=["practical project"])
    participation_form: ParticipationForm
    quality_assurance: Name = Field(examples=["QQI validated programme"])
    field_of_study: Name = Field(examples=["0688 ICT"])
    nqf_level: Level | None = Field(None, examples=[6])
    eqf_level: Level | None = Field(None, examples=[5])
    prerequisites: Text | None = None
    supervision: Supervision | None = None
    assessment_setting: AssessmentSetting | None = None
    stackability: Text | None = None
    further_information: Text | None = None
    language: Annotated[str, StringConstraints(max_length=35)] | None = Field(None, examples=["en"])
    esco_skills: EscoSkills = Field(default_factory=list)

    def to_domain(self) -> CredentialSpecification:
        values = self.model_dump()
        values["learning_outcomes"] = tuple(self.learning_outcomes)
        values["esco_skills"] = esco.skill_tags(self.esco_skills)
        return CredentialSpecification(**values)


MANDATORY_ELEMENTS = frozenset(
    {
        "title",
        "learning_outcomes",
        "workload_ects",
        "participation_form",
        "quality_assurance",
        "field_of_study",
    }
)


class SpecificationChanges(RequestModel):
    """Elements to change; the ones left out stay as they are. The assessment method is
    changed through its own operation, because that triggers revalidation."""

    title: Name | None = None
    learning_outcomes: list[Text] | None = Field(None, max_length=50)
    workload_ects: Ects | None = None
    participation_form: ParticipationForm | None = None
    quality_assurance: Name | None = None
    field_of_study: Name | None = None
    nqf_level: Level | None = None
    eqf_level: Level | None = None
    prerequisites: Text | None = None
    supervision: Supervision | None = None
    assessment_setting: AssessmentSetting | None = None
    stackability: Text | None = None
    further_information: Text | None = None
    language: Annotated[str, StringConstraints(max_length=35)] | None = None
    esco_skills: EscoSkills | None = Field(
        None, description="The outcomes' ESCO skills, all of them (replacing the ones recorded)."
    )

    @model_validator(mode="after")
    def _mandatory_elements_are_not_removed(self) -> SpecificationChanges:
        # Omitting an element keeps it; null removes it, which only optional elements allow.
        removed = sorted(
            name
            for name in self.model_fields_set & MANDATORY_ELEMENTS
            if getattr(self, name) is None
        )
        if removed:
            msg = f"mandatory standard elements cannot be removed: {', '.join(removed)}"
            raise ValueError(msg)
        return self

    def to_domain(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        if "learning_outcomes" in changes and changes["learning_outcomes"] is not None:
            changes["learning_outcomes"] = tuple(changes["learning_outcomes"])
        if "esco_skills" in changes:
            changes["esco_skills"] = esco.skill_tags(changes["esco_skills"] or [])
        return changes


class StackingRuleIn(RequestModel):
    required_components: list[UUID] = Field(
        default_factory=list, max_length=50, description="Micro-credential ids required."
    )
    min_total_ects: Ects = Decimal(0)

    def to_domain(self) -> StackingRule:
        return StackingRule(tuple(self.required_components), self.min_total_ects)


class AssessmentIn(RequestModel):
    """How this learner was assessed (rule 1: every award records its assessment)."""

    method: Name = Field(examples=["practical project"])
    assessed_on: date
    result: Name = Field(examples=["pass"])
    grade: Annotated[str, StringConstraints(max_length=50)] | None = Field(None, examples=["B+"])
    supervision: Supervision | None = None
    identity_verified: bool = False
    accommodation: Reason | None = Field(
        None, description="An individual accommodation for a learner with additional needs."
    )

    def to_domain(self) -> Assessment:
        return Assessment(**self.model_dump())


class RevocationIn(RequestModel):
    """Rule 5: why an award is revoked. The category is public (the status API and the
    verification page show it); the note is not: only the issuing provider and the
    authority read it. Like every event it is kept forever: a case or decision
    reference, what was found, never the learner's personal data (name, birth date,
    national id, e-mail)."""

    category: RevocationReason = Field(
        description="Why, from a fixed list; shown to anyone checking the award.",
        examples=["academic_misconduct"],
    )
    note: Reason | None = Field(
        None,
        description="What the provider or the authority records about why (a case number,"
        " a decision): never shown publicly. Required with category `other`. Kept in the"
        " log forever: no learner personal data.",
        examples=["exam board case EB-2026-113"],
        validate_default=True,
    )

    @field_validator("note")
    @classmethod
    def _note_for_other(cls, note: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("category") is RevocationReason.OTHER and not (note or "").strip():
            msg = "a revocation for another reason (category other) needs a note saying why"
            raise ValueError(msg)
        return note
