"""The Open Badges 3.0 specification's signed example, reproduced byte for byte.

The credential, key and intermediate values are those of the OB 3.0 Implementation Guide,
chapter "Linked Data Proof Test Vector for Open Badges 3.0" (1EdTech): its "Signed
credential" is copied below exactly (the vectors folder holds only its canonical forms,
``shared/vectors/ob3/document-canon.txt`` and ``proof-canon.txt``, read in place).
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.credentials.canonical import canonical_nquads
from ledger.credentials.data_integrity import create_proof, proof_configuration, verify_proof
from tests.unit.credentials.fixtures import vectors

PRIVATE_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
PUBLIC_KEY = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
DOCUMENT_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
PROOF_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
PROOF_VALUE = (
    "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
)
VERIFICATION_METHOD = (
    "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
)

SIGNED: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and "
                "recognized upon review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to "
            "collaborate within a group environment.",
            "name": "Teamwork",
        },
    },
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": VERIFICATION_METHOD,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": PROOF_VALUE,
    },
}


def unsigned() -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in SIGNED.items() if key != "proof"}


def canon(name: str) -> str:
    return (vectors() / "ob3" / name).read_text(encoding="utf-8")


def test_the_canonical_document_is_1edtechs_byte_for_byte() -> None:
    document = canonical_nquads(unsigned())
    assert document == canon("document-canon.txt")
    assert hashlib.sha256(document.encode()).hexdigest() == DOCUMENT_HASH


def test_the_canonical_proof_configuration_is_1edtechs_byte_for_byte() -> None:
    config = proof_configuration(unsigned(), SIGNED["proof"])
    proof = canonical_nquads(config)
    assert proof == canon("proof-canon.txt")
    assert hashlib.sha256(proof.encode()).hexdigest() == PROOF_HASH


def test_signing_with_the_specs_key_gives_its_proof_value() -> None:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(PRIVATE_SEED))
    signed = create_proof(
        unsigned(),
        private_key=private,
        verification_method=VERIFICATION_METHOD,
        created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC),
    )
    assert signed["proof"]["proofValue"] == PROOF_VALUE
    assert signed == SIGNED


def test_the_specs_signed_credential_verifies_as_an_object_and_as_an_array() -> None:
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(PUBLIC_KEY))
    assert verify_proof(SIGNED, public)
    # OB 3.0's JSON Schema wants `proof` as an array.
    assert verify_proof({**SIGNED, "proof": [SIGNED["proof"]]}, public)
