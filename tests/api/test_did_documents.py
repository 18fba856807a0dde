"""The controller documents did:web resolves, over HTTP on both stores: the authority's
at /.well-known/did.json, each provider's at /providers/{code}/did.json."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from composition import Process
from ledger.application.signing import rotate, signer_for
from ledger.infrastructure.did_web import public_key_from_multibase
from tests.api.conftest import Headers, World, ok

CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


@pytest.fixture
def client(signing_client: TestClient) -> TestClient:
    return signing_client


def services(client: TestClient) -> Process:
    process: Process = client.app.state.services  # type: ignore[attr-defined]
    return process


def document(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/did+json"
    assert "max-age" in response.headers["cache-control"]
    body: dict[str, Any] = response.json()
    return body


def check_shape(body: dict[str, Any], did: str) -> None:
    assert body["@context"] == CONTEXTS
    assert body["id"] == did
    for method in body["verificationMethod"]:
        assert method["type"] == "Multikey"
        assert method["controller"] == did  # a verifier requires issuer == controller
        assert method["id"] == f"{did}#{method['publicKeyMultibase']}"
        assert set(method) <= {"id", "type", "controller", "publicKeyMultibase", "expires"}
    # Every key, retired ones too: they verify what they signed.
    assert body["assertionMethod"] == [m["id"] for m in body["verificationMethod"]]


def published_key(body: dict[str, Any], method_id: str) -> Ed25519PublicKey:
    [method] = [m for m in body["verificationMethod"] if m["id"] == method_id]
    return public_key_from_multibase(method["publicKeyMultibase"])


def test_the_authority_document_lists_its_key_and_the_key_verifies(client: TestClient) -> None:
    process = services(client)
    did = process.signing_keys.names.did("authority")
    assert did == "did:web:127.0.0.1%3A8000"
    method, key = signer_for(process.ledger, process.signing_keys, "authority")
    body = document(client, "/.well-known/did.json")
    check_shape(body, did)
    assert [m["id"] for m in body["verificationMethod"]] == [method]
    published_key(body, method).verify(key.sign(b"tree head"), b"tree head")
    assert "expires" not in body["verificationMethod"][0]


def test_a_rotated_key_stays_listed_with_when_it_expired(client: TestClient) -> None:
    process = services(client)
    old_method, old_key = signer_for(process.ledger, process.signing_keys, "authority")
    new = rotate(process.ledger, process.signing_keys, "authority")
    body = document(client, "/.well-known/did.json")
    check_shape(body, process.signing_keys.names.did("authority"))
    old, current = body["verificationMethod"]
    assert old["id"] == old_method and current["id"] == new.verification_method_id
    assert old["expires"].startswith(new.valid_from.date().isoformat())
    assert "expires" not in current and "revoked" not in old
    published_key(body, old_method).verify(old_key.sign(b"old"), b"old")


def test_a_provider_document_and_its_keys(client: TestClient, world: World) -> None:
    process = services(client)
    method, key = signer_for(process.ledger, process.signing_keys, "SETU")
    did = "did:web:127.0.0.1%3A8000:providers:SETU"
    assert method.startswith(did + "#z6Mk")
    body = document(client, "/providers/SETU/did.json")
    check_shape(body, did)
    published_key(body, method).verify(key.sign(b"award"), b"award")
    # A provider that has not signed yet has a document with no key (a GET writes nothing).
    empty = document(client, "/providers/ATU/did.json")
    check_shape(empty, "did:web:127.0.0.1%3A8000:providers:ATU")
    assert empty["verificationMethod"] == [] == empty["assertionMethod"]


def test_a_withdrawn_provider_stays_published_with_its_keys(
    client: TestClient, authority: Headers, world: World
) -> None:
    process = services(client)
    method, _ = signer_for(process.ledger, process.signing_keys, "SETU")
    ok(
        client.post(
            "/v1/authority/providers/SETU/withdrawal",
            json={"reason": "closed", "decision_reference": "QQI/W/1"},
            headers=authority,
        )
    )
    body = document(client, "/providers/SETU/did.json")
    assert body["assertionMethod"] == [method]
    assert "expires" not in body["verificationMethod"][0]


def test_an_unknown_provider_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/providers/NOPE/did.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("provider-not-found")
    assert "NOPE" in problem["detail"]


def test_the_documents_are_described_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/.well-known/did.json", "/providers/{code}/did.json"):
        answer = paths[path]["get"]["responses"]["200"]["content"]
        assert answer["application/did+json"]["schema"]["$ref"].endswith("ControllerDocument")
    assert (
        "application/problem+json"
        in (paths["/providers/{code}/did.json"]["get"]["responses"]["404"]["content"])
    )
