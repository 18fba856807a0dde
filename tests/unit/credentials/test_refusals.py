"""What cannot be signed faithfully is refused, never passed over: an undefined term, an
unbundled context, a control character, or input over the documented bounds."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials.canonical import (
    MAX_BLANK_NODES,
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    CanonicalizationError,
    ControlCharacterError,
    DocumentTooLargeError,
    UndefinedTermError,
    canonical_nquads,
)
from ledger.credentials.data_integrity import create_proof, verify_proof
from ledger.credentials.documents import UnknownDocumentError
from tests.unit.credentials.test_round_trips import AWARD, KEY, METHOD, signed

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def award() -> dict[str, Any]:
    return copy.deepcopy(AWARD)


def sign(document: dict[str, Any]) -> dict[str, Any]:
    return create_proof(
        document,
        private_key=KEY,
        verification_method=METHOD,
        created=datetime(2026, 12, 2, tzinfo=UTC),
    )


def test_a_property_no_context_defines_is_an_error_never_dropped() -> None:
    document = award()
    document["credentialSubject"]["ectsCredits"] = 5
    with pytest.raises(UndefinedTermError, match="'ectsCredits'"):
        canonical_nquads(document)
    with pytest.raises(UndefinedTermError):
        sign(document)


def test_an_undefined_term_added_to_a_signed_award_is_refused_not_ignored() -> None:
    # Dropped, the term would leave the signature valid over a document that says more.
    secured = signed()
    secured["credentialSubject"]["grade"] = "A"
    with pytest.raises(UndefinedTermError, match="'grade'"):
        verify_proof(secured, KEY.public_key())


def test_a_type_no_context_defines_is_an_error() -> None:
    document = award()
    document["type"] = ["VerifiableCredential", "OpenBadgeCredential", "EuropassCredential"]
    with pytest.raises(UndefinedTermError, match="'EuropassCredential'"):
        canonical_nquads(document)


def test_a_property_defined_as_a_blank_node_is_an_error() -> None:
    document = award()
    document["@context"] = [*document["@context"], {"secretNote": "_:note"}]
    document["secretNote"] = "not signed"
    with pytest.raises(UndefinedTermError, match="_:note"):
        canonical_nquads(document)


def test_a_relative_id_is_an_error() -> None:
    document = award()
    document["credentialSubject"]["achievement"]["id"] = "achievements/42"
    with pytest.raises(UndefinedTermError, match="achievements/42"):
        canonical_nquads(document)


@pytest.mark.parametrize(
    "context",
    [
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/examples/v2",
        "https://attacker.example/context.json",
    ],
)
def test_an_unbundled_context_url_is_refused(context: str) -> None:
    document = award()
    document["@context"] = [VC_V2, context]
    with pytest.raises(UnknownDocumentError, match="not one of the bundled contexts"):
        canonical_nquads(document)
    secured = signed()
    secured["@context"] = [*secured["@context"], context]
    with pytest.raises(UnknownDocumentError):
        verify_proof(secured, KEY.public_key())


@pytest.mark.parametrize("context", ["context.json", "/context.json", "//attacker.example/c"])
def test_a_relative_context_url_is_refused(context: str) -> None:
    document = award()
    document["@context"] = [VC_V2, context]
    with pytest.raises(CanonicalizationError, match="not valid JSON-LD"):
        canonical_nquads(document)


def test_an_unknown_context_is_a_value_error() -> None:
    assert issubclass(UnknownDocumentError, ValueError)
    assert issubclass(CanonicalizationError, ValueError)


@pytest.mark.parametrize("code", [*(c for c in range(0x20) if chr(c) not in "\t\n\r"), 0x7F])
def test_a_control_character_is_refused(code: int) -> None:
    document = award()
    document["name"] = f"Data{chr(code)}Stewardship"
    with pytest.raises(ControlCharacterError, match=f"U\\+{code:04X}"):
        canonical_nquads(document)


def test_a_control_character_in_a_key_or_deep_value_is_refused() -> None:
    document = award()
    document["credentialSubject"]["achievement"]["criteria"]["narrative"] = "line\x0bbreak"
    with pytest.raises(ControlCharacterError):
        canonical_nquads(document)
    document = award()
    document["issuer"]["na\tme"] = "x"
    with pytest.raises(ControlCharacterError):
        canonical_nquads(document)


def test_tabs_and_line_breaks_in_a_value_are_accepted_and_escaped_as_rdfc_1_0_does() -> None:
    document = award()
    document["credentialSubject"]["achievement"]["criteria"]["narrative"] = "a\tb\nc\r\nd"
    assert '"a\\tb\\nc\\r\\nd"' in canonical_nquads(document)


@pytest.mark.parametrize("text", ["urn:uuid:1\n", "https://a.example/b c", "urn:x<y>"])
def test_an_id_that_is_not_an_iri_is_refused(text: str) -> None:
    document = award()
    document["credentialSubject"]["id"] = text
    with pytest.raises(UndefinedTermError, match="not an IRI"):
        canonical_nquads(document)


def test_other_awkward_characters_are_accepted() -> None:
    document = award()
    document["name"] = '\u0080\u00a0\u2028\u2029\ufeff\U0001f393 "\\ <>'
    assert verify_proof(sign(document), KEY.public_key())


def test_a_document_over_the_size_bound_is_refused() -> None:
    document = award()
    document["description"] = "x" * MAX_DOCUMENT_BYTES
    with pytest.raises(DocumentTooLargeError, match="bytes of JSON"):
        canonical_nquads(document)


def test_a_document_nested_over_the_depth_bound_is_refused() -> None:
    document = award()
    nested: dict[str, Any] = {"narrative": "deep"}
    for _ in range(MAX_DEPTH):
        nested = {"narrative": "level", "criteria": nested}
    document["credentialSubject"]["achievement"]["criteria"] = nested
    with pytest.raises(DocumentTooLargeError, match="deeper than"):
        canonical_nquads(document)


def test_a_document_with_too_many_blank_nodes_is_refused() -> None:
    document = award()
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": f"t{i}", "targetUrl": "https://example.org/t"}
        for i in range(MAX_BLANK_NODES + 1)
    ]
    with pytest.raises(DocumentTooLargeError, match="blank nodes"):
        canonical_nquads(document)


def test_a_document_that_is_not_json_is_refused() -> None:
    document = award()
    document["validFrom"] = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(CanonicalizationError, match="not JSON"):
        canonical_nquads(document)


def test_invalid_json_ld_is_a_canonicalization_error() -> None:
    document = award()
    document["@context"] = [VC_V2, {"@version": 2.0}]
    with pytest.raises(CanonicalizationError, match="not valid JSON-LD"):
        canonical_nquads(document)


def test_a_key_of_the_wrong_kind_is_not_confused() -> None:
    other = Ed25519PrivateKey.generate()
    assert verify_proof(signed(), other.public_key()) is False
