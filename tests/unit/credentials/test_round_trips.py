"""Signing then verifying an Open Badges 3.0 award: any change, another key or a damaged
proof value fails, and a damaged proof is False, never an exception."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials.data_integrity import ProofError, create_proof, verify_proof

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
METHOD = "did:web:ledger.example.gov:providers:P1#z6MkExample"
CREATED = datetime(2026, 12, 2, 14, 0, 0, tzinfo=UTC)

AWARD: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:6f1c2a57-3b7e-4c8e-9a55-0d6c1b2e8f10",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "did:web:ledger.example.gov:providers:P1",
        "type": ["Profile"],
        "name": 'Hochschule Beispiel \u00e9\u00df\u4e2d \U0001f393 "quoted" back\\slash',
    },
    "validFrom": "2026-12-01T00:00:00Z",
    "name": "Data Stewardship",
    "credentialSubject": {
        "id": "did:example:learner-1",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://ledger.example.gov/achievements/data-stewardship",
            "type": ["Achievement"],
            "achievementType": "MicroCredential",
            "criteria": {"narrative": "Passed the assessed project."},
            "description": "Keeps research data findable and reusable.",
            "name": "Data Stewardship",
        },
    },
}


def signed() -> dict[str, Any]:
    return create_proof(AWARD, private_key=KEY, verification_method=METHOD, created=CREATED)


def test_a_signed_award_verifies_with_its_key() -> None:
    award = signed()
    assert award["proof"]["type"] == "DataIntegrityProof"
    assert award["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert award["proof"]["created"] == "2026-12-02T14:00:00Z"
    assert award["proof"]["proofPurpose"] == "assertionMethod"
    assert "@context" not in award["proof"]
    assert verify_proof(award, KEY.public_key())


def test_signing_leaves_the_input_unchanged_and_is_deterministic() -> None:
    before = copy.deepcopy(AWARD)
    assert signed() == signed()
    assert before == AWARD


def test_created_is_written_in_utc_and_must_be_timezone_aware() -> None:
    later = CREATED.astimezone(timezone(timedelta(hours=2)))
    award = create_proof(AWARD, private_key=KEY, verification_method=METHOD, created=later)
    assert award["proof"]["created"] == "2026-12-02T14:00:00Z"
    with pytest.raises(ProofError, match="timezone-aware"):
        create_proof(
            AWARD, private_key=KEY, verification_method=METHOD, created=datetime(2026, 1, 1)
        )


def test_a_document_with_a_proof_is_not_signed_again() -> None:
    with pytest.raises(ProofError, match="already has a proof"):
        create_proof(signed(), private_key=KEY, verification_method=METHOD, created=CREATED)


CHANGES = {
    "the name": lambda d: d.__setitem__("name", "Data Stewardship!"),
    "the issuer's name": lambda d: d["issuer"].__setitem__("name", "Another"),
    "validFrom": lambda d: d.__setitem__("validFrom", "2026-12-01T00:00:01Z"),
    "a type": lambda d: d.__setitem__("type", ["VerifiableCredential"]),
    "the subject": lambda d: d["credentialSubject"].__setitem__("id", "did:example:other"),
    "the criteria": lambda d: d["credentialSubject"]["achievement"]["criteria"].__setitem__(
        "narrative", "Attended."
    ),
    "an added property": lambda d: d.__setitem__("description", "added after signing"),
    "a removed property": lambda d: d.pop("validFrom"),
    "the proof's created": lambda d: d["proof"].__setitem__("created", "2026-12-02T14:00:01Z"),
    "the proof's method": lambda d: d["proof"].__setitem__("verificationMethod", METHOD + "x"),
    "the proof's purpose": lambda d: d["proof"].__setitem__("proofPurpose", "authentication"),
    "the proof's cryptosuite": lambda d: d["proof"].__setitem__("cryptosuite", "eddsa-jcs-2022"),
    "the proof's type": lambda d: d["proof"].__setitem__("type", "Ed25519Signature2020"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changing_any_one_field_fails(change: str) -> None:
    award = signed()
    CHANGES[change](award)
    assert verify_proof(award, KEY.public_key()) is False


def test_another_key_fails() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    assert verify_proof(signed(), other.public_key()) is False


def _with_proof_value(value: Any) -> dict[str, Any]:
    award = signed()
    award["proof"]["proofValue"] = value
    return award


def _damaged_values() -> dict[str, Any]:
    good = signed()["proof"]["proofValue"]
    signature = base58.b58decode(good[1:])
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    return {
        "truncated": good[:-5],
        "one character": good[:-1] + ("1" if good[-1] != "1" else "2"),
        "a flipped bit": "z" + base58.b58encode(flipped).decode(),
        "not base58": good[:10] + "0OIl" + good[14:],
        "no multibase prefix": good[1:],
        "base64url prefix": "u" + good[1:],
        "65 bytes": "z" + base58.b58encode(signature + b"\x00").decode(),
        "empty": "",
        "just the prefix": "z",
        "a number": 12345,
        "null": None,
        "a list": [good],
    }


@pytest.mark.parametrize("damage", sorted(_damaged_values()))
def test_a_damaged_proof_value_is_false_without_an_exception(damage: str) -> None:
    assert verify_proof(_with_proof_value(_damaged_values()[damage]), KEY.public_key()) is False


MALFORMED_PROOFS: dict[str, Any] = {
    "missing": None,
    "a string": "zabc",
    "an empty object": {},
    "two proofs": "two",
    "an empty list": [],
    "no proofValue": "drop",
    "a proof property no context defines": "undefined",
    "a control character in the proof": "control",
    "a malformed created": "created",
}


@pytest.mark.parametrize("malformation", sorted(MALFORMED_PROOFS))
def test_a_malformed_proof_is_false_without_an_exception(malformation: str) -> None:
    award = signed()
    proof = award["proof"]
    how = MALFORMED_PROOFS[malformation]
    if how is None:
        award.pop("proof")
    elif how == "two":
        award["proof"] = [proof, proof]
    elif how == "drop":
        proof.pop("proofValue")
    elif how == "undefined":
        proof["nonce"] = "abc"
    elif how == "control":
        proof["verificationMethod"] = METHOD + "\x00"
    elif how == "created":
        proof["created"] = "yesterday"
    else:
        award["proof"] = how
    assert verify_proof(award, KEY.public_key()) is False


def test_a_proof_context_must_prefix_the_documents() -> None:
    award = signed()
    award["proof"]["@context"] = list(AWARD["@context"])
    assert verify_proof(award, KEY.public_key())
    award["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert verify_proof(award, KEY.public_key()) is False
    award["proof"]["@context"] = list(reversed(AWARD["@context"]))
    assert verify_proof(award, KEY.public_key()) is False


def test_a_proof_made_for_another_purpose_is_not_accepted_for_this_one() -> None:
    award = create_proof(
        AWARD,
        private_key=KEY,
        verification_method=METHOD,
        created=CREATED,
        proof_purpose="authentication",
    )
    assert verify_proof(award, KEY.public_key()) is False
    assert verify_proof(award, KEY.public_key(), proof_purpose="authentication")


@pytest.mark.parametrize(
    "created", ["2026-12-02T14:00:00", "2026-12-02", "2026-12-02T14:00:00+0200", "x"]
)
def test_a_created_that_is_no_datetimestamp_is_false(created: str) -> None:
    award = signed()
    award["proof"]["created"] = created
    assert verify_proof(award, KEY.public_key()) is False
