"""An award's facts as an Open Badges 3.0 credential: every EU element, nothing personal,
valid against the 1EdTech JSON Schema (read in place from ``shared/vectors``), and every
term defined (canonicalizing refuses an undefined one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import jsonschema
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials.canonical import canonical_nquads
from ledger.credentials.data_integrity import create_proof, verify_proof
from ledger.credentials.open_badge import (
    CREDENTIAL_CONTEXT,
    AssessmentFacts,
    AwardFacts,
    IssuerFacts,
    open_badge_credential,
)
from ledger.credentials.status_list import status_entry
from tests.shared_vectors import require_vectors

AWARD = UUID("0b6f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b")
LEARNER_RECORD = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
COMPONENT = UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")

MINIMAL = AwardFacts(
    award_id=AWARD,
    learner_record_id=LEARNER_RECORD,
    micro_credential_id=UUID("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"),
    issuer=IssuerFacts(did="did:web:ledger.example:providers:SETU", name="SETU", country_code="IE"),
    title="Data Analytics Fundamentals",
    learning_outcomes=("Clean a data set",),
    esco_skills=(),
    workload_ects=Decimal("5"),
    assessment_type="written examination",
    participation_form="online",
    quality_assurance="QQI validated programme",
    field_of_study="0688 ICT",
    issued_on=date(2026, 3, 1),
    route="course",
)

RICH = replace(
    MINIMAL,
    learning_outcomes=("Clean a data set", "Explain a regression\nin plain words"),
    esco_skills=(("http://data.europa.eu/esco/skill/abc",), ()),
    workload_ects=Decimal("2.5"),
    nqf_level=6,
    eqf_level=5,
    prerequisites="Leaving Certificate mathematics",
    supervision="supervised",
    assessment_setting="on_site",
    stackability="Counts towards the Certificate in Data Science",
    further_information="https://setu.example/da",
    language="en",
    expires_on=date(2029, 3, 1),
    assessment=AssessmentFacts(
        method="practical project",
        assessed_on=date(2026, 2, 20),
        result="pass",
        grade="B+",
        supervision="supervised",
        identity_verified=True,
    ),
    components=(COMPONENT,),
    imported_from="SETU student records 2019",
    verification_url="https://ledger.example/verify/0b6f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b",
)


@pytest.fixture
def ob3_schema() -> dict[str, Any]:
    vectors = require_vectors("the Open Badges 3.0 JSON Schema")
    path = vectors / "ob3" / "ob_v3p0_achievementcredential_schema.json"
    schema: dict[str, Any] = orjson.loads(path.read_bytes())
    return schema


def signed(facts: AwardFacts) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    document = open_badge_credential(
        facts,
        credential_status=status_entry("https://ledger.example/v1/status-lists/SETU/1", 4711),
    )
    secured = create_proof(
        document,
        private_key=key,
        verification_method=f"{facts.issuer.did}#key-1",
        created=datetime(2026, 3, 1, 9, tzinfo=UTC),
    )
    assert verify_proof(secured, key.public_key())
    secured["proof"] = [secured["proof"]]
    return secured


@pytest.mark.parametrize("facts", [MINIMAL, RICH], ids=["minimal", "rich"])
def test_every_credential_is_valid_against_the_open_badges_schema(
    facts: AwardFacts, ob3_schema: dict[str, Any]
) -> None:
    jsonschema.validate(signed(facts), ob3_schema)


def test_the_contexts_are_in_the_order_open_badges_requires() -> None:
    document = open_badge_credential(MINIMAL)
    assert document["@context"] == list(CREDENTIAL_CONTEXT)
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"


def test_every_eu_element_is_carried(ob3_schema: dict[str, Any]) -> None:
    document = open_badge_credential(RICH)
    subject = document["credentialSubject"]
    achievement = subject["achievement"]

    assert achievement["name"] == document["name"] == "Data Analytics Fundamentals"
    assert document["issuer"]["address"]["addressCountryCode"] == "IE"
    assert document["validFrom"] == document["awardedDate"] == "2026-03-01T00:00:00Z"
    assert document["validUntil"] == "2029-03-01T00:00:00Z"
    assert [o["outcomeText"] for o in achievement["learningOutcomes"]] == list(
        RICH.learning_outcomes
    )
    assert achievement["learningOutcomes"][0]["escoSkills"] == [
        "http://data.europa.eu/esco/skill/abc"
    ]
    assert "escoSkills" not in achievement["learningOutcomes"][1]
    assert achievement["ectsCredits"] == "2.5"
    assert achievement["creditsAvailable"] == 2.5
    assert (achievement["nqfLevel"], achievement["eqfLevel"]) == (6, 5)
    assert achievement["assessmentType"] == "written examination"
    assert achievement["participationForm"] == "online"
    assert achievement["qualityAssurance"] == "QQI validated programme"
    assert achievement["prerequisites"] == "Leaving Certificate mathematics"
    assert achievement["supervision"] == "supervised"
    assert achievement["stackability"].startswith("Counts towards")
    assert achievement["inLanguage"] == "en"
    assert achievement["alignment"][0]["targetUrl"] == "http://data.europa.eu/esco/skill/abc"
    assert subject["assessment"]["identityVerified"] is True
    assert subject["assessment"]["assessedOn"] == "2026-02-20"
    assert subject["stackedFrom"] == [f"urn:uuid:{COMPONENT}"]
    assert subject["importedFrom"] == "SETU student records 2019"
    assert document["url"].endswith("/verify/0b6f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b")


def test_absent_elements_are_absent_not_null() -> None:
    document = open_badge_credential(MINIMAL)
    text = orjson.dumps(document).decode()
    assert "null" not in text
    for name in ("validUntil", "url", "credentialStatus"):
        assert name not in document
    achievement = document["credentialSubject"]["achievement"]
    for name in ("nqfLevel", "eqfLevel", "prerequisites", "alignment", "inLanguage"):
        assert name not in achievement
    assert "assessment" not in document["credentialSubject"]


def test_the_subject_is_the_pseudonymous_record_and_nothing_else_about_the_learner() -> None:
    subject = open_badge_credential(RICH)["credentialSubject"]
    assert subject["id"] == f"urn:uuid:{LEARNER_RECORD}"
    assert set(subject) == {
        "id",
        "type",
        "achievement",
        "creditsEarned",
        "awardRoute",
        "assessment",
        "stackedFrom",
        "importedFrom",
    }


def test_a_whole_number_of_credits_is_an_integer_and_reads_the_same_everywhere() -> None:
    achievement = open_badge_credential(MINIMAL)["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == 5
    assert isinstance(achievement["creditsAvailable"], int)
    # 5, never 5.0: JavaScript reads "5.0" as the integer 5, Python as a double.
    assert "5.0" not in orjson.dumps(achievement).decode()


def test_every_term_is_defined_in_a_bundled_context() -> None:
    # The canonicalizer refuses a term no context defines, rather than dropping it.
    nquads = canonical_nquads(open_badge_credential(RICH))
    assert "https://w3id.org/micro-credential-ledger/eu-elements#ectsCredits" in nquads
    assert "https://w3id.org/micro-credential-ledger/eu-elements#importedFrom" in nquads
