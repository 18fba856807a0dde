"""The reference data the credential tests read in place from ``shared/vectors``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.credentials.documents import DocumentLoader, document_loader
from tests.shared_vectors import require_vectors

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
W3C_VC_V2_SHA256 = "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
"""The digest of the VC 2.0 context printed in the VC Data Model 2.0 Recommendation."""

# Multicodec prefixes (unsigned varints): ed25519-pub 0xed, ed25519-priv 0x1300.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


def vectors() -> Path:
    return require_vectors("the W3C and 1EdTech credential vectors")


def eddsa_dir() -> Path:
    return vectors() / "vc-di-eddsa" / "TestVectors"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def examples_loader() -> DocumentLoader:
    """The bundled contexts plus the W3C examples context that only the vectors use."""
    examples = read_json(vectors() / "contexts" / "credentials-examples-v2.jsonld")
    return document_loader({EXAMPLES_V2: examples})


def _multikey(text: str, prefix: bytes) -> bytes:
    assert text.startswith("z")
    decoded = base58.b58decode(text[1:])
    assert decoded[:2] == prefix
    return decoded[2:]


def w3c_key_pair() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    pair = read_json(eddsa_dir() / "keyPair.json")
    private = Ed25519PrivateKey.from_private_bytes(
        _multikey(pair["privateKeyMultibase"], ED25519_PRIV)
    )
    public = Ed25519PublicKey.from_public_bytes(_multikey(pair["publicKeyMultibase"], ED25519_PUB))
    return private, public
