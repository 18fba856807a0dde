"""A revocation records a reason category, which the public sees, and a note, which only
the provider that issued the award and the authority see (issue 16, defect 4).

The note is written by people (an exam board's case number, what was found) and says
more than the public should read; every public answer is checked for its text."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson
import pytest
from fastapi.testclient import TestClient

from api.models.employers import CredentialStatus, StatusBatchAnswer
from ledger.domain import ids
from tests.api.conftest import Headers, World, award, event_count, ok
from tests.integration.store import RawStore

NOTE = "exam board case EB-2026-113: plagiarism in the final project"
LEARNER = "pseudonym-0815"


def issue(client: TestClient, world: World, reference: str = "2026-DA-0001") -> str:
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award(LEARNER, reference, world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id: str = issued["awards"][0]["award_id"]
    return award_id


def revoke(client: TestClient, world: World, award_id: str, body: dict[str, object]) -> None:
    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json=body,
            headers=world.setu.headers,
        )
    )


def public_bodies(client: TestClient, award_id: str) -> dict[str, str]:
    """Every public answer about the award, and the public registers."""
    today = datetime.now(UTC).date().isoformat()
    answers = {
        "status": client.get(f"/v1/credentials/{award_id}/status"),
        "status at": client.get(
            f"/v1/credentials/{award_id}/status", params={"at": datetime.now(UTC).isoformat()}
        ),
        "batch": client.post("/v1/credentials/status:batch", json={"award_ids": [award_id]}),
        "verify": client.get(f"/verify/{award_id}"),
        "verify on": client.get(f"/verify/{award_id}", params={"on": today}),
        "providers": client.get("/v1/register/providers"),
        "catalogue": client.get("/v1/register/micro-credentials"),
    }
    for name, response in answers.items():
        assert response.status_code == 200, (name, response.text)
    return {name: response.text for name, response in answers.items()}


def test_the_public_sees_the_category_of_a_revocation_and_never_its_note(
    client: TestClient, world: World
) -> None:
    award_id = issue(client, world)
    revoke(client, world, award_id, {"category": "academic_misconduct", "note": NOTE})

    bodies = public_bodies(client, award_id)

    for name, body in bodies.items():
        assert "EB-2026-113" not in body, name
        assert "plagiarism" not in body, name
    for name in ("status", "status at"):
        status = orjson.loads(bodies[name])
        CredentialStatus.model_validate(status)
        assert status["status"] == "revoked"
        assert status["revocation_category"] == "academic_misconduct"
        assert status["revocation_label"] == "Academic misconduct"
        assert "revocation_note" not in status
    batch = StatusBatchAnswer.model_validate_json(bodies["batch"])
    found = batch.results[0].credential_status
    assert found is not None
    assert found.revocation_category is not None
    assert found.revocation_category.value == "academic_misconduct"
    for name in ("verify", "verify on"):
        assert "Academic misconduct" in bodies[name], name


def test_neither_the_logs_nor_the_metrics_carry_the_note(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    award_id = issue(client, world)
    revoke(client, world, award_id, {"category": "academic_misconduct", "note": NOTE})
    client.post(  # refused: revoked already
        world.setu.path(f"/awards/{award_id}/revocation"),
        json={"category": "other", "note": NOTE},
        headers=world.setu.headers,
    )
    public_bodies(client, award_id)

    exposition = client.get("/metrics")
    assert exposition.status_code == 200
    metrics = exposition.text
    assert "ledger_awards_revoked_total" in metrics
    for text in (caplog.text, metrics):
        assert "EB-2026-113" not in text
        assert "plagiarism" not in text


def test_the_authority_and_the_issuing_provider_see_the_note(
    client: TestClient, world: World, authority: Headers
) -> None:
    award_id = issue(client, world)
    revoke(client, world, award_id, {"category": "academic_misconduct", "note": NOTE})

    audit = ok(
        client.get(
            "/v1/authority/audit",
            params={"award_id": award_id, "event_type": "AwardRevoked"},
            headers=authority,
        )
    )
    (entry,) = audit["entries"]
    assert NOTE in entry["reason"] and "academic_misconduct" in entry["reason"]
    assert entry["data"]["note"] == NOTE
    assert entry["data"]["category"] == "academic_misconduct"
    exported = client.get(
        "/v1/authority/audit/export", params={"award_id": award_id}, headers=authority
    )
    assert NOTE in exported.text
    transcript = ok(
        client.get("/v1/authority/transcripts", params={"learner_id": LEARNER}, headers=authority)
    )
    (revoked,) = transcript["awards"]
    assert (revoked["revocation_category"], revoked["revocation_note"]) == (
        "academic_misconduct",
        NOTE,
    )
    own = ok(client.get(world.setu.path(f"/awards/{award_id}"), headers=world.setu.headers))
    assert own["status"] == "revoked"
    assert (own["revocation_category"], own["revocation_note"]) == ("academic_misconduct", NOTE)
    # Another provider reads neither the award nor its note.
    other = client.get(world.atu.path(f"/awards/{award_id}"), headers=world.atu.headers)
    assert other.status_code == 403, other.text
    assert NOTE not in other.text


def test_the_authority_revokes_with_a_category_and_a_note(
    client: TestClient, world: World, authority: Headers
) -> None:
    award_id = issue(client, world)
    ok(
        client.post(
            f"/v1/authority/awards/{award_id}/revocation",
            json={"category": "administrative", "note": "provider's accreditation found void"},
            headers=authority,
        )
    )
    status = ok(client.get(f"/v1/credentials/{award_id}/status"))
    assert (status["revocation_category"], status["revocation_label"]) == (
        "administrative",
        "Administrative",
    )
    assert "void" not in orjson.dumps(status).decode()


def test_a_category_alone_is_a_reason(client: TestClient, world: World) -> None:
    award_id = issue(client, world)
    revoke(client, world, award_id, {"category": "issued_in_error"})
    status = ok(client.get(f"/v1/credentials/{award_id}/status"))
    assert status["revocation_category"] == "issued_in_error"
    assert status["revocation_label"] == "Issued in error"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "misbehaviour", "note": NOTE}, ["body", "category"]),
        ({"note": NOTE}, ["body", "category"]),
        ({"reason": NOTE}, ["body", "category"]),
        ({"category": "other"}, ["body", "note"]),
        ({"category": "other", "note": "   "}, ["body", "note"]),
    ],
)
def test_a_revocation_without_a_known_category_or_other_without_a_note_is_a_422(
    client: TestClient, world: World, body: dict[str, object], field: list[str]
) -> None:
    award_id = issue(client, world)
    before = event_count(client)

    response = client.post(
        world.setu.path(f"/awards/{award_id}/revocation"), json=body, headers=world.setu.headers
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e.get("location") for e in response.json()["errors"]]
    assert event_count(client) == before
    assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"


def test_the_categories_are_an_enum_in_the_openapi_document(client: TestClient) -> None:
    schemas = ok(client.get("/openapi.json"))["components"]["schemas"]
    assert schemas["RevocationReason"]["enum"] == [
        "issued_in_error",
        "academic_misconduct",
        "administrative",
        "learner_request",
        "component_revoked",
        "other",
    ]
    for request in ("RevokeAward", "RevokeAnyAward"):
        assert set(schemas[request]["properties"]) == {"category", "note"}
    assert "revocation_reason" not in schemas["CredentialStatus"]["properties"]
    assert "revocation_note" not in schemas["CredentialStatus"]["properties"]


# What the ledger stored for a revocation before categories existed: free text.
V1_REVOCATION = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"%s"},'
    b'"award_id":{"_type_":"uuid_hex","_data_":"%s"},'
    b'"reason":"academic integrity case EB-2025-031 (Aoife Byrne)",'
    b'"actor":"provider:SETU:3f9a0c1b2d4e"}'
)
V1_TOPIC = "ledger.domain.learner_record:LearnerRecord.AwardRevoked"


def test_an_old_free_text_revocation_reads_as_other_with_its_text_as_a_private_note(
    client: TestClient, world: World, authority: Headers
) -> None:
    award_id = issue(client, world)
    services = client.app.state.services  # type: ignore[attr-defined]
    record_id = ids.learner_record_id(LEARNER)
    version = services.ledger.history(record_id)[-1].originator_version + 1
    state = V1_REVOCATION % (
        datetime.now(UTC).isoformat().encode(),
        award_id.replace("-", "").encode(),
    )
    RawStore(services.ledger).insert_stored_event(record_id, version, V1_TOPIC, state)
    read_model = services.read_model
    assert read_model.wait_for(read_model.log_position(), timeout=10)

    bodies = public_bodies(client, award_id)

    for name, body in bodies.items():
        assert "EB-2025-031" not in body, name
        assert "Aoife" not in body, name
    status = orjson.loads(bodies["status"])
    assert (status["status"], status["revocation_category"]) == ("revoked", "other")
    assert orjson.loads(bodies["status at"])["revocation_category"] == "other"
    audit = ok(
        client.get(
            "/v1/authority/audit",
            params={"award_id": award_id, "event_type": "AwardRevoked"},
            headers=authority,
        )
    )
    assert "EB-2025-031" in audit["entries"][0]["reason"]
    own = ok(client.get(world.setu.path(f"/awards/{award_id}"), headers=world.setu.headers))
    assert own["revocation_category"] == "other"
    assert own["revocation_note"] == "academic integrity case EB-2025-031 (Aoife Byrne)"
