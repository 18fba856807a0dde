"""The bundled JSON-LD contexts: pinned by SHA-256, shipped as package data, and the only
documents the loader serves."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

import ledger.credentials
from ledger.credentials.canonical import canonical_nquads
from ledger.credentials.documents import (
    BUNDLED,
    VC_V2,
    ResolvedContexts,
    UnknownDocumentError,
    bundled_bytes,
    document_loader,
)
from tests.unit.credentials.fixtures import (
    EXAMPLES_V2,
    W3C_VC_V2_SHA256,
    examples_loader,
    vectors,
)

PINNED = {
    "credentials-v2.jsonld": "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    "data-integrity-v2.jsonld": "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    "did-v1.jsonld": "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
    "multikey-v1.jsonld": "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
    "eu-micro-credential-v1.jsonld": (
        "ccd59199099c8e1727de043f4f7f4b79401fc83800534f57fd9a557c237af994"
    ),
    "ob-v3p0-context-3.0.3.json": (
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"
    ),
    "vc-bitstring-status-list-v1.jsonld": (
        "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c"
    ),
}
CONTEXTS = resources.files(ledger.credentials).joinpath("contexts")


def test_every_bundled_file_is_pinned_and_every_pinned_file_is_served() -> None:
    shipped = {entry.name for entry in CONTEXTS.iterdir() if entry.name != "SOURCES.md"}
    assert shipped == set(PINNED) == set(BUNDLED.values())


@pytest.mark.parametrize("url", sorted(BUNDLED))
def test_each_context_has_its_pinned_digest(url: str) -> None:
    assert hashlib.sha256(bundled_bytes(url)).hexdigest() == PINNED[BUNDLED[url]]


def test_the_vc_2_0_context_is_the_w3cs_published_one() -> None:
    # The npm package reformats the file (its bytes differ), so compare it as JSON with
    # the W3C's bytes, which have the digest the Recommendation prints.
    published = (vectors() / "contexts" / "credentials-v2.jsonld").read_bytes()
    assert hashlib.sha256(published).hexdigest() == W3C_VC_V2_SHA256
    assert json.loads(bundled_bytes(VC_V2)) == json.loads(published)


def test_every_bundled_file_names_its_source() -> None:
    sources = CONTEXTS.joinpath("SOURCES.md").read_text(encoding="utf-8")
    for url, name in BUNDLED.items():
        assert f"`{url}`" in sources
        assert f"`{name}`" in sources


def test_the_loader_serves_the_bundle_and_refuses_every_other_url() -> None:
    load = document_loader()
    for url in BUNDLED:
        assert "@context" in load(url, {})["document"]
    for url in (
        "https://www.w3.org/ns/credentials/examples/v2",
        "https://www.w3.org/2018/credentials/v1",
        "https://example.com/context.json",
        "file:///etc/passwd",
    ):
        with pytest.raises(UnknownDocumentError, match="not one of the bundled contexts"):
            load(url, {})


def test_a_served_context_is_a_copy_that_a_caller_cannot_change() -> None:
    load = document_loader()
    load(VC_V2, {})["document"]["@context"]["VerifiableCredential"] = "https://evil.example/"
    assert load(VC_V2, {})["document"] == json.loads(bundled_bytes(VC_V2))


def test_a_context_given_to_one_loader_is_never_served_through_another() -> None:
    examples = examples_loader()
    document = {
        "@context": [VC_V2, EXAMPLES_V2],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "AlumniCredential"],
    }
    assert "AlumniCredential" in canonical_nquads(document, examples)
    with pytest.raises(UnknownDocumentError):
        canonical_nquads(document)
    with pytest.raises(UnknownDocumentError):
        canonical_nquads(document, document_loader())


def test_the_resolved_contexts_a_loader_keeps_are_bounded() -> None:
    kept = ResolvedContexts(2)
    for key in ("a", "b", "c"):
        kept[key] = key.upper()
    assert len(kept) == 2
    assert kept.get("a") is None
    assert kept.get("c") == "C"
