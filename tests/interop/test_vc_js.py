"""Credentials the ledger signs (``eddsa-rdfc-2022``) are verified by an implementation no
one here wrote: Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite and
@digitalbazaar/vc-bitstring-status-list, pinned by tests/interop/vc_js/package-lock.json,
with the standard contexts from the npm context packages rather than our bundle
(tests/interop/vc_js.py)."""

from __future__ import annotations

import base64
import copy
import gzip
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials.canonical import ControlCharacterError
from ledger.credentials.data_integrity import create_proof, verify_proof
from ledger.infrastructure.did_web import public_key_multibase
from tests.interop.vc_js import js_verify

ISSUER = "did:web:ledger.example:providers:ABC"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_LIST_URL = "https://ledger.example/status/revocation/1"
STATUS_LIST_BITS = 131_072
SIGNED_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

AWKWARD_TITLE = (
    # \U0001d518\U0001d52b\U0001d526: Fraktur "Uni", letters outside the BMP.
    'Data "Science" \\ l\'analyse \U0001d518\U0001d52b\U0001d526 🎓🇪🇺 e\u0301 n\u0303 '
    "العربية עברית \u2028 <b>&amp;</b> & < > \u00a0 \u200b \ufeff end"
)
"""Quotes, a backslash, non-BMP letters and emoji (a flag is two of them), combining marks,
right-to-left text, U+2028 (a line separator that is not a control character), markup
characters and invisible spaces: all legal, all awkward for an N-Quads writer. Control
characters other than tab and line breaks are refused by our canonicalizer, so are not
here."""


class Issuer:
    """A provider with a fresh Ed25519 key, its did:web document, and a signing call."""

    def __init__(self, did: str = ISSUER) -> None:
        self.did = did
        self.key = Ed25519PrivateKey.generate()
        self.multikey = public_key_multibase(self.key.public_key())
        self.verification_method = f"{did}#{self.multikey}"

    def did_document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": [
                {
                    "id": self.verification_method,
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": self.multikey,
                }
            ],
            "assertionMethod": [self.verification_method],
        }

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return create_proof(
            document,
            private_key=self.key,
            verification_method=self.verification_method,
            created=SIGNED_AT,
        )


def micro_credential(
    issuer: str = ISSUER, title: str = "Data Analysis with Python"
) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:3f1c5f4e-8a3b-4c1e-9a57-6c9f0e2d1b4a",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Academy"},
        "validFrom": "2026-01-15T09:00:00Z",
        "name": title,
        "credentialSubject": {
            "id": "did:example:learner-7",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://ledger.example/achievements/ABC-DA-101",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": title,
                "description": "Cleaning, exploring and presenting tabular data.",
                "criteria": {"narrative": "Passed the final project and an oral examination."},
            },
        },
    }


def with_status(credential: dict[str, Any], index: int) -> dict[str, Any]:
    credential = copy.deepcopy(credential)
    credential["credentialStatus"] = {
        "id": f"{STATUS_LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": STATUS_LIST_URL,
    }
    return credential


def encoded_list(set_bits: set[int], length: int = STATUS_LIST_BITS) -> str:
    """Bitstring Status List v1.0: multibase base64url (``u``, no padding) of the GZIP of the
    bitstring, index 0 being the left-most (most significant) bit of the first byte."""
    bits = bytearray(length // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode("ascii")
    return "u" + packed.rstrip("=")


def status_list_credential(issuer: str, set_bits: set[int]) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": STATUS_LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{STATUS_LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(set_bits),
        },
    }


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def test_a_micro_credential_the_ledger_signs_verifies_in_the_javascript_verifier(
    issuer: Issuer,
) -> None:
    signed = issuer.sign(micro_credential())
    assert verify_proof(signed, issuer.key.public_key())

    answer = js_verify(signed, {issuer.did: issuer.did_document()})

    assert answer == {
        "verified": True,
        "status": {"checked": False, "verified": None, "revoked": None},
        "errors": [],
    }


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("the achievement's name", lambda c: c["credentialSubject"]["achievement"].update(name="")),
        ("the learner", lambda c: c["credentialSubject"].update(id="did:example:someone-else")),
        ("the valid-from date", lambda c: c.update(validFrom="2025-01-15T09:00:00Z")),
        ("the proof's creation time", lambda c: c["proof"].update(created="2026-01-15T09:31:00Z")),
    ],
)
def test_a_signed_credential_with_one_field_changed_fails_in_the_javascript_verifier(
    issuer: Issuer, what: str, change: Any
) -> None:
    tampered = issuer.sign(micro_credential())
    change(tampered)

    answer = js_verify(tampered, {issuer.did: issuer.did_document()})

    assert answer["verified"] is False, what
    assert answer["errors"], what


def test_a_credential_signed_by_a_key_the_issuer_does_not_list_fails(issuer: Issuer) -> None:
    impostor = Issuer()
    signed = impostor.sign(micro_credential())
    # The issuer's DID document, but the impostor's key named in the proof.
    answer = js_verify(signed, {issuer.did: issuer.did_document()})

    assert answer["verified"] is False
    assert answer["errors"]


def test_a_credential_whose_issuer_is_not_the_keys_controller_fails(issuer: Issuer) -> None:
    # Signed with a key ABC controls, but naming XYZ as the issuer: the verifier requires the
    # issuer to be the verification method's controller.
    signed = issuer.sign(micro_credential(issuer="did:web:ledger.example:providers:XYZ"))

    answer = js_verify(signed, {issuer.did: issuer.did_document()})

    assert answer["verified"] is False
    assert any("issuer must match" in error for error in answer["errors"])


def test_a_title_with_every_awkward_legal_character_verifies_in_the_javascript_verifier(
    issuer: Issuer,
) -> None:
    signed = issuer.sign(micro_credential(title=AWKWARD_TITLE))
    assert signed["credentialSubject"]["achievement"]["name"] == AWKWARD_TITLE

    answer = js_verify(signed, {issuer.did: issuer.did_document()})

    assert answer["verified"] is True, answer["errors"]


def test_prose_laid_out_with_tabs_and_line_breaks_verifies_in_javascript(issuer: Issuer) -> None:
    # The three layout characters the domain accepts in free text: pyld escapes them as
    # RDFC-1.0 and rdf-canonize do, so the signature holds in both.
    credential = micro_credential()
    narrative = "Passed:\n\t- the project\r\n\t- the oral examination"
    credential["credentialSubject"]["achievement"]["criteria"]["narrative"] = narrative
    signed = issuer.sign(credential)

    answer = js_verify(signed, {issuer.did: issuer.did_document()})

    assert answer["verified"] is True, answer["errors"]
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["achievement"]["criteria"]["narrative"] = narrative.replace(
        "\r\n", "\n"
    )
    assert js_verify(forged, {issuer.did: issuer.did_document()})["verified"] is False


@pytest.mark.parametrize("control", ["\x00", "\x08", "\x0b", "\x0c", "\x1b", "\x7f"])
def test_a_title_with_a_control_character_is_refused_before_it_is_signed(
    issuer: Issuer, control: str
) -> None:
    with pytest.raises(ControlCharacterError):
        issuer.sign(micro_credential(title=f"Data{control}Analysis"))


@pytest.mark.parametrize(
    ("index", "set_bits", "revoked"),
    [
        (0, set(), False),
        (0, {0}, True),
        (0, {1, 7, 8}, False),
        (94_567, {94_567}, True),
        (94_567, {94_566, 94_568}, False),
        (STATUS_LIST_BITS - 1, {STATUS_LIST_BITS - 1}, True),
    ],
)
def test_the_javascript_verifier_reads_the_revocation_bit_of_a_status_list_the_issuer_signed(
    issuer: Issuer, index: int, set_bits: set[int], revoked: bool
) -> None:
    signed = issuer.sign(with_status(micro_credential(), index))
    status_list = issuer.sign(status_list_credential(ISSUER, set_bits))

    answer = js_verify(signed, {issuer.did: issuer.did_document(), STATUS_LIST_URL: status_list})

    # As @digitalbazaar/vc answers: the credential verifies even when revoked; the bit is
    # reported with the status.
    assert answer == {
        "verified": True,
        "status": {"checked": True, "verified": True, "revoked": revoked},
        "errors": [],
    }


def test_a_status_list_whose_proof_does_not_verify_fails_the_credential(issuer: Issuer) -> None:
    signed = issuer.sign(with_status(micro_credential(), 0))
    status_list = issuer.sign(status_list_credential(ISSUER, set()))
    # Whoever serves the list clears a bit they do not own: the list's proof no longer holds.
    status_list["credentialSubject"]["encodedList"] = encoded_list({5})

    answer = js_verify(signed, {issuer.did: issuer.did_document(), STATUS_LIST_URL: status_list})

    assert answer["verified"] is False
    assert answer["status"] == {"checked": True, "verified": False, "revoked": None}
    assert any("BitstringStatusListCredential" in error for error in answer["errors"])


def test_a_status_list_signed_by_another_issuer_fails_the_credential(issuer: Issuer) -> None:
    other = Issuer("did:web:ledger.example:providers:XYZ")
    signed = issuer.sign(with_status(micro_credential(), 0))
    status_list = other.sign(status_list_credential(other.did, set()))

    answer = js_verify(
        signed,
        {
            issuer.did: issuer.did_document(),
            other.did: other.did_document(),
            STATUS_LIST_URL: status_list,
        },
    )

    assert answer["verified"] is False
    assert answer["status"]["verified"] is False
    assert any("Issuers" in error for error in answer["errors"])


def test_the_javascript_verifier_loads_nothing_it_was_not_given(issuer: Issuer) -> None:
    signed = issuer.sign(micro_credential())

    answer = js_verify(signed, {})

    assert answer["verified"] is False
    assert any(ISSUER in error for error in answer["errors"])
