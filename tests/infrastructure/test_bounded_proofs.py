"""A proof of an untrusted document is checked in a child process with a time bound: a
hostile graph is refused within about a second, and a good proof still verifies."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.credentials.data_integrity import create_proof
from ledger.infrastructure.bounded_proofs import BoundedProofChecker, ProofOutcome

VC_V2 = "https://www.w3.org/ns/credentials/v2"
P = "http://example.com/p"


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def credential(**subject: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": "urn:uuid:3f1c5f4e-8a3b-4c1e-9a57-6c9f0e2d1b4a",
        "type": ["VerifiableCredential"],
        "issuer": "did:web:ledger.example:providers:SETU",
        "validFrom": "2026-01-15T09:00:00Z",
        "credentialSubject": {"id": "urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", **subject},
    }


def poison_graph(nodes: int = 10) -> list[dict[str, Any]]:
    """rdf-canon test074's shape: every one of ten blank nodes linked to every one."""
    return [{"@id": f"_:e{i}", P: [{"@id": f"_:e{j}"} for j in range(nodes)]} for i in range(nodes)]


@pytest.fixture(scope="module")
def checker() -> BoundedProofChecker:
    return BoundedProofChecker()


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    return create_proof(
        document,
        private_key=key,
        verification_method="did:web:ledger.example:providers:SETU#key",
        created=datetime(2026, 1, 15, tzinfo=UTC),
    )


def test_a_good_proof_is_valid_and_a_changed_document_is_not(
    checker: BoundedProofChecker, key: Ed25519PrivateKey
) -> None:
    signed = sign(credential(), key)
    assert checker.check(signed, raw(key)).outcome is ProofOutcome.VALID
    changed = copy.deepcopy(signed)
    changed["validFrom"] = "2026-01-16T09:00:00Z"
    assert checker.check(changed, raw(key)).outcome is ProofOutcome.INVALID
    other = Ed25519PrivateKey.generate()
    assert checker.check(signed, raw(other)).outcome is ProofOutcome.INVALID


def test_a_document_that_cannot_be_canonicalized_is_unreadable(
    checker: BoundedProofChecker, key: Ed25519PrivateKey
) -> None:
    signed = sign(credential(), key)
    signed["undefinedTerm"] = "would go unsigned"
    found = checker.check(signed, raw(key))
    assert found.outcome is ProofOutcome.UNREADABLE
    assert "undefinedTerm" in found.detail


def test_the_poison_graph_is_refused_within_the_bound(
    checker: BoundedProofChecker, key: Ed25519PrivateKey
) -> None:
    hostile = credential(**{P: poison_graph()})
    # A well-formed proof (of another document), so that canonicalization is reached.
    hostile["proof"] = sign(credential(), key)["proof"]
    checker.check(credential(), raw(key))  # the fork server is up
    started = time.monotonic()

    found = checker.check(hostile, raw(key))

    elapsed = time.monotonic() - started
    assert found.outcome is ProofOutcome.TOO_COSTLY, found
    assert elapsed < 3, elapsed
