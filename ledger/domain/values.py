"""Value objects of the ledger: the EU standard elements, accreditation scope,
assessments. Immutable, compared by value, and stored inside events as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID


class ProviderKind(str, Enum):
    VET_SCHOOL = "vet_school"
    UNIVERSITY = "university"
    TRAINING_COMPANY = "training_company"
    PROFESSIONAL_BODY = "professional_body"
    OTHER = "other"


class ParticipationForm(str, Enum):
    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"


class Supervision(str, Enum):
    """Supervision and identity verification during assessment (EU optional element)."""

    UNSUPERVISED = "unsupervised"
    SUPERVISED_WITHOUT_ID_CHECK = "supervised_without_id_check"
    SUPERVISED_WITH_ID_CHECK = "supervised_with_id_check"


class AssessmentSetting(str, Enum):
    ONLINE = "online"
    ONSITE = "onsite"


class AwardRoute(str, Enum):
    """How the learner came to hold the award."""

    COURSE = "course"
    PRIOR_LEARNING = "prior_learning"
    STACKED = "stacked"


class RevocationReason(str, Enum):
    """Why an award was revoked, from a fixed list: this is what the public sees. What
    people write about a revocation (a case number, what was found) goes in the
    revocation's note, which only the issuing provider and the authority see."""

    ISSUED_IN_ERROR = "issued_in_error"
    ACADEMIC_MISCONDUCT = "academic_misconduct"
    ADMINISTRATIVE = "administrative"
    LEARNER_REQUEST = "learner_request"
    """Withdrawn at the learner's request."""
    COMPONENT_REVOKED = "component_revoked"
    """A stacked award whose component was revoked (by its provider, or with the
    component where the national policy says so)."""
    OTHER = "other"
    """Needs a note: "other" alone says nothing about why."""

    @property
    def label(self) -> str:
        """The category in words, as the verification page and the status API show it."""
        return REVOCATION_LABELS[self]


REVOCATION_LABELS = {
    RevocationReason.ISSUED_IN_ERROR: "Issued in error",
    RevocationReason.ACADEMIC_MISCONDUCT: "Academic misconduct",
    RevocationReason.ADMINISTRATIVE: "Administrative",
    RevocationReason.LEARNER_REQUEST: "Withdrawn at the learner's request",
    RevocationReason.COMPONENT_REVOKED: "A component award was revoked",
    RevocationReason.OTHER: "Other",
}


@dataclass(frozen=True)
class AccreditationScope:
    """What an accredited provider may award: NQF levels and fields of education."""

    levels: tuple[int, ...]
    fields: tuple[str, ...]

    def covers(self, level: int | None, field_of_study: str) -> bool:
        level_ok = level is None or level in self.levels
        return level_ok and field_of_study in self.fields


@dataclass(frozen=True)
class CredentialSpecification:
    """The EU standard elements of a micro-credential (Council Recommendation of
    16 June 2022, Annex I) that belong to the definition rather than to one award.

    The learner, the date of issuing and the grade belong to the award; the awarding
    body and its country come from the provider.
    """

    title: str
    learning_outcomes: tuple[str, ...]
    workload_ects: Decimal
    assessment_type: str
    participation_form: ParticipationForm
    quality_assurance: str
    field_of_study: str
    nqf_level: int | None = None
    eqf_level: int | None = None
    prerequisites: str | None = None
    supervision: Supervision | None = None
    assessment_setting: AssessmentSetting | None = None
    stackability: str | None = None
    further_information: str | None = None
    language: str | None = None
    esco_skills: tuple[tuple[str, ...], ...] = ()
    """ESCO skill or competence URIs: the i-th tuple tags the i-th learning outcome (an
    outcome past the last tuple has none). Last and with a default, so that the
    specifications of events stored before it read back with no tags."""


# Elements an authority accredited; changing them needs a new definition, except for
# the assessment method, which has its own command because it triggers revalidation.
# ESCO skill tags are not among them: naming the skills an outcome develops describes
# what was accredited without changing it.
MATERIAL_ELEMENTS = frozenset(
    {"learning_outcomes", "workload_ects", "nqf_level", "eqf_level", "field_of_study"}
)


@dataclass(frozen=True)
class StackingRule:
    """What a larger credential built from micro-credentials requires."""

    required_components: tuple[UUID, ...] = ()
    min_total_ects: Decimal = Decimal(0)


@dataclass(frozen=True)
class Assessment:
    """How one learner was assessed (rule 1), recorded on the award."""

    method: str
    assessed_on: date
    result: str
    grade: str | None = None
    supervision: Supervision | None = None
    identity_verified: bool = False
    accommodation: str | None = field(default=None)
