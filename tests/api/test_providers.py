"""What a provider's systems do through the API beyond the main story."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Headers, World, award, ok, specification


def test_recognition_of_prior_learning_is_an_award_with_its_evidence(
    client: TestClient, world: World, authority: Headers
) -> None:
    body = {
        **award("l-rpl", "RPL-1", world.credential_id),
        "evidence": "portfolio of five years as a data analyst",
    }
    granted = ok(
        client.post(
            world.setu.path("/prior-learning-awards"), json=body, headers=world.setu.headers
        ),
        201,
    )
    award_id = granted["awards"][0]["award_id"]
    status = ok(client.get(f"/v1/credentials/{award_id}/status"))
    assert status["route"] == "prior_learning" and status["status"] == "valid"

    no_evidence = client.post(
        world.setu.path("/prior-learning-awards"),
        json={**body, "provider_reference": "RPL-2", "evidence": " "},
        headers=world.setu.headers,
    )
    assert no_evidence.status_code == 422
    assert no_evidence.json()["type"].endswith("/reason-required")


def test_material_elements_of_an_accredited_credential_cannot_be_amended(
    client: TestClient, world: World
) -> None:
    refused = client.patch(
        world.setu.path(f"/micro-credentials/{world.credential_id}"),
        json={"changes": {"workload_ects": 15}, "reason": "more content"},
        headers=world.setu.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/material-change-not-allowed")

    removed = client.patch(
        world.setu.path(f"/micro-credentials/{world.credential_id}"),
        json={"changes": {"title": None}, "reason": "oops"},
        headers=world.setu.headers,
    )
    assert removed.status_code == 422
    assert "title" in removed.json()["errors"][0]["detail"]


def test_policy_bounds_are_the_ledgers_to_enforce(client: TestClient, world: World) -> None:
    too_big = client.post(
        world.setu.path("/micro-credentials"),
        json={"code": "BIG", "specification": specification(workload_ects=60)},
        headers=world.setu.headers,
    )
    assert too_big.status_code == 422
    assert too_big.json()["type"].endswith("/workload-out-of-bounds")
    assert "5-30 ECTS" in too_big.json()["detail"]

    duplicate = client.post(
        world.setu.path("/micro-credentials"),
        json={"code": "DA-101", "specification": specification()},
        headers=world.setu.headers,
    )
    assert duplicate.status_code == 409


def test_a_revoked_award_does_not_stack(
    client: TestClient, world: World, authority: Headers
) -> None:
    component = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-1", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )["awards"][0]["award_id"]
    target = ok(
        client.post(
            world.setu.path("/micro-credentials"),
            json={
                "code": "CERT",
                "specification": specification(title="Certificate", workload_ects=10),
                "stacking_rule": {
                    "required_components": [world.credential_id],
                    "min_total_ects": 10,
                },
            },
            headers=world.setu.headers,
        ),
        201,
    )["micro_credential_id"]
    ok(
        client.post(
            f"/v1/authority/micro-credentials/{target}/accreditation",
            json={"decision_reference": "V"},
            headers=authority,
        )
    )
    ok(
        client.post(
            world.setu.path(f"/awards/{component}/revocation"),
            json={"category": "issued_in_error", "note": "error"},
            headers=world.setu.headers,
        )
    )

    refused = client.post(
        world.setu.path("/stacked-awards"),
        json={
            "learner_id": "l-1",
            "target_micro_credential_id": target,
            "component_award_ids": [component],
            "provider_reference": "S-1",
        },
        headers=world.setu.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/award-not-stackable")


def test_revoking_twice_or_revoking_another_providers_award_is_refused(
    client: TestClient, world: World
) -> None:
    award_id = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-1", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )["awards"][0]["award_id"]
    stolen = client.post(
        world.atu.path(f"/awards/{award_id}/revocation"),
        json={"category": "other", "note": "x"},
        headers=world.atu.headers,
    )
    assert stolen.status_code == 403
    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={"category": "other", "note": "x"},
            headers=world.setu.headers,
        )
    )
    twice = client.post(
        world.setu.path(f"/awards/{award_id}/revocation"),
        json={"category": "other", "note": "x"},
        headers=world.setu.headers,
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/award-already-revoked")
