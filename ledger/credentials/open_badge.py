"""An award as an Open Badges 3.0 ``OpenBadgeCredential`` (W3C VC Data Model 2.0).

`open_badge_credential` writes the unsigned document from `AwardFacts`, plain values the
application gathers from the ledger; signing it is `data_integrity.create_proof`'s job.
Every EU standard element of a micro-credential (Council Recommendation of 16 June 2022,
Annex I) is in it: where Open Badges has a term, that term (title: ``achievement.name``;
awarding body and its country: ``issuer`` with ``address.addressCountryCode``; date of
issuing: ``validFrom`` and ``awardedDate``; field, language, ESCO skills as
``alignment``); the rest through the ledger's own context (`EU_ELEMENTS_V1`, bundled,
``@protected``, never changed once published: a new element means a ``v2``).

The subject is the learner's pseudonymous record id (``urn:uuid:``), never personal data;
the accommodation an assessment recorded for one learner is not in it either (it says
something about the learner's needs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.credentials.documents import EU_ELEMENTS_V1, OB_V3P0_3_0_3, VC_V2

CREDENTIAL_CONTEXT: tuple[str, ...] = (VC_V2, OB_V3P0_3_0_3, EU_ELEMENTS_V1)
"""The order the Open Badges specification requires: VC 2.0 first, then Open Badges."""


@dataclass(frozen=True)
class IssuerFacts:
    """The awarding body, as its controller document names it."""

    did: str
    name: str
    country_code: str
    """ISO 3166-1 alpha-2."""
    website: str | None = None


@dataclass(frozen=True)
class AssessmentFacts:
    """How this learner was assessed (rule 1), without the accommodation, if any."""

    method: str
    assessed_on: date
    result: str
    grade: str | None = None
    supervision: str | None = None
    identity_verified: bool = False


@dataclass(frozen=True)
class AwardFacts:
    """What one award certifies, as plain values: the input of `open_badge_credential`."""

    award_id: UUID
    learner_record_id: UUID
    micro_credential_id: UUID
    issuer: IssuerFacts
    title: str
    learning_outcomes: tuple[str, ...]
    esco_skills: tuple[tuple[str, ...], ...]
    """The i-th tuple tags the i-th outcome (an outcome past the last tuple has none)."""
    workload_ects: Decimal
    assessment_type: str
    participation_form: str
    quality_assurance: str
    field_of_study: str
    issued_on: date
    route: str
    nqf_level: int | None = None
    eqf_level: int | None = None
    prerequisites: str | None = None
    supervision: str | None = None
    assessment_setting: str | None = None
    stackability: str | None = None
    further_information: str | None = None
    language: str | None = None
    expires_on: date | None = None
    assessment: AssessmentFacts | None = None
    components: tuple[UUID, ...] = ()
    imported_from: str | None = None
    verification_url: str | None = None
    """The public page that answers for this award now (its link, for the QR code)."""
    description: str | None = field(default=None)
    """What the achievement is, in a sentence; the first learning outcome when absent."""


def credential_id(award_id: UUID) -> str:
    """The credential's ``id``: the award's own id, which the status API answers for."""
    return f"urn:uuid:{award_id}"


def open_badge_credential(
    facts: AwardFacts, *, credential_status: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` of one award.

    ``credential_status`` is its ``BitstringStatusListEntry`` (`status_list.status_entry`):
    the Open Badges schema wants exactly one, so every credential the ledger signs has one.
    """
    document: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": credential_id(facts.award_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.title,
        "issuer": _issuer(facts.issuer),
        "validFrom": _midnight(facts.issued_on),
        "awardedDate": _midnight(facts.issued_on),
        "credentialSubject": _subject(facts),
    }
    if facts.expires_on is not None:
        document["validUntil"] = _midnight(facts.expires_on)
    if credential_status is not None:
        document["credentialStatus"] = dict(credential_status)
    if facts.verification_url is not None:
        document["url"] = facts.verification_url
    return document


def _issuer(issuer: IssuerFacts) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": issuer.did,
        "type": ["Profile"],
        "name": issuer.name,
        "address": {"type": ["Address"], "addressCountryCode": issuer.country_code},
    }
    if issuer.website:
        profile["url"] = issuer.website
    return profile


def _subject(facts: AwardFacts) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "id": f"urn:uuid:{facts.learner_record_id}",
        "type": ["AchievementSubject"],
        "achievement": _achievement(facts),
        "creditsEarned": _number(facts.workload_ects),
        "awardRoute": facts.route,
    }
    if facts.assessment is not None:
        subject["assessment"] = _assessment(facts.assessment)
    if facts.components:
        subject["stackedFrom"] = [credential_id(component) for component in facts.components]
    if facts.imported_from is not None:
        subject["importedFrom"] = facts.imported_from
    return subject


def _achievement(facts: AwardFacts) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": f"urn:uuid:{facts.micro_credential_id}",
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": facts.title,
        "description": facts.description or facts.learning_outcomes[0],
        "criteria": {"narrative": _criteria(facts)},
        "fieldOfStudy": facts.field_of_study,
        "creditsAvailable": _number(facts.workload_ects),
        "ectsCredits": _decimal(facts.workload_ects),
        "learningOutcomes": [
            _outcome(text, _skills_of(facts.esco_skills, index))
            for index, text in enumerate(facts.learning_outcomes)
        ],
        "assessmentType": facts.assessment_type,
        "participationForm": facts.participation_form,
        "qualityAssurance": facts.quality_assurance,
    }
    optional = {
        "nqfLevel": facts.nqf_level,
        "eqfLevel": facts.eqf_level,
        "prerequisites": facts.prerequisites,
        "supervision": facts.supervision,
        "assessmentSetting": facts.assessment_setting,
        "stackability": facts.stackability,
        "furtherInformation": facts.further_information,
        "inLanguage": facts.language,
    }
    achievement.update({name: value for name, value in optional.items() if value is not None})
    skills = sorted({uri for uris in facts.esco_skills for uri in uris})
    if skills:
        achievement["alignment"] = [_alignment(uri) for uri in skills]
    return achievement


def _criteria(facts: AwardFacts) -> str:
    count = len(facts.learning_outcomes)
    outcomes = "the learning outcome" if count == 1 else f"the {count} learning outcomes"
    return f"Achieving {outcomes} listed, assessed by: {facts.assessment_type}"


def _outcome(text: str, skills: Sequence[str]) -> dict[str, Any]:
    outcome: dict[str, Any] = {"type": "LearningOutcome", "outcomeText": text}
    if skills:
        outcome["escoSkills"] = list(skills)
    return outcome


def _alignment(uri: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": f"ESCO skill {uri.rsplit('/', 1)[-1]}",
        "targetUrl": uri,
        "targetFramework": "ESCO",
        "targetType": "ext:ESCOSkill",
    }


def _assessment(assessment: AssessmentFacts) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "AssessmentRecord",
        "assessmentMethod": assessment.method,
        "assessedOn": assessment.assessed_on.isoformat(),
        "assessmentResult": assessment.result,
        "identityVerified": assessment.identity_verified,
    }
    if assessment.grade is not None:
        found["grade"] = assessment.grade
    if assessment.supervision is not None:
        found["supervision"] = assessment.supervision
    return found


def _skills_of(tags: tuple[tuple[str, ...], ...], index: int) -> tuple[str, ...]:
    return tags[index] if index < len(tags) else ()


def _number(value: Decimal) -> int | float:
    """A JSON number that every JSON-LD processor reads as the same RDF literal: a whole
    number as an integer (JavaScript reads ``5.0`` as the integer 5, Python as a double)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _midnight(day: date) -> str:
    """The start of ``day`` in UTC, as an XML Schema dateTimeStamp to the second."""
    return datetime.combine(day, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
