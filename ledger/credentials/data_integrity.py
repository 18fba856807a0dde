"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite.

As W3C "Data Integrity EdDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-eddsa/),
section 3.2: the proof configuration is the proof without ``proofValue``, given the
document's ``@context``; both it and the document (without ``proof``) are canonicalized
with RDFC-1.0 (`canonical.canonical_nquads`), and the Ed25519 signature is over
SHA-256(canonical proof configuration) || SHA-256(canonical document). ``proofValue`` is
that 64-byte signature in multibase base58btc (``z...``).

Checked byte for byte against the W3C vectors and the Open Badges 3.0 example in
tests/unit/credentials.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.credentials.canonical import canonical_nquads
from ledger.credentials.documents import DocumentLoader

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
SIGNATURE_BYTES = 64

# An XML Schema dateTimeStamp (a time zone is required), as Data Integrity requires of
# `created`.
_DATE_TIME_STAMP = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


class ProofError(ValueError):
    """The proof cannot be made as asked (a document that already has one, a naive time)."""


def create_proof(
    unsecured_document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """The document with an ``eddsa-rdfc-2022`` ``proof`` added (the input is not changed).

    ``created`` must be timezone-aware; it is written in UTC to the second, as the W3C
    vectors do. Raises the `canonical` errors for a document that cannot be signed
    faithfully.
    """
    if "proof" in unsecured_document:
        raise ProofError("the document already has a proof; a proof set is not supported")
    if created.tzinfo is None:
        raise ProofError("created must be timezone-aware")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    data = hash_data(unsecured_document, proof, loader=loader)
    proof["proofValue"] = "z" + base58.b58encode(private_key.sign(data)).decode("ascii")
    secured = copy.deepcopy(dict(unsecured_document))
    secured["proof"] = proof
    return secured


def verify_proof(
    secured_document: Mapping[str, Any],
    public_key: Ed25519PublicKey,
    *,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader | None = None,
) -> bool:
    """Whether the document's one ``eddsa-rdfc-2022`` proof for ``proof_purpose`` is valid
    for ``public_key`` (a proof made for another purpose is not accepted for this one).

    A missing, malformed or foreign proof is False, never an exception; only a document
    that `canonical` refuses (an unbundled context, an undefined term, a control character,
    over a bound) raises, as it cannot be judged. Which key should have signed (the
    verification method's controller, its validity on ``created``) is the caller's check.
    """
    proof = _single_proof(secured_document.get("proof"))
    if proof is None:
        return False
    proof_value = proof.pop("proofValue", None)
    signature = _signature(proof_value)
    if signature is None or not _well_formed(proof) or proof["proofPurpose"] != proof_purpose:
        return False
    unsecured = {key: value for key, value in secured_document.items() if key != "proof"}
    # The document as it stands is judged first: what it cannot be canonicalized for
    # raises; everything after this that fails is the proof's fault, and is False.
    document = canonical_nquads(unsecured, loader)
    try:
        if "@context" in proof:
            # The spec: the document's @context must start with the proof's, in order;
            # the proof's then stands for the document's.
            proof_context = _as_list(proof.pop("@context"))
            if _as_list(unsecured.get("@context"))[: len(proof_context)] != proof_context:
                return False
            if proof_context != _as_list(unsecured.get("@context")):
                unsecured["@context"] = proof_context
                document = canonical_nquads(unsecured, loader)
        config_hash = _proof_config_hash(unsecured, proof, loader)
    except (ValueError, TypeError, KeyError):
        return False
    document_hash = hashlib.sha256(document.encode("utf-8")).digest()
    try:
        public_key.verify(signature, config_hash + document_hash)
    except InvalidSignature:
        return False
    return True


def hash_data(
    unsecured_document: Mapping[str, Any],
    proof_options: Mapping[str, Any],
    *,
    loader: DocumentLoader | None = None,
) -> bytes:
    """SHA-256(canonical proof configuration) || SHA-256(canonical document): what is signed."""
    document_hash = hashlib.sha256(
        canonical_nquads(unsecured_document, loader).encode("utf-8")
    ).digest()
    return _proof_config_hash(unsecured_document, proof_options, loader) + document_hash


def proof_configuration(
    unsecured_document: Mapping[str, Any], proof_options: Mapping[str, Any]
) -> dict[str, Any]:
    """The proof options without ``proofValue``, given the document's ``@context``."""
    config = {key: value for key, value in proof_options.items() if key != "proofValue"}
    config["@context"] = copy.deepcopy(unsecured_document.get("@context"))
    return config


def _proof_config_hash(
    unsecured_document: Mapping[str, Any],
    proof_options: Mapping[str, Any],
    loader: DocumentLoader | None,
) -> bytes:
    config = proof_configuration(unsecured_document, proof_options)
    return hashlib.sha256(canonical_nquads(config, loader).encode("utf-8")).digest()


def _single_proof(value: Any) -> dict[str, Any] | None:
    # OB 3.0's schema wants `proof` as an array: a one-element array is the same proof.
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return copy.deepcopy(value) if isinstance(value, dict) else None


def _signature(proof_value: Any) -> bytes | None:
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return None
    try:
        decoded = base58.b58decode(proof_value[1:])
    except ValueError:
        return None
    return decoded if len(decoded) == SIGNATURE_BYTES else None


def _well_formed(proof: Mapping[str, Any]) -> bool:
    created = proof.get("created")
    return (
        proof.get("type") == PROOF_TYPE
        and proof.get("cryptosuite") == CRYPTOSUITE
        and isinstance(proof.get("verificationMethod"), str)
        and isinstance(proof.get("proofPurpose"), str)
        and (
            created is None or (isinstance(created, str) and bool(_DATE_TIME_STAMP.match(created)))
        )
    )


def _as_list(context: Any) -> list[Any]:
    return list(context) if isinstance(context, list) else [context]
