"""Writes are safe to retry, and a batch is all or nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.models.providers import IssueAward
from ledger.infrastructure.idempotency import LEASE, Claimed, fingerprint
from tests.api.conftest import World, award, event_count, ok


def batch_of(world: World, size: int, prefix: str = "REF") -> dict[str, list[dict[str, Any]]]:
    return {
        "awards": [
            award(f"learner-{i}", f"{prefix}-{i:04d}", world.credential_id) for i in range(size)
        ]
    }


def test_a_retried_batch_with_the_same_key_gets_the_same_answer_and_writes_nothing(
    client: TestClient, world: World
) -> None:
    headers = {**world.setu.headers, "Idempotency-Key": "batch-2026-06-30-a"}
    body = batch_of(world, 20)
    first = client.post(world.setu.path("/awards:batch"), json=body, headers=headers)
    assert first.status_code == 201
    events_after_first = event_count(client)

    retry = client.post(world.setu.path("/awards:batch"), json=body, headers=headers)

    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry.headers["Ledger-Position"] == first.headers["Ledger-Position"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert event_count(client) == events_after_first


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(
    client: TestClient, world: World
) -> None:
    headers = {**world.setu.headers, "Idempotency-Key": "batch-b"}
    ok(client.post(world.setu.path("/awards:batch"), json=batch_of(world, 2), headers=headers), 201)
    before = event_count(client)

    other = client.post(
        world.setu.path("/awards:batch"), json=batch_of(world, 3, "OTHER"), headers=headers
    )

    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert event_count(client) == before


def test_idempotency_keys_are_scoped_to_the_provider(client: TestClient, world: World) -> None:
    """Two providers that happen to pick the same key do not see each other's answers."""
    atu_credential = {
        "code": "ATU-1",
        "specification": {
            "title": "Welding Safety",
            "learning_outcomes": ["Weld safely"],
            "workload_ects": 5,
            "assessment_type": "practical test",
            "participation_form": "onsite",
            "quality_assurance": "QQI",
            "field_of_study": "0413 Management",
        },
    }
    same_key = "2026-01"
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-1", "R-1", world.credential_id),
            headers={**world.setu.headers, "Idempotency-Key": same_key},
        ),
        201,
    )
    defined = client.post(
        world.atu.path("/micro-credentials"),
        json=atu_credential,
        headers={**world.atu.headers, "Idempotency-Key": same_key},
    )
    assert defined.status_code == 201
    assert "micro_credential_id" in defined.json()


def test_a_refused_request_can_be_corrected_and_sent_again_under_the_same_key(
    client: TestClient, world: World
) -> None:
    headers = {**world.setu.headers, "Idempotency-Key": "fix-and-retry"}
    wrong = award("l-1", "R-1", world.credential_id)
    wrong["assessment"]["method"] = "a method nobody stated"
    assert client.post(world.setu.path("/awards"), json=wrong, headers=headers).status_code == 422

    right = award("l-1", "R-1", world.credential_id)
    assert client.post(world.setu.path("/awards"), json=right, headers=headers).status_code == 201


def test_a_batch_with_one_bad_item_writes_nothing_and_lists_every_bad_item(
    client: TestClient, world: World
) -> None:
    before = event_count(client)
    body = batch_of(world, 10)
    body["awards"][3]["assessment"]["method"] = "oral exam"  # not the stated method
    body["awards"][7]["micro_credential_id"] = "00000000-0000-0000-0000-000000000000"

    refused = client.post(world.setu.path("/awards:batch"), json=body, headers=world.setu.headers)

    assert refused.status_code == 422
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert [(e["index"], e["type"]) for e in problem["errors"]] == [
        (3, "assessment-method-mismatch"),
        (7, "micro-credential-not-found"),
    ]
    assert all(e["detail"] for e in problem["errors"])
    # Nothing was written: no event, and none of the batch's references names an award
    # (the corrected batch issues every one of them).
    assert event_count(client) == before
    corrected = batch_of(world, 10)
    issued = ok(
        client.post(world.setu.path("/awards:batch"), json=corrected, headers=world.setu.headers),
        201,
    )
    assert [a["created"] for a in issued["awards"]] == [True] * 10


def test_re_sending_awards_already_issued_returns_them_without_writing(
    client: TestClient, world: World
) -> None:
    """Even without an Idempotency-Key, the provider's own references make issuance
    repeatable: the ledger recognises awards it already has."""
    body = batch_of(world, 5)
    first = ok(
        client.post(world.setu.path("/awards:batch"), json=body, headers=world.setu.headers), 201
    )
    before = event_count(client)

    again = ok(
        client.post(world.setu.path("/awards:batch"), json=body, headers=world.setu.headers), 201
    )

    assert [a["award_id"] for a in again["awards"]] == [a["award_id"] for a in first["awards"]]
    assert not any(a["created"] for a in again["awards"])
    assert again["position"] is None
    assert event_count(client) == before


def test_a_retry_while_the_first_attempt_still_runs_is_told_to_wait(
    client: TestClient, world: World
) -> None:
    body = award("l-1", "R-1", world.credential_id)
    path = world.setu.path("/awards")
    # The first attempt has claimed the key and not answered yet (as a slow request would).
    services = client.app.state.services  # type: ignore[attr-defined]
    same_request = fingerprint(
        "POST", path, IssueAward.model_validate(body).model_dump(mode="json")
    )
    assert isinstance(services.idempotency.claim("provider:SETU", "slow-1", same_request), Claimed)
    before = event_count(client)

    retry = client.post(
        path, json=body, headers={**world.setu.headers, "Idempotency-Key": "slow-1"}
    )

    assert retry.status_code == 409
    assert retry.json()["type"].endswith("/idempotency-key-in-use")
    # The first attempt's lease runs for a few seconds more: come back when it ends.
    assert 1 <= int(retry.headers["Retry-After"]) <= LEASE.total_seconds()
    assert event_count(client) == before
