"""What an employer gets from the public status API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from fastapi.testclient import TestClient

from api.models.employers import CredentialStatus, StatusBatchAnswer
from tests.api.conftest import Headers, World, award, ok


def issue(client: TestClient, world: World, learner: str, reference: str) -> str:
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award(learner, reference, world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id: str = issued["awards"][0]["award_id"]
    return award_id


def test_the_status_says_what_the_credential_certifies_and_nothing_about_the_learner(
    client: TestClient, world: World
) -> None:
    award_id = issue(client, world, "pseudonym-4711", "2026-DA-0001")
    ok(
        client.post(
            world.setu.path("/learners/personal-data"),
            json={"learner_id": "pseudonym-4711", "personal_data": {"name": "Aoife Byrne"}},
            headers=world.setu.headers,
        )
    )

    response = client.get(f"/v1/credentials/{award_id}/status")

    status = ok(response)
    CredentialStatus.model_validate(status)  # exactly the documented shape
    assert status["status"] == "valid"
    assert status["credential"] == {
        "micro_credential_id": world.credential_id,
        "title": "Data Analytics Fundamentals",
        "workload_ects": 10,
        "nqf_level": 6,
        "eqf_level": 5,
        "learning_outcomes": ["Clean a data set", "Explain a regression"],
        "esco_skills": [],
    }
    assert status["issuer"]["name"] == "SETU Institute"
    assert status["issuer"]["country"] == "IE"  # an EU mandatory element
    assert status["issued_on"] == datetime.now(UTC).date().isoformat()
    assert status["revoked_at"] is None
    assert "pseudonym-4711" not in response.text
    assert "Aoife" not in response.text
    assert "provider:" not in response.text  # no key ids of who did what


def test_an_unknown_award_is_a_404_problem_that_is_not_cached(client: TestClient) -> None:
    response = client.get(f"/v1/credentials/{uuid.uuid4()}/status")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/award-not-found")
    assert response.headers["Cache-Control"] == "no-store"


def test_answers_are_cached_briefly_and_revalidated_by_etag_until_a_revocation(
    client: TestClient, world: World
) -> None:
    award_id = issue(client, world, "l-1", "R-1")
    first = client.get(f"/v1/credentials/{award_id}/status")
    # at most a second in any cache: a revocation must show within 1 s end to end
    assert first.headers["Cache-Control"] == "public, max-age=1, must-revalidate"
    etag = first.headers["ETag"]

    unchanged = client.get(f"/v1/credentials/{award_id}/status", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={"category": "issued_in_error", "note": "issued in error"},
            headers=world.setu.headers,
        )
    )
    changed = client.get(f"/v1/credentials/{award_id}/status", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["status"] == "revoked"
    assert changed.headers["ETag"] != etag


def test_the_status_as_of_a_moment_before_the_revocation(
    client: TestClient, world: World, authority: Headers
) -> None:
    award_id = issue(client, world, "l-1", "R-1")
    before_issue = datetime(2000, 1, 1, tzinfo=UTC).isoformat()
    hired_on = datetime.now(UTC).isoformat()
    ok(
        client.post(
            f"/v1/authority/awards/{award_id}/revocation",
            json={"category": "other", "note": "provider's accreditation found void"},
            headers=authority,
        )
    )

    then = ok(client.get(f"/v1/credentials/{award_id}/status", params={"at": hired_on}))
    now = ok(client.get(f"/v1/credentials/{award_id}/status"))
    long_ago = ok(client.get(f"/v1/credentials/{award_id}/status", params={"at": before_issue}))

    assert then["status"] == "valid"
    assert then["as_of"] is not None and then["revoked_at"] is None
    assert now["status"] == "revoked"
    assert now["revocation_category"] == "other"
    assert "void" not in orjson.dumps(now).decode()
    assert long_ago["status"] == "not_yet_issued"
    for answer in (then, now, long_ago):
        CredentialStatus.model_validate(answer)


def test_a_batch_check_answers_every_id_in_order(client: TestClient, world: World) -> None:
    known = [issue(client, world, f"l-{i}", f"R-{i}") for i in range(3)]
    unknown = str(uuid.uuid4())
    asked = [known[2], unknown, known[0], known[1]]

    answer = ok(client.post("/v1/credentials/status:batch", json={"award_ids": asked}))

    StatusBatchAnswer.model_validate(answer)
    assert [r["award_id"] for r in answer["results"]] == asked
    assert [r["found"] for r in answer["results"]] == [True, False, True, True]
    assert answer["results"][1]["credential_status"] is None
    assert answer["results"][0]["credential_status"]["status"] == "valid"


def test_the_public_registers_show_providers_and_the_catalogue(
    client: TestClient, world: World
) -> None:
    providers = ok(client.get("/v1/register/providers", params={"state": "accredited"}))
    assert [p["code"] for p in providers["items"]] == ["ATU", "SETU"]
    assert all(p["accredited_now"] for p in providers["items"])
    assert providers["total"] == 2 and providers["next_offset"] is None

    found = ok(
        client.get("/v1/register/micro-credentials", params={"text": "analytics", "level": 6})
    )
    assert [c["credential_id"] for c in found["items"]] == [world.credential_id]
    assert found["items"][0]["state"] == "accredited"
    assert found["items"][0]["workload_ects"] == 10
    none = ok(client.get("/v1/register/micro-credentials", params={"provider_code": "ATU"}))
    assert none["items"] == [] and none["total"] == 0
