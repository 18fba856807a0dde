"""The W3C vc-di-eddsa ``eddsa-rdfc-2022`` test vectors, reproduced byte for byte.

Read in place from ``shared/vectors/vc-di-eddsa/TestVectors``: the unsigned credential,
the key pair, the proof options and every intermediate value the specification prints
(its section "Representation: eddsa-rdfc-2022"). The ``employ`` variant is not here: it
names the citizenship context (``https://w3id.org/citizenship/v4rc1``), which is not
bundled and no award uses.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base58

from ledger.credentials.canonical import canonical_nquads
from ledger.credentials.data_integrity import (
    create_proof,
    hash_data,
    proof_configuration,
    verify_proof,
)
from tests.unit.credentials.fixtures import eddsa_dir, examples_loader, read_json, w3c_key_pair


def suite() -> Path:
    return eddsa_dir() / "eddsa-rdfc-2022"


def text(name: str) -> str:
    return (suite() / name).read_text(encoding="utf-8")


def unsigned() -> dict[str, Any]:
    document: dict[str, Any] = read_json(eddsa_dir() / "unsigned.json")
    return document


def proof_options() -> dict[str, Any]:
    """The vectors' proof configuration without the ``@context`` the algorithm adds."""
    config: dict[str, Any] = read_json(suite() / "proofConfigDataInt.json")
    return {key: value for key, value in config.items() if key != "@context"}


def test_the_canonical_document_is_the_vectors_byte_for_byte() -> None:
    assert canonical_nquads(unsigned(), examples_loader()) == text("canonDocDataInt.txt")


def test_the_proof_configuration_takes_the_documents_context() -> None:
    assert proof_configuration(unsigned(), proof_options()) == read_json(
        suite() / "proofConfigDataInt.json"
    )


def test_the_canonical_proof_configuration_is_the_vectors_byte_for_byte() -> None:
    config = proof_configuration(unsigned(), proof_options())
    assert canonical_nquads(config, examples_loader()) == text("proofCanonDataInt.txt")


def test_both_hashes_and_the_signed_data_are_the_vectors() -> None:
    document_hash = hashlib.sha256(text("canonDocDataInt.txt").encode()).hexdigest()
    proof_hash = hashlib.sha256(text("proofCanonDataInt.txt").encode()).hexdigest()
    assert document_hash == text("docHashDataInt.txt").strip()
    assert proof_hash == text("proofHashDataInt.txt").strip()
    data = hash_data(unsigned(), proof_options(), loader=examples_loader())
    assert data.hex() == text("combinedHashDataInt.txt").strip()
    assert data.hex() == proof_hash + document_hash


def test_signing_with_the_vectors_key_gives_their_signed_credential() -> None:
    private, _ = w3c_key_pair()
    options = proof_options()
    signed = create_proof(
        unsigned(),
        private_key=private,
        verification_method=options["verificationMethod"],
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        loader=examples_loader(),
    )
    proof_value = signed["proof"]["proofValue"]
    assert proof_value == text("sigBTC58DataInt.txt").strip()
    assert base58.b58decode(proof_value[1:]).hex() == text("sigHexDataInt.txt").strip()
    assert signed == read_json(suite() / "signedDataInt.json")


def test_the_vectors_signed_credential_verifies_with_their_public_key() -> None:
    _, public = w3c_key_pair()
    signed = read_json(suite() / "signedDataInt.json")
    assert verify_proof(signed, public, loader=examples_loader())
