"""The ELM 3 (Europass Digital Credentials) export of an award, as specifications.

Independent validation, offline (files pinned in ``elm/``, sources in ``elm/SOURCES.md``):

- JSON-LD: every document is expanded by pyld with the EDC application-profile context and
  the VC 1.1 context, through the ledger's own `canonical_nquads`, which refuses any
  property or type that no context defines (pyld alone would drop it silently); the tests
  then read the RDF.
- SHACL: that RDF is validated by pyshacl against an excerpt, transcribed by hand, of the
  Commission's EDC shapes (``EDC-generic-no-cv``) for every class the export writes. It
  conforms except for two constraints that need data the ledger does not hold (the
  issuer's eIDAS legal identifier, and a rendered image of the credential); with those two
  added by hand, it conforms.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pycountry
import pyshacl  # type: ignore[import-untyped]
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.credentials.canonical import UndefinedTermError, canonical_nquads
from ledger.credentials.documents import VC_V2, BundledLoader, document_loader
from ledger.credentials.europass import (
    EDC_AP,
    ELM_CONTEXT,
    EU_EEA_COUNTRIES,
    EU_EEA_LANGUAGES,
    VC_V1,
    ElmExportError,
    elm_credential,
)
from ledger.credentials.open_badge import AssessmentFacts, AwardFacts, IssuerFacts

ELM_DIR = Path(__file__).parent / "elm"
PINNED = {
    "credentials-v1.jsonld": "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
    "edc-ap-context-3.jsonld": "600f1916744c8092308b22df4f9dbf6b8e669a22803518bb4951c14a310dfd17",
    "edc-generic-no-cv-excerpt.ttl": (
        "eb8191f3385df4a2c828252d79384f2a4acef9bf8bf3cc0b077da729c8243303"
    ),
}

ELM = "http://data.europa.eu/snb/model/elm/"
DC = "http://purl.org/dc/terms/"
CRED = "https://www.w3.org/2018/credentials#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

AWARD = UUID("5f0c2b7e-3a41-4d2e-9a51-0c1d2e3f4a5b")
LEARNER = UUID("0b6f9a1c-7d2e-4c3b-8a9f-1e2d3c4b5a69")
MICRO_CREDENTIAL = UUID("9d8c7b6a-5f4e-4d3c-9b2a-190817263544")
COMPONENT = UUID("11111111-2222-4333-8444-555555555555")
SPREADSHEETS = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
STATISTICS = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
AWKWARD = 'Data "analysis" <basics> & more: Ελληνικά, Українська, 日本語, naïve'
LEARNER_NAME = "Aoife Ní Bhriain"
"""A learner's name: the facts of an award never carry it, and the export never writes it."""


def issuer(**changes: Any) -> IssuerFacts:
    base = IssuerFacts(
        did="did:web:provider.example.ie",
        name="Acme Skills Training Ltd",
        country_code="IE",
        website="https://acme.example.ie",
    )
    return replace(base, **changes)


def minimal(**changes: Any) -> AwardFacts:
    """An award with the mandatory EU standard elements only."""
    base = AwardFacts(
        award_id=AWARD,
        learner_record_id=LEARNER,
        micro_credential_id=MICRO_CREDENTIAL,
        issuer=issuer(website=None),
        title="Spreadsheet analytics",
        learning_outcomes=("Build a pivot table from raw data", "Explain a summary statistic"),
        esco_skills=(),
        workload_ects=Decimal(5),
        assessment_type="Written examination",
        participation_form="online",
        quality_assurance="Programme validated by QQI",
        field_of_study="Data analysis",
        issued_on=date(2026, 6, 30),
        route="course",
    )
    return replace(base, **changes)


def full(**changes: Any) -> AwardFacts:
    """An award with every EU standard element, mandatory and optional."""
    base = minimal(
        issuer=issuer(),
        esco_skills=((SPREADSHEETS, STATISTICS),),
        workload_ects=Decimal("7.50"),
        field_of_study="0688 ICT",
        nqf_level=6,
        eqf_level=6,
        prerequisites="Leaving Certificate mathematics",
        supervision="supervised_with_id_check",
        assessment_setting="onsite",
        stackability="Stackable towards the Level 8 Certificate in Data Science",
        further_information="https://acme.example.ie/courses/spreadsheets",
        language="en",
        expires_on=date(2031, 6, 30),
        assessment=AssessmentFacts(
            method="Proctored written exam",
            assessed_on=date(2026, 6, 12),
            result="pass",
            grade="B+",
            supervision="unsupervised",
        ),
        components=(COMPONENT,),
        description="Analysing data with spreadsheets",
    )
    return replace(base, **changes)


def assessed(**changes: Any) -> AssessmentFacts:
    recorded = full().assessment
    assert recorded is not None
    return replace(recorded, **changes)


def elm_loader() -> BundledLoader:
    return document_loader(
        {
            VC_V1: json.loads((ELM_DIR / "credentials-v1.jsonld").read_text(encoding="utf-8")),
            EDC_AP: json.loads((ELM_DIR / "edc-ap-context-3.jsonld").read_text(encoding="utf-8")),
        }
    )


Triple = tuple[str, str, str]


def triples(document: dict[str, Any]) -> set[Triple]:
    """The document as RDF (subject, predicate, object), objects as N-Quads terms, after
    expansion with every term defined (`canonical_nquads` refuses a dropped one)."""
    found: set[Triple] = set()
    for line in canonical_nquads(document, elm_loader()).splitlines():
        subject, predicate, rest = line.split(" ", 2)
        found.add((subject.strip("<>"), predicate.strip("<>"), rest.removesuffix(" .")))
    return found


def shacl_violations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(focus node's class, path) of every SHACL violation of the EDC shapes' excerpt;
    a constraint nested in a node shape is reported at its own path."""
    data = rdflib.Graph().parse(data=canonical_nquads(document, elm_loader()), format="nt")
    shapes = rdflib.Graph().parse(ELM_DIR / "edc-generic-no-cv-excerpt.ttl", format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = set()
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        if report.value(result, sh.sourceConstraintComponent) == sh.NodeConstraintComponent:
            continue  # the nested result below names the missing property itself
        focus = report.value(result, sh.focusNode)
        classes = sorted(
            re.split(r"[/#]", str(c))[-1] for c in data.objects(focus, rdflib.RDF.type)
        )
        found.add((",".join(classes), str(report.value(result, sh.resultPath))))
    assert conforms == (not found)
    return found


KNOWN_GAPS = {
    ("Organisation", f"{ELM}eidasLegalIdentifier"),
    ("DisplayParameter", f"{ELM}individualDisplay"),
}
"""What the EDC profile demands that the ledger does not hold: the issuer's eIDAS legal
identifier, and a rendered image of the credential for the display parameter."""


def literal(text: str, language: str = "en") -> str:
    return json.dumps(text, ensure_ascii=False) + f"@{language}"


def iri(value: str) -> str:
    return f"<{value}>"


def claim(document: dict[str, Any]) -> dict[str, Any]:
    claims = document["credentialSubject"]["hasClaim"]
    assert len(claims) == 1
    result: dict[str, Any] = claims[0]
    return result


def spec_of(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = claim(document)["specifiedBy"]
    return result


def notes(node: dict[str, Any]) -> list[str]:
    return [
        text for note in node.get("additionalNote", []) for text in note["noteLiteral"].values()
    ]


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in the document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


class TestTheDocument:
    def test_is_a_european_digital_credential_in_the_edc_context(self) -> None:
        document = elm_credential(full())
        assert document["@context"] == [
            "https://www.w3.org/2018/credentials/v1",
            "http://data.europa.eu/snb/model/context/edc-ap",
        ]
        assert document["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
        assert document["id"] == f"urn:uuid:{AWARD}"
        assert document["credentialSchema"] == {
            "id": "http://data.europa.eu/snb/model/ap/edc-generic-no-cv",
            "type": "ShaclValidator2017",
        }
        assert [p["id"] for p in document["credentialProfiles"]] == [
            "http://data.europa.eu/snb/credential/e34929035b"
        ]

    def test_is_a_separate_document_from_the_vc_2_0_one(self) -> None:
        # The EDC context is built on VC 1.1: it is never mixed with VC 2.0 / Open Badges.
        assert VC_V2 not in elm_credential(full())["@context"]
        assert ELM_CONTEXT == (VC_V1, EDC_AP)

    def test_expands_with_every_term_defined_by_the_official_contexts(self) -> None:
        for facts in (full(), minimal()):
            assert triples(elm_credential(facts))

    def test_the_expansion_check_does_refuse_an_undefined_term(self) -> None:
        document = elm_credential(full())
        document["credentialSubject"]["hasClaim"][0]["ectsCredits"] = "7.5"
        with pytest.raises(UndefinedTermError, match="ectsCredits"):
            triples(document)

    def test_is_plain_json_and_the_same_for_the_same_facts(self) -> None:
        document = elm_credential(full())
        assert json.loads(json.dumps(document, ensure_ascii=False)) == document
        assert elm_credential(full()) == document

    def test_no_object_is_shared_between_two_places(self) -> None:
        # Every dictionary and list is its own: changing one place changes no other.
        seen: set[int] = set()
        for _, value in walk(elm_credential(full())):
            if isinstance(value, dict | list):
                assert id(value) not in seen
                seen.add(id(value))

    def test_every_node_has_an_absolute_iri_id(self) -> None:
        for key, value in walk(elm_credential(full())):
            if isinstance(value, dict) and "type" in value:
                assert re.match(r"^[a-z][a-z0-9+.-]*:", value["id"]), (key, value)


class TestTheEdcShapes:
    def test_the_export_meets_the_profile_except_the_two_known_gaps(self) -> None:
        for facts in (full(), minimal(), full(language="ga", participation_form="blended")):
            assert shacl_violations(elm_credential(facts)) == KNOWN_GAPS

    def test_with_the_two_missing_elements_added_it_conforms(self) -> None:
        document = elm_credential(full())
        country = document["issuer"]["location"][0]["address"][0]["countryCode"]
        document["issuer"]["eIDASIdentifier"] = {
            "id": "urn:epass:legalIdentifier:1",
            "type": "LegalIdentifier",
            "notation": "IE1234567T",
            "spatial": country,
        }
        document["displayParameter"]["individualDisplay"] = [
            {
                "id": "urn:epass:individualDisplay:1",
                "type": "IndividualDisplay",
                "language": document["displayParameter"]["primaryLanguage"],
                "displayDetail": [
                    {
                        "id": "urn:epass:displayDetail:1",
                        "type": "DisplayDetail",
                        "page": 1,
                        "image": {
                            "id": "urn:epass:mediaObject:1",
                            "type": "MediaObject",
                            "content": "iVBORw0KGgo=",
                            "contentType": {
                                "id": "http://publications.europa.eu/resource/authority/file-type/PNG",
                                "type": "Concept",
                            },
                            "contentEncoding": {
                                "id": "http://data.europa.eu/snb/encoding/6146cde7dd",
                                "type": "Concept",
                            },
                        },
                    }
                ],
            }
        ]
        assert shacl_violations(document) == set()

    def test_the_shapes_do_catch_a_missing_mandatory_element(self) -> None:
        document = elm_credential(full())
        del document["issued"]
        del claim(document)["awardedBy"]
        del spec_of(document)["learningOutcome"][0]["title"]
        assert shacl_violations(document) == KNOWN_GAPS | {
            ("EuropeanDigitalCredential,VerifiableCredential", f"{CRED}issued"),
            ("LearningAchievement", f"{ELM}awardedBy"),
            ("LearningOutcome", f"{DC}title"),
        }


class TestEveryEuStandardElement:
    """Council Recommendation of 16 June 2022, Annex I: each element of the facts is in
    the export, where ELM 3 puts it, with the IRI the official context gives it."""

    def test_the_learner_is_the_subject(self) -> None:
        document = elm_credential(full())
        subject = document["credentialSubject"]
        assert subject["id"] == f"urn:uuid:{LEARNER}"
        assert subject["type"] == "Person"
        assert (f"urn:uuid:{LEARNER}", RDF_TYPE, iri(f"{ELM}Person")) in triples(document)

    def test_the_title(self) -> None:
        document = elm_credential(full())
        found = triples(document)
        for node in (claim(document)["id"], spec_of(document)["id"]):
            assert (node, f"{DC}title", literal(full().title)) in found
        assert document["displayParameter"]["title"] == {"en": full().title}

    def test_the_awarding_body_and_its_country(self) -> None:
        document = elm_credential(full())
        awarding = claim(document)["awardedBy"]
        assert awarding["type"] == "AwardingProcess"
        (body,) = awarding["awardingBody"]
        assert body["id"] == "did:web:provider.example.ie"
        assert body["type"] == "Organisation"
        assert body["legalName"] == {"en": "Acme Skills Training Ltd"}
        country = body["location"][0]["address"][0]["countryCode"]
        assert country["id"] == "http://publications.europa.eu/resource/authority/country/IRL"
        assert (
            country["inScheme"]["id"] == "http://publications.europa.eu/resource/authority/country"
        )
        assert document["issuer"] == body
        found = triples(document)
        assert (awarding["id"], f"{ELM}awardingBody", iri(body["id"])) in found
        assert (
            body["id"],
            "http://www.w3.org/ns/regorg#legalName",
            literal(body["legalName"]["en"]),
        ) in found

    def test_the_date_of_issuing(self) -> None:
        document = elm_credential(full())
        midnight = '"2026-06-30T00:00:00Z"^^<' + XSD_DATETIME + ">"
        found = triples(document)
        assert (document["id"], f"{CRED}issuanceDate", midnight) in found
        assert (document["id"], f"{CRED}issued", midnight) in found
        assert (document["id"], f"{CRED}validFrom", midnight) in found
        assert (claim(document)["awardedBy"]["id"], f"{ELM}awardingDate", midnight) in found

    def test_the_learning_outcomes_with_their_esco_skills(self) -> None:
        document = elm_credential(full())
        outcomes = spec_of(document)["learningOutcome"]
        assert [o["title"]["en"] for o in outcomes] == list(full().learning_outcomes)
        assert [s["id"] for s in outcomes[0]["relatedESCOSkill"]] == [SPREADSHEETS, STATISTICS]
        assert "relatedESCOSkill" not in outcomes[1]
        found = triples(document)
        assert (outcomes[0]["id"], f"{ELM}relatedESCOSkill", iri(SPREADSHEETS)) in found
        assert (spec_of(document)["id"], f"{ELM}learningOutcome", iri(outcomes[1]["id"])) in found

    def test_the_workload_in_ects(self) -> None:
        document = elm_credential(full())
        for credit in (spec_of(document)["creditPoint"][0], claim(document)["creditReceived"][0]):
            assert credit["type"] == "CreditPoint"
            assert (
                credit["framework"]["id"] == "http://data.europa.eu/snb/education-credit/6fcec5c5af"
            )
            assert credit["point"] == "7.5"
        assert (spec_of(document)["creditPoint"][0]["id"], f"{ELM}point", '"7.5"') in triples(
            document
        )

    def test_the_eqf_and_nqf_levels(self) -> None:
        document = elm_credential(full())
        assert spec_of(document)["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
        assert (
            spec_of(document)["id"],
            f"{ELM}EQFLevel",
            iri("http://data.europa.eu/snb/eqf/6"),
        ) in triples(document)
        # Without the country's NQF concept, the level is a note; with it, a concept.
        assert "National qualifications framework level: 6" in notes(spec_of(document))
        assert "nqfLevel" not in spec_of(document)
        qdr = "http://data.europa.eu/snb/qdr/c_example_level_6"
        with_concept = elm_credential(full(), nqf_levels={6: qdr})
        assert spec_of(with_concept)["nqfLevel"]["id"] == qdr
        assert not any("National qualifications" in n for n in notes(spec_of(with_concept)))
        assert (spec_of(with_concept)["id"], f"{ELM}NQFLevel", iri(qdr)) in triples(with_concept)

    def test_the_type_of_assessment_and_the_assessment_itself(self) -> None:
        document = elm_credential(full())
        (specified,) = spec_of(document)["provenBy"]
        assert specified["type"] == "LearningAssessmentSpecification"
        assert specified["title"] == {"en": "Written examination"}
        (assessment,) = claim(document)["provenBy"]
        assert assessment["type"] == "LearningAssessment"
        assert assessment["title"] == {"en": "Proctored written exam"}
        assert assessment["grade"]["noteLiteral"] == {"en": "B+"}
        assert "Result: pass" in notes(assessment)
        assert assessment["dateIssued"] == "2026-06-12T00:00:00Z"
        assert assessment["specifiedBy"] == specified
        found = triples(document)
        assert (claim(document)["id"], f"{ELM}provenBy", iri(assessment["id"])) in found
        assert (assessment["id"], f"{ELM}grade", iri(assessment["grade"]["id"])) in found

    def test_without_a_grade_the_result_is_the_grade(self) -> None:
        facts = full(assessment=assessed(grade=None))
        (assessment,) = claim(elm_credential(facts))["provenBy"]
        assert assessment["grade"]["noteLiteral"] == {"en": "pass"}
        assert "additionalNote" not in assessment

    @pytest.mark.parametrize(
        ("form", "concept"),
        [
            ("online", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"),
            ("onsite", "http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
            ("blended", "http://data.europa.eu/snb/learning-assessment/e92d221e4d"),
        ],
    )
    def test_the_form_of_participation(self, form: str, concept: str) -> None:
        document = elm_credential(full(participation_form=form))
        assert [m["id"] for m in spec_of(document)["mode"]] == [concept]
        assert (spec_of(document)["id"], f"{ELM}mode", iri(concept)) in triples(document)

    def test_the_type_of_quality_assurance(self) -> None:
        document = elm_credential(minimal())
        assert notes(spec_of(document)) == [
            "Type of quality assurance: Programme validated by QQI",
            "Field of education: Data analysis",
        ]

    def test_the_prerequisites(self) -> None:
        entry = spec_of(elm_credential(full()))["entryRequirement"]
        assert entry["type"] == "Note"
        assert entry["noteLiteral"] == {"en": "Leaving Certificate mathematics"}

    def test_supervision_and_identity_verification(self) -> None:
        document = elm_credential(full())
        assert (
            "Supervision and identity verification during assessment: supervised, with "
            "identity verification"
        ) in notes(spec_of(document))
        (assessment,) = claim(document)["provenBy"]
        assert assessment["idVerification"]["id"] == (
            "http://data.europa.eu/snb/supervision-verification/c598449d64"
        )
        checked = full(
            assessment=assessed(
                supervision="supervised_with_id_check",
                identity_verified=True,
            )
        )
        (assessment,) = claim(elm_credential(checked))["provenBy"]
        assert "idVerification" not in assessment
        assert (
            "Supervision and identity verification: supervised, with identity verification, "
            "identity verified"
        ) in notes(assessment)

    def test_the_assessment_setting(self) -> None:
        (specified,) = spec_of(elm_credential(full()))["provenBy"]
        assert [m["id"] for m in specified["mode"]] == [
            "http://data.europa.eu/snb/learning-assessment/9191af2ed9"
        ]

    def test_stackability_and_further_information(self) -> None:
        found = notes(spec_of(elm_credential(full())))
        assert (
            "Integration and stackability options: Stackable towards the Level 8 Certificate "
            "in Data Science"
        ) in found
        assert "Further information: https://acme.example.ie/courses/spreadsheets" in found

    def test_the_language(self) -> None:
        document = elm_credential(full(language="ga", title="Anailís sonraí"))
        irish = "http://publications.europa.eu/resource/authority/language/GLE"
        assert [c["id"] for c in spec_of(document)["language"]] == [irish]
        assert document["displayParameter"]["primaryLanguage"]["id"] == irish
        assert claim(document)["title"] == {"ga": "Anailís sonraí"}
        assert (claim(document)["id"], f"{DC}title", literal("Anailís sonraí", "ga")) in triples(
            document
        )

    def test_the_field_of_education_as_an_isced_f_concept(self) -> None:
        (field,) = spec_of(elm_credential(full()))["thematicArea"]
        assert field["id"] == "http://data.europa.eu/snb/isced-f/0688"
        assert field["inScheme"]["id"] == "http://data.europa.eu/snb/isced-f/25831c2"

    def test_the_expiry(self) -> None:
        document = elm_credential(full())
        assert document["expirationDate"] == "2031-06-30T00:00:00Z"
        assert (
            document["id"],
            f"{CRED}expirationDate",
            '"2031-06-30T00:00:00Z"^^<' + XSD_DATETIME + ">",
        ) in triples(document)


def _notes_mention(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda document: any(text in note for note in notes(spec_of(document)))


WHERE: dict[str, Callable[[dict[str, Any]], bool]] = {
    "award_id": lambda d: d["id"] == f"urn:uuid:{AWARD}",
    "learner_record_id": lambda d: d["credentialSubject"]["id"] == f"urn:uuid:{LEARNER}",
    "micro_credential_id": lambda d: spec_of(d)["id"] == f"urn:uuid:{MICRO_CREDENTIAL}",
    "issuer": lambda d: d["issuer"]["id"] == issuer().did,
    "title": lambda d: claim(d)["title"] == {"en": full().title},
    "learning_outcomes": lambda d: len(spec_of(d)["learningOutcome"]) == 2,
    "esco_skills": lambda d: "relatedESCOSkill" in spec_of(d)["learningOutcome"][0],
    "workload_ects": lambda d: spec_of(d)["creditPoint"][0]["point"] == "7.5",
    "assessment_type": lambda d: spec_of(d)["provenBy"][0]["title"]["en"] == "Written examination",
    "participation_form": lambda d: spec_of(d)["mode"][0]["prefLabel"] == {"en": "Online"},
    "quality_assurance": _notes_mention("Programme validated by QQI"),
    "field_of_study": lambda d: spec_of(d)["thematicArea"][0]["id"].endswith("/isced-f/0688"),
    "issued_on": lambda d: d["issuanceDate"] == "2026-06-30T00:00:00Z",
    "nqf_level": _notes_mention("National qualifications framework level: 6"),
    "eqf_level": lambda d: spec_of(d)["eqfLevel"]["id"].endswith("/eqf/6"),
    "prerequisites": lambda d: "entryRequirement" in spec_of(d),
    "supervision": _notes_mention("supervised, with identity verification"),
    "assessment_setting": lambda d: "mode" in spec_of(d)["provenBy"][0],
    "stackability": _notes_mention("Stackable towards"),
    "further_information": _notes_mention("Further information: https://"),
    "language": lambda d: spec_of(d)["language"][0]["id"].endswith("/language/ENG"),
    "expires_on": lambda d: d["expirationDate"] == "2031-06-30T00:00:00Z",
    "assessment": lambda d: claim(d)["provenBy"][0]["type"] == "LearningAssessment",
    "description": lambda d: claim(d)["description"] == {"en": full().description},
}
"""Where each of the facts is in the export (``full()``)."""

NOT_EXPORTED = {"route", "components", "imported_from", "verification_url"}
"""Facts ELM 3 has no confirmed property for (see the module's docstring)."""


class TestEveryFact:
    def test_every_field_of_the_facts_is_exported_or_knowingly_left_out(self) -> None:
        assert {f.name for f in fields(AwardFacts)} == set(WHERE) | NOT_EXPORTED
        assert not set(WHERE) & NOT_EXPORTED

    @pytest.mark.parametrize("name", sorted(WHERE))
    def test_each_exported_fact_is_where_elm_puts_it(self, name: str) -> None:
        assert WHERE[name](elm_credential(full()))


class TestNoPersonalData:
    PERSONAL = {
        "fullName",
        "givenName",
        "familyName",
        "birthName",
        "patronymicName",
        "dateOfBirth",
        "placeOfBirth",
        "nationalID",
        "citizenshipCountry",
        "gender",
        "emailAddress",
        "contactPoint",
        "phone",
        "identifier",
    }
    """The EDC context's terms for a person's personal data."""

    def test_the_subject_is_the_pseudonymous_record_id_and_its_claim_only(self) -> None:
        subject = elm_credential(full())["credentialSubject"]
        assert set(subject) == {"id", "type", "hasClaim"}
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", subject["id"])

    def test_in_rdf_the_person_has_a_type_and_a_claim_and_nothing_else(self) -> None:
        subject = f"urn:uuid:{LEARNER}"
        found = triples(elm_credential(full()))
        assert {p for s, p, _ in found if s == subject} == {RDF_TYPE, f"{ELM}hasClaim"}

    def test_no_personal_data_term_anywhere(self) -> None:
        keys = {key for key, _ in walk(elm_credential(full()))}
        assert not keys & self.PERSONAL

    def test_the_learners_name_is_never_written(self) -> None:
        # Even a provider that put the learner's name where an element is expected could
        # not make the export name the learner: the subject carries no text at all.
        text = json.dumps(elm_credential(full()), ensure_ascii=False)
        assert LEARNER_NAME not in text
        assert text.count(str(LEARNER)) == 1


DATE_TERMS = {"issuanceDate", "issued", "validFrom", "expirationDate", "awardingDate", "dateIssued"}


class TestValues:
    def test_an_awkward_title_survives_as_json_and_as_rdf(self) -> None:
        document = elm_credential(full(title=AWKWARD))
        assert claim(document)["title"] == {"en": AWKWARD}
        assert json.loads(json.dumps(document, ensure_ascii=False))["displayParameter"][
            "title"
        ] == {"en": AWKWARD}
        assert (claim(document)["id"], f"{DC}title", literal(AWKWARD)) in triples(document)

    @settings(max_examples=40, deadline=None)
    @given(
        title=st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
        )
    )
    def test_any_title_survives_the_rdf_unchanged(self, title: str) -> None:
        document = elm_credential(full(title=title))
        assert (claim(document)["id"], f"{DC}title", literal(title)) in triples(document)

    def test_a_regional_language_tag_names_its_language(self) -> None:
        document = elm_credential(full(language="en-IE"))
        assert claim(document)["title"] == {"en": full().title}
        assert spec_of(document)["language"][0]["id"].endswith("/language/ENG")

    @pytest.mark.parametrize(
        ("ects", "point"),
        [
            (Decimal("5.0"), "5"),
            (Decimal(30), "30"),
            (Decimal("1E+1"), "10"),
            (Decimal("7.50"), "7.5"),
        ],
    )
    def test_whole_numbers_are_written_whole(self, ects: Decimal, point: str) -> None:
        # ELM types ``point`` xsd:string: the number as a decimal string, never "5.0".
        document = elm_credential(full(workload_ects=ects))
        assert spec_of(document)["creditPoint"][0]["point"] == point
        assert spec_of(document)["eqfLevel"]["id"].endswith("/eqf/6")

    def test_no_number_in_the_document_is_a_float(self) -> None:
        for key, value in walk(elm_credential(full())):
            assert not isinstance(value, float), key

    def test_every_date_is_an_xsd_date_time_in_utc(self) -> None:
        document = elm_credential(full())
        dated = {key: value for key, value in walk(document) if key in DATE_TERMS}
        assert set(dated) == DATE_TERMS
        for value in dated.values():
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", value)
        typed = [o for _, p, o in triples(document) if o.startswith('"20')]
        assert typed and all(o.endswith(f"^^<{XSD_DATETIME}>") for o in typed)


class TestOptionalElementsAbsentWhenAbsent:
    def test_none_of_the_optional_elements(self) -> None:
        document = elm_credential(minimal())
        assert "expirationDate" not in document
        achievement = claim(document)
        assert "provenBy" not in achievement
        assert "description" not in achievement
        spec = spec_of(document)
        for absent in (
            "eqfLevel",
            "nqfLevel",
            "entryRequirement",
            "language",
            "thematicArea",
            "description",
        ):
            assert absent not in spec, absent
        (specified,) = spec["provenBy"]
        assert "mode" not in specified
        assert "homepage" not in document["issuer"]
        assert all("relatedESCOSkill" not in o for o in spec["learningOutcome"])

    def test_no_language_writes_english_texts_and_names_no_language_of_instruction(self) -> None:
        document = elm_credential(minimal())
        assert claim(document)["title"] == {"en": "Spreadsheet analytics"}
        assert "language" not in spec_of(document)


class TestCodes:
    @pytest.mark.parametrize("alpha_2", sorted(EU_EEA_COUNTRIES))
    def test_each_eu_and_eea_country_is_its_iso_alpha_3(self, alpha_2: str) -> None:
        alpha_3, name = EU_EEA_COUNTRIES[alpha_2]
        country = pycountry.countries.get(alpha_2=alpha_2)
        assert country is not None
        assert alpha_3 == country.alpha_3
        document = elm_credential(full(issuer=issuer(country_code=alpha_2)))
        code = document["issuer"]["location"][0]["address"][0]["countryCode"]
        assert code["id"] == f"http://publications.europa.eu/resource/authority/country/{alpha_3}"
        assert code["prefLabel"] == {"en": name}

    def test_the_table_is_the_27_eu_states_and_the_3_eea_states(self) -> None:
        assert len(EU_EEA_COUNTRIES) == 30
        assert {"IS", "LI", "NO"} < set(EU_EEA_COUNTRIES)
        assert "EL" not in EU_EEA_COUNTRIES
        assert "GB" not in EU_EEA_COUNTRIES

    @pytest.mark.parametrize("alpha_2", sorted(EU_EEA_LANGUAGES))
    def test_each_language_is_its_iso_639_2_t_code(self, alpha_2: str) -> None:
        language = pycountry.languages.get(alpha_2=alpha_2)
        assert language is not None
        assert EU_EEA_LANGUAGES[alpha_2][0] == language.alpha_3.upper()

    def test_a_country_outside_the_eu_and_eea_is_refused(self) -> None:
        with pytest.raises(ElmExportError, match="not an EU or EEA state"):
            elm_credential(full(issuer=issuer(country_code="US")))

    def test_a_language_outside_the_tables_is_refused(self) -> None:
        with pytest.raises(ElmExportError, match="not an official EU or EEA language"):
            elm_credential(full(language="ar"))

    def test_a_participation_form_outside_the_vocabulary_is_refused(self) -> None:
        with pytest.raises(ElmExportError, match="form of participation"):
            elm_credential(full(participation_form="correspondence"))


class TestThePinnedContexts:
    @pytest.mark.parametrize("name", sorted(PINNED))
    def test_each_has_its_pinned_digest(self, name: str) -> None:
        assert hashlib.sha256((ELM_DIR / name).read_bytes()).hexdigest() == PINNED[name]

    def test_every_file_is_pinned_and_named_in_the_sources(self) -> None:
        shipped = {path.name for path in ELM_DIR.iterdir() if path.name != "SOURCES.md"}
        assert shipped == set(PINNED)
        sources = (ELM_DIR / "SOURCES.md").read_text(encoding="utf-8")
        for name in PINNED:
            assert f"`{name}`" in sources

    def test_the_edc_context_names_the_elm_3_vocabulary(self) -> None:
        context = json.loads((ELM_DIR / "edc-ap-context-3.jsonld").read_text(encoding="utf-8"))
        terms = context["@context"]
        assert terms["elm"] == ELM
        assert terms["provenBy"] == {"@id": "elm:provenBy", "@type": "@id"}
        assert terms["credentialProfiles"] == {"@id": "elm:credentialProfiles", "@type": "@id"}
        assert terms["title"] == {"@id": "dc:title", "@container": "@language"}
