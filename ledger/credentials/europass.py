"""An award as a Europass Digital Credential: the European Learning Model 3 (ELM 3) export.

`elm_credential` writes, from the same `AwardFacts` as `open_badge.open_badge_credential`,
the unsigned JSON-LD document the Europass Digital Credentials infrastructure (EDC) reads:
context ``https://www.w3.org/2018/credentials/v1`` then the EDC application profile
``http://data.europa.eu/snb/model/context/edc-ap``, types ``VerifiableCredential`` and
``EuropeanDigitalCredential``. It is a document of its own: the EDC context is built on VC
1.1 and cannot be combined with VC 2.0 and Open Badges 3.0 (shared/TRUST-NOTES.md). Sealing
it (EDC uses a JAdES e-seal) is not this module's job.

The function is pure (no I/O, no clock, no randomness; it reads no file): the same facts
give the same dictionary, and every node id is derived from the award's, the
micro-credential's or the issuer's own id (``urn:epass:<class>:<id>``, as ELM's samples
name nodes).

Privacy: the subject is a ``Person`` known only by the learner record's pseudonymous
``urn:uuid:`` id, with no property but its claim. No name, date of birth, national id or
e-mail is written, and the accommodation an assessment recorded for one learner is not in
`AwardFacts` at all.

Where each EU standard element goes (Council Recommendation of 16 June 2022, Annex I)
--------------------------------------------------------------------------------------
- identification of the learner: ``credentialSubject.id`` (``Person``);
- title: ``title`` of the ``LearningAchievement`` (``hasClaim``), of its
  ``LearningAchievementSpecification`` (``specifiedBy``) and of the ``displayParameter``;
- country of the issuer: ``location.address.countryCode`` of the awarding body, an EU
  authority-table concept (``.../authority/country/IRL``);
- awarding body: ``awardedBy`` (``AwardingProcess``) ``.awardingBody`` (``Organisation``
  with ``legalName``), also the credential's ``issuer``;
- date of issuing: ``issuanceDate``, ``issued`` and ``validFrom`` of the credential,
  ``awardingDate`` of the awarding process (midnight UTC, ``xsd:dateTime``);
- learning outcomes: ``specifiedBy.learningOutcome`` (``LearningOutcome`` with ``title``),
  their ESCO skills as ``relatedESCOSkill`` concepts;
- notional workload: ``specifiedBy.creditPoint`` and the achievement's ``creditReceived``,
  a ``CreditPoint`` in the ECTS framework whose ``point`` is a decimal string ("5", "7.5"):
  the context and the shapes type it ``xsd:string``;
- level: ``specifiedBy.eqfLevel`` (``http://data.europa.eu/snb/eqf/6``); the NQF level as
  ``nqfLevel`` only when the caller names the country's NQF concept for it (``nqf_levels``:
  ELM's NQF concepts are per-country Qualification Dataset Register URIs that cannot be
  derived from a number), else as an ``additionalNote``;
- type of assessment: ``specifiedBy.provenBy`` (``LearningAssessmentSpecification``) title;
  the learner's own assessment is the achievement's ``provenBy`` (``LearningAssessment``:
  the method as title, ``dateIssued``, ``grade`` a ``Note``, ``idVerification``);
- form of participation: ``specifiedBy.mode`` (mode of learning and assessment concept);
- type of quality assurance: an ``additionalNote`` of the specification;
- optional: prerequisites as ``entryRequirement``; supervision and identity verification
  as the assessment's ``idVerification`` where a concept is confirmed, else a note; the
  assessment setting as the assessment specification's ``mode``; grade; stackability and
  further information as notes; language as ``language`` (and the display's
  ``primaryLanguage``); the field of education as ``thematicArea`` (ISCED-F concept) when
  it starts with its ISCED-F code ("0688 ICT"), else a note; expiry as ``expirationDate``.

Texts are language maps keyed by the award's language (ISO 639-1), English when it names
none. Not exported, as ELM 3 has no property for them that could be confirmed: the award
route (course or recognition of prior learning), the stacked components, where an
imported award came from, and the verification page's URL.

Where the shapes come from (what was read, offline)
---------------------------------------------------
- The EDC context: the stored copy of ``european-commission-empl/European-Learning-Model``,
  ``rdf/ap/edc/edc-ap-context.jsonld`` (the version whose ``elm`` prefix is
  ``http://data.europa.eu/snb/model/elm/`` and which has ``credentialProfiles``). Every term
  written here is defined there; the tests expand every document with it and VC 1.1,
  refusing any dropped term (``tests/unit/credentials/elm/SOURCES.md``).
- The constraints: the Commission's SHACL shapes of the profile in the same repository,
  ``rdf/ap/edc/EDC-generic-no-cv.ttl`` (1.1.0, read in full); the tests validate every
  document with pyshacl against a hand-transcribed excerpt of them.
- The document's shape: the Commission's ELM 3 micro-credential sample in the same
  repository, ``Credentials/JSON-LD Examples (ELM v3)/Sample-MC-Annex1-unsigned.jsonld``:
  the context pair, ``credentialProfiles`` (Generic, ``credential/e34929035b``),
  ``hasClaim`` -> ``LearningAchievement`` with ``awardedBy``, ``provenBy``
  (``LearningAssessment`` with a ``grade`` Note and ``idVerification``) and
  ``specifiedBy``; ``creditPoint`` with ``framework`` ECTS (``education-credit/6fcec5c5af``)
  and ``point`` a string; ``eqfLevel``, ``thematicArea``, ``entryRequirement``,
  ``learningOutcome`` with ``relatedESCOSkill`` in ``esco/concept-scheme/skills``;
  ``mode`` Online (``learning-assessment/920fbb3cbe``) and Blended (``.../e92d221e4d``);
  ``idVerification`` "Unsupervised without ID Verification"
  (``supervision-verification/c598449d64``); ``.../authority/country/IRL``,
  ``.../authority/language/ENG``.
- Third-party ELM 3 producers (stored code, not the Commission's): an Open edX plugin
  (``credentialSchema`` ``ShaclValidator2017``
  ``http://data.europa.eu/snb/model/ap/edc-generic-no-cv``; ``issued``), a Drupal module
  listing the EU codes of the 24 official languages and the modes of learning and
  assessment (Presential ``learning-assessment/9191af2ed9``, which two more projects use
  for on-site), and ``isy-thl/php-european-learning-model`` (``provenBy``,
  ``creditReceived``).

What could not be confirmed, or is not met
------------------------------------------
- The profile demands two things the ledger does not hold, so the export does not fully
  conform: the issuer's eIDAS legal identifier (``eIDASIdentifier``, a
  ``LegalIdentifier``), and a ``displayParameter.individualDisplay`` with a rendered image
  of the credential. Everything else the excerpt checks is met.
- In the shapes, ``EQFLevel`` and ``NQFLevel`` belong to ``Qualification`` (a subclass of
  ``LearningAchievementSpecification``); the Commission's micro-credential sample types
  its ``specifiedBy`` ``Qualification``. This export keeps
  ``LearningAchievementSpecification`` as asked, so a strict consumer may ignore the levels.
- The context is the stored repository copy, not what ``data.europa.eu`` serves now.
- No concept URI was found for "supervised" assessments (with or without an identity
  check), nor a label for the ESCO skills (the ledger keeps none), nor the EU codes of
  Icelandic and Norwegian (``ISL``, ``NOR`` follow the table's ISO 639-2/T pattern).
- The brief's ``wasAwardedBy``/``wasDerivedFrom`` are ELM 2 (EDCI) names; ELM 3's context
  and shapes use ``awardedBy``/``provenBy``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from ledger.credentials.open_badge import (
    AssessmentFacts,
    AwardFacts,
    IssuerFacts,
    credential_id,
)

VC_V1 = "https://www.w3.org/2018/credentials/v1"
EDC_AP = "http://data.europa.eu/snb/model/context/edc-ap"
ELM_CONTEXT: tuple[str, ...] = (VC_V1, EDC_AP)
"""The order of the Commission's samples: VC 1.1 first, then the EDC profile."""

EDC_SHACL_PROFILE = "http://data.europa.eu/snb/model/ap/edc-generic-no-cv"
"""The EDC application profile the document declares (``credentialSchema``): the generic
profile without the controlled-vocabulary checks."""

DEFAULT_TEXT_LANGUAGE = "en"
"""The language tag of the texts when the award names no language."""

SNB = "http://data.europa.eu/snb"
AUTHORITY = "http://publications.europa.eu/resource/authority"
COUNTRY_SCHEME = f"{AUTHORITY}/country"
LANGUAGE_SCHEME = f"{AUTHORITY}/language"
ESCO_SKILLS_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"

EU_EEA_COUNTRIES: Mapping[str, tuple[str, str]] = {
    "AT": ("AUT", "Austria"),
    "BE": ("BEL", "Belgium"),
    "BG": ("BGR", "Bulgaria"),
    "HR": ("HRV", "Croatia"),
    "CY": ("CYP", "Cyprus"),
    "CZ": ("CZE", "Czechia"),
    "DK": ("DNK", "Denmark"),
    "EE": ("EST", "Estonia"),
    "FI": ("FIN", "Finland"),
    "FR": ("FRA", "France"),
    "DE": ("DEU", "Germany"),
    "GR": ("GRC", "Greece"),
    "HU": ("HUN", "Hungary"),
    "IE": ("IRL", "Ireland"),
    "IT": ("ITA", "Italy"),
    "LV": ("LVA", "Latvia"),
    "LT": ("LTU", "Lithuania"),
    "LU": ("LUX", "Luxembourg"),
    "MT": ("MLT", "Malta"),
    "NL": ("NLD", "Netherlands"),
    "PL": ("POL", "Poland"),
    "PT": ("PRT", "Portugal"),
    "RO": ("ROU", "Romania"),
    "SK": ("SVK", "Slovakia"),
    "SI": ("SVN", "Slovenia"),
    "ES": ("ESP", "Spain"),
    "SE": ("SWE", "Sweden"),
    "IS": ("ISL", "Iceland"),
    "LI": ("LIE", "Liechtenstein"),
    "NO": ("NOR", "Norway"),
}
"""ISO 3166-1 alpha-2 -> (alpha-3, English name) of the EU and EEA states: the EU
authority table names a country by its alpha-3 code (``.../authority/country/IRL``).
Greece is ``GR`` here (ISO), not the EU's ``EL``."""

EU_EEA_LANGUAGES: Mapping[str, tuple[str, str]] = {
    "bg": ("BUL", "Bulgarian"),
    "hr": ("HRV", "Croatian"),
    "cs": ("CES", "Czech"),
    "da": ("DAN", "Danish"),
    "nl": ("NLD", "Dutch"),
    "en": ("ENG", "English"),
    "et": ("EST", "Estonian"),
    "fi": ("FIN", "Finnish"),
    "fr": ("FRA", "French"),
    "de": ("DEU", "German"),
    "el": ("ELL", "Greek"),
    "hu": ("HUN", "Hungarian"),
    "ga": ("GLE", "Irish"),
    "it": ("ITA", "Italian"),
    "lv": ("LAV", "Latvian"),
    "lt": ("LIT", "Lithuanian"),
    "mt": ("MLT", "Maltese"),
    "pl": ("POL", "Polish"),
    "pt": ("POR", "Portuguese"),
    "ro": ("RON", "Romanian"),
    "sk": ("SLK", "Slovak"),
    "sl": ("SLV", "Slovenian"),
    "es": ("SPA", "Spanish"),
    "sv": ("SWE", "Swedish"),
    "is": ("ISL", "Icelandic"),
    "no": ("NOR", "Norwegian"),
}
"""ISO 639-1 -> (EU authority-table code, English name): the 24 official EU languages and
the EEA's Icelandic and Norwegian."""

_CREDENTIAL_PROFILES = f"{SNB}/credential/25831c2"
_GENERIC_PROFILE = (f"{SNB}/credential/e34929035b", "Generic")
_EDUCATION_CREDIT = f"{SNB}/education-credit/25831c2"
_ECTS = (f"{SNB}/education-credit/6fcec5c5af", "European Credit Transfer System")
_EQF = f"{SNB}/eqf/25831c2"
_ISCED_F = f"{SNB}/isced-f/25831c2"
_MODES = f"{SNB}/learning-assessment/25831c2"
_MODE = {
    "online": (f"{SNB}/learning-assessment/920fbb3cbe", "Online"),
    "onsite": (f"{SNB}/learning-assessment/9191af2ed9", "Presential"),
    "blended": (f"{SNB}/learning-assessment/e92d221e4d", "Blended"),
}
"""Form of participation and assessment setting -> mode of learning and assessment."""
_SUPERVISION = f"{SNB}/supervision-verification/25831c2"
_UNSUPERVISED_WITHOUT_ID = (
    f"{SNB}/supervision-verification/c598449d64",
    "Unsupervised without ID Verification",
)
_SUPERVISION_TEXT = {
    "unsupervised": "unsupervised",
    "supervised_without_id_check": "supervised, without identity verification",
    "supervised_with_id_check": "supervised, with identity verification",
}
_ISCED_CODE = re.compile(r"^(\d{2,4})(?:\s|$)")


class ElmExportError(ValueError):
    """The award cannot be written as an ELM 3 credential (an unsupported code)."""


def elm_credential(
    facts: AwardFacts, *, nqf_levels: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """The unsigned ``EuropeanDigitalCredential`` (ELM 3) of one award.

    ``nqf_levels`` maps a national framework level to the country's NQF concept URI in
    the Qualification Dataset Register (the authority's configuration); without an entry
    for the award's level, the level is written as a note of the specification.

    Raises `ElmExportError` for an issuer country outside the EU and EEA, or a language
    outside their official languages: the EU authority tables name them by codes this
    module does not hold.
    """
    language = (facts.language or DEFAULT_TEXT_LANGUAGE).strip().lower().split("-")[0]
    _language(language)  # refused before anything is written, if it is not one of ours
    text = _Texts(language)
    document: dict[str, Any] = {
        "@context": list(ELM_CONTEXT),
        "id": credential_id(facts.award_id),
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialSchema": {"id": EDC_SHACL_PROFILE, "type": "ShaclValidator2017"},
        "credentialProfiles": [_concept(*_GENERIC_PROFILE, _CREDENTIAL_PROFILES)],
        "displayParameter": {
            "id": f"urn:epass:displayParameter:{facts.award_id}",
            "type": "DisplayParameter",
            "title": text(facts.title),
            "language": [_language(language)],
            "primaryLanguage": _language(language),
        },
        "issuer": _organisation(facts.issuer, text),
        "issuanceDate": _midnight(facts.issued_on),
        "issued": _midnight(facts.issued_on),
        "validFrom": _midnight(facts.issued_on),
        "credentialSubject": {
            "id": f"urn:uuid:{facts.learner_record_id}",
            "type": "Person",
            "hasClaim": [_achievement(facts, text, nqf_levels or {})],
        },
    }
    if facts.expires_on is not None:
        document["expirationDate"] = _midnight(facts.expires_on)
    return document


class _Texts:
    """Writes a text as the language map ELM's text properties are (``{"en": ...}``)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, value: str) -> dict[str, str]:
        return {self.language: value}


def _achievement(facts: AwardFacts, text: _Texts, nqf_levels: Mapping[int, str]) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": f"urn:epass:learningAchievement:{facts.award_id}",
        "type": "LearningAchievement",
        "title": text(facts.title),
        "awardedBy": _awarding_process(facts, text),
        "specifiedBy": _specification(facts, text, nqf_levels),
        "creditReceived": [_credit_point(f"urn:epass:creditPoint:{facts.award_id}", facts)],
    }
    if facts.description is not None:
        achievement["description"] = text(facts.description)
    if facts.assessment is not None:
        achievement["provenBy"] = [_assessment(facts, facts.assessment, text)]
    return achievement


def _specification(
    facts: AwardFacts, text: _Texts, nqf_levels: Mapping[int, str]
) -> dict[str, Any]:
    spec_id = facts.micro_credential_id
    spec: dict[str, Any] = {
        "id": f"urn:uuid:{spec_id}",
        "type": "LearningAchievementSpecification",
        "title": text(facts.title),
        "learningOutcome": [
            _outcome(f"urn:epass:learningOutcome:{spec_id}:{index + 1}", outcome, skills, text)
            for index, (outcome, skills) in enumerate(_tagged_outcomes(facts))
        ],
        "creditPoint": [_credit_point(f"urn:epass:creditPoint:{spec_id}", facts)],
        "mode": [_mode(facts.participation_form, "form of participation")],
        "provenBy": [_assessment_specification(facts, text)],
    }
    if facts.description is not None:
        spec["description"] = text(facts.description)
    if facts.eqf_level is not None:
        spec["eqfLevel"] = _eqf(facts.eqf_level)
    nqf_concept = nqf_levels.get(facts.nqf_level) if facts.nqf_level is not None else None
    if nqf_concept is not None:
        spec["nqfLevel"] = {"id": nqf_concept, "type": "Concept"}
    if facts.language is not None:
        spec["language"] = [_language(text.language)]
    if facts.prerequisites is not None:
        spec["entryRequirement"] = _note(
            f"urn:epass:note:{spec_id}:entry", facts.prerequisites, text
        )
    field = _isced_f(facts.field_of_study, text)
    if field is not None:
        spec["thematicArea"] = [field]
    spec["additionalNote"] = _specification_notes(facts, nqf_concept is None, text)
    return spec


def _specification_notes(facts: AwardFacts, nqf_as_note: bool, text: _Texts) -> list[Any]:
    """The Annex I elements ELM 3 has no property for, as labelled notes."""
    notes: list[tuple[str, str, str]] = [
        ("qualityAssurance", "Type of quality assurance", facts.quality_assurance),
    ]
    if facts.nqf_level is not None and nqf_as_note:
        notes.append(("nqfLevel", "National qualifications framework level", str(facts.nqf_level)))
    if facts.supervision is not None:
        notes.append(
            (
                "supervision",
                "Supervision and identity verification during assessment",
                _SUPERVISION_TEXT.get(facts.supervision, facts.supervision),
            )
        )
    if facts.stackability is not None:
        notes.append(("stackability", "Integration and stackability options", facts.stackability))
    if facts.further_information is not None:
        notes.append(("furtherInformation", "Further information", facts.further_information))
    if _ISCED_CODE.match(facts.field_of_study.strip()) is None:
        notes.append(("field", "Field of education", facts.field_of_study))
    spec_id = facts.micro_credential_id
    return [
        _note(f"urn:epass:note:{spec_id}:{key}", f"{label}: {value}", text)
        for key, label, value in notes
    ]


def _tagged_outcomes(facts: AwardFacts) -> list[tuple[str, tuple[str, ...]]]:
    tags = facts.esco_skills
    return [
        (outcome, tags[index] if index < len(tags) else ())
        for index, outcome in enumerate(facts.learning_outcomes)
    ]


def _outcome(node_id: str, outcome: str, skills: tuple[str, ...], text: _Texts) -> dict[str, Any]:
    node: dict[str, Any] = {"id": node_id, "type": "LearningOutcome", "title": text(outcome)}
    if skills:
        node["relatedESCOSkill"] = [_esco_skill(uri) for uri in skills]
    return node


def _esco_skill(uri: str) -> dict[str, Any]:
    if not uri.startswith(ESCO_SKILL_PREFIX):
        msg = f"{uri!r} is not an ESCO skill URI ({ESCO_SKILL_PREFIX}...)"
        raise ElmExportError(msg)
    return {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": ESCO_SKILLS_SCHEME, "type": "ConceptScheme"},
    }


def _credit_point(node_id: str, facts: AwardFacts) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "CreditPoint",
        "framework": _concept(*_ECTS, _EDUCATION_CREDIT),
        # The EDC context types ``point`` xsd:string: a decimal written without exponent
        # or trailing zeros ("5", "7.5"), as the Commission's sample writes "2".
        "point": format(facts.workload_ects.normalize(), "f"),
    }


def _assessment_specification(facts: AwardFacts, text: _Texts) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": f"urn:epass:learningAssessmentSpec:{facts.micro_credential_id}",
        "type": "LearningAssessmentSpecification",
        "title": text(facts.assessment_type),
    }
    if facts.assessment_setting is not None:
        spec["mode"] = [_mode(facts.assessment_setting, "assessment setting")]
    return spec


def _assessment(facts: AwardFacts, assessment: AssessmentFacts, text: _Texts) -> dict[str, Any]:
    award_id = facts.award_id
    node: dict[str, Any] = {
        "id": f"urn:epass:learningAssessment:{award_id}",
        "type": "LearningAssessment",
        "title": text(assessment.method),
        # The same awarding process as the achievement's (same id), written out again.
        "awardedBy": _awarding_process(facts, text),
        "dateIssued": _midnight(assessment.assessed_on),
        "grade": _note(
            f"urn:epass:note:{award_id}:grade", assessment.grade or assessment.result, text
        ),
        "specifiedBy": _assessment_specification(facts, text),
    }
    notes = []
    if assessment.grade is not None:
        notes.append(
            _note(f"urn:epass:note:{award_id}:result", f"Result: {assessment.result}", text)
        )
    if assessment.supervision == "unsupervised" and not assessment.identity_verified:
        node["idVerification"] = _concept(*_UNSUPERVISED_WITHOUT_ID, _SUPERVISION)
    elif assessment.supervision is not None or assessment.identity_verified:
        supervision = _SUPERVISION_TEXT.get(assessment.supervision or "", assessment.supervision)
        identity = "identity verified" if assessment.identity_verified else "identity not verified"
        described = f"{supervision}, {identity}" if supervision else identity
        notes.append(
            _note(
                f"urn:epass:note:{award_id}:supervision",
                f"Supervision and identity verification: {described}",
                text,
            )
        )
    if notes:
        node["additionalNote"] = notes
    return node


def _awarding_process(facts: AwardFacts, text: _Texts) -> dict[str, Any]:
    return {
        "id": f"urn:epass:awardingProcess:{facts.award_id}",
        "type": "AwardingProcess",
        "awardingBody": [_organisation(facts.issuer, text)],
        "awardingDate": _midnight(facts.issued_on),
    }


def _organisation(issuer: IssuerFacts, text: _Texts) -> dict[str, Any]:
    alpha3, name = _country(issuer.country_code)
    organisation: dict[str, Any] = {
        "id": issuer.did,
        "type": "Organisation",
        "legalName": text(issuer.name),
        "location": [
            {
                "id": f"urn:epass:location:{issuer.did}",
                "type": "Location",
                "address": [
                    {
                        "id": f"urn:epass:address:{issuer.did}",
                        "type": "Address",
                        "countryCode": _concept(f"{COUNTRY_SCHEME}/{alpha3}", name, COUNTRY_SCHEME),
                    }
                ],
            }
        ],
    }
    if issuer.website:
        organisation["homepage"] = [
            {
                "id": f"urn:epass:webResource:{issuer.did}",
                "type": "WebResource",
                "contentURL": issuer.website,
            }
        ]
    return organisation


def _country(code: str) -> tuple[str, str]:
    found = EU_EEA_COUNTRIES.get(code.strip().upper())
    if found is None:
        msg = (
            f"the issuer's country {code!r} is not an EU or EEA state: the ELM export names "
            "EU and EEA countries only"
        )
        raise ElmExportError(msg)
    return found


def _language(code: str) -> dict[str, Any]:
    found = EU_EEA_LANGUAGES.get(code)
    if found is None:
        msg = (
            f"the language {code!r} is not an official EU or EEA language (ISO 639-1): "
            "the ELM export names those only"
        )
        raise ElmExportError(msg)
    eu_code, name = found
    return _concept(f"{LANGUAGE_SCHEME}/{eu_code}", name, LANGUAGE_SCHEME)


def _mode(value: str, what: str) -> dict[str, Any]:
    found = _MODE.get(value)
    if found is None:
        msg = f"the {what} {value!r} is not one of {sorted(_MODE)}"
        raise ElmExportError(msg)
    return _concept(*found, _MODES)


def _eqf(level: int) -> dict[str, Any]:
    if not 1 <= level <= 8:
        msg = f"the EQF level {level} is not between 1 and 8"
        raise ElmExportError(msg)
    return _concept(f"{SNB}/eqf/{level}", f"Level {level}", _EQF)


def _isced_f(field: str, text: _Texts) -> dict[str, Any] | None:
    """The ISCED-F 2013 concept of a field written with its code first ("0688 ICT"),
    labelled with the provider's own words for it."""
    found = _ISCED_CODE.match(field.strip())
    if found is None:
        return None
    concept = _concept(f"{SNB}/isced-f/{found.group(1)}", "", _ISCED_F)
    concept["prefLabel"] = text(field.strip())
    return concept


def _concept(uri: str, label: str, scheme: str) -> dict[str, Any]:
    return {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": {"en": label},
    }


def _note(node_id: str, value: str, text: _Texts) -> dict[str, Any]:
    return {"id": node_id, "type": "Note", "noteLiteral": text(value)}


def _midnight(day: date) -> str:
    """The start of ``day`` in UTC, as an XML Schema dateTime to the second."""
    return datetime.combine(day, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
