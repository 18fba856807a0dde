"""``POST /v1/verifications``: a presented credential checked against the register, check
by check, in plain words, on both stores (issue 20, item 4)."""

from __future__ import annotations

import copy
import time
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from ledger.application.signing import rotate, signer_for
from ledger.credentials.data_integrity import create_proof
from tests.api.conftest import Headers, World, event_count, ok
from tests.api.test_signed_credentials import fetch_credential, issue, revoke, services

CHECKS = [
    "issuer",
    "key",
    "signature",
    "register",
    "accreditation",
    "validity_period",
    "status",
]


@pytest.fixture
def client(signing_client: TestClient) -> TestClient:
    return signing_client


def verify(client: TestClient, credential: Any) -> dict[str, Any]:
    body = credential if isinstance(credential, bytes) else orjson.dumps(credential)
    answer = ok(
        client.post("/v1/verifications", content=body, headers={"Content-Type": "application/json"})
    )
    assert [check["check"] for check in answer["checks"]] == CHECKS
    return answer


def outcomes(answer: dict[str, Any]) -> dict[str, str]:
    return {check["check"]: check["outcome"] for check in answer["checks"]}


def says(answer: dict[str, Any], check: str) -> str:
    [found] = [c["says"] for c in answer["checks"] if c["check"] == check]
    return str(found)


def test_a_credential_the_ledger_signed_passes_every_check(
    client: TestClient, world: World
) -> None:
    award_id = issue(client, world, "V-1")
    credential = fetch_credential(client, award_id)
    before = event_count(client)

    answer = verify(client, credential)

    assert answer["verified"] is True
    assert set(outcomes(answer).values()) == {"passed"}
    assert answer["award_id"] == award_id
    assert answer["issuer"] == credential["issuer"]["id"]
    assert "exactly as it was signed" in says(answer, "signature")
    assert "SETU Institute was accredited on" in says(answer, "accreditation")
    assert "Not revoked" in says(answer, "status")
    assert event_count(client) == before  # a verification writes nothing


def test_a_changed_field_fails_the_signature_and_nothing_after_it_is_judged(
    client: TestClient, world: World
) -> None:
    credential = fetch_credential(client, issue(client, world, "V-2"))
    credential["credentialSubject"]["achievement"]["ectsCredits"] = "60"

    answer = verify(client, credential)

    assert answer["verified"] is False
    assert outcomes(answer) == {
        "issuer": "passed",
        "key": "passed",
        "signature": "failed",
        "register": "not_checked",
        "accreditation": "not_checked",
        "validity_period": "not_checked",
        "status": "not_checked",
    }
    assert "changed after it was signed" in says(answer, "signature")


def test_a_revoked_award_fails_the_status_check(client: TestClient, world: World) -> None:
    award_id = issue(client, world, "V-3")
    credential = fetch_credential(client, award_id)
    revoke(client, world, award_id)

    answer = verify(client, credential)

    assert answer["verified"] is False
    assert outcomes(answer)["status"] == "failed"
    assert [c["reason"] for c in answer["checks"]][-1] == "status.revoked"
    assert says(answer, "status").startswith("Revoked: its bit is set")
    assert "plagiarism" not in orjson.dumps(answer).decode()


def test_a_credential_signed_before_a_key_rotation_still_verifies(
    client: TestClient, world: World
) -> None:
    credential = fetch_credential(client, issue(client, world, "V-4"))
    process = services(client)
    rotate(process.ledger, process.signing_keys, "SETU")

    assert verify(client, credential)["verified"] is True


def test_accreditation_is_judged_by_the_day_of_issue_as_the_register_judges_it(
    client: TestClient, authority: Headers, world: World
) -> None:
    credential = fetch_credential(client, issue(client, world, "V-5"))
    ok(
        client.post(
            "/v1/authority/providers/SETU/suspension",
            json={"reason": "quality review", "decision_reference": "QQI/DEC/2"},
            headers=authority,
        )
    )
    answer = verify(client, credential)
    # The register judges standing by the day: a suspension that took effect on the day
    # of issue counts for that day (tests/unit/test_accreditation_timeline.py). The key
    # that signed stays valid for what it signed.
    assert outcomes(answer)["key"] == outcomes(answer)["signature"] == "passed"
    assert outcomes(answer)["accreditation"] == "failed"
    assert "the day of issue: it was suspended" in says(answer, "accreditation")


def test_a_key_of_another_provider_is_not_the_issuers(client: TestClient, world: World) -> None:
    credential = fetch_credential(client, issue(client, world, "V-6"))
    process = services(client)
    method, atu_key = signer_for(process.ledger, process.signing_keys, "ATU")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    forged = create_proof(
        unsigned, private_key=atu_key, verification_method=method, created=process.ledger.clock()
    )

    answer = verify(client, forged)

    assert outcomes(answer)["key"] == "failed"
    assert "does not name a key that SETU publishes" in says(answer, "key")


def test_a_credential_of_an_issuer_outside_the_register_cannot_be_checked_here(
    client: TestClient, world: World
) -> None:
    credential = fetch_credential(client, issue(client, world, "V-7"))
    credential["issuer"]["id"] = "did:web:elsewhere.example:providers:SETU"

    answer = verify(client, credential)

    assert outcomes(answer)["issuer"] == "failed"
    assert set(list(outcomes(answer).values())[1:]) == {"not_checked"}


def test_a_signed_document_that_is_not_in_the_register_fails_the_register_check(
    client: TestClient, world: World
) -> None:
    credential = fetch_credential(client, issue(client, world, "V-8"))
    process = services(client)
    method, key = signer_for(process.ledger, process.signing_keys, "SETU")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    unsigned["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    # Signed with SETU's real key (a leaked key, say), for an award never recorded.
    made_up = create_proof(
        unsigned, private_key=key, verification_method=method, created=process.ledger.clock()
    )

    answer = verify(client, made_up)

    assert outcomes(answer)["signature"] == "passed"
    assert outcomes(answer)["register"] == "failed"


def test_a_hostile_graph_is_refused_within_about_a_second(client: TestClient, world: World) -> None:
    credential = fetch_credential(client, issue(client, world, "V-9"))
    predicate = "http://example.com/p"
    credential["credentialSubject"][predicate] = [
        {"@id": f"_:e{i}", predicate: [{"@id": f"_:e{j}"} for j in range(10)]} for i in range(10)
    ]
    verify(client, fetch_credential(client, issue(client, world, "V-10")))  # warm
    started = time.monotonic()

    answer = verify(client, credential)

    assert time.monotonic() - started < 3
    assert outcomes(answer)["signature"] == "failed"
    assert "take too long" in says(answer, "signature")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": ["VerifiableCredential"], "issuer": "did:web:x"}', "no proof"),
        (b'{"type": ["Thing"]}', "not a credential"),
        (b'{"type": ["VerifiableCredential"], "proof": {}}', "no issuer"),
    ],
)
def test_a_document_that_is_not_a_credential_is_a_problem(
    client: TestClient, body: bytes, detail: str
) -> None:
    response = client.post(
        "/v1/verifications", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-a-credential")
    assert detail in response.json()["detail"]


def test_an_oversized_document_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/v1/verifications",
        content=b'{"x": "' + b"a" * 300_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_the_same_credential_shared_twice_is_judged_the_same(
    client: TestClient, world: World
) -> None:
    credential = fetch_credential(client, issue(client, world, "V-11"))
    first = verify(client, copy.deepcopy(credential))
    second = verify(client, credential)
    assert first["checks"] == second["checks"]
