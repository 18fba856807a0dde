"""Stacking over HTTP, as a provider sends it: each micro-credential counts once towards
the target, and the same components do not stack into the same target twice."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Headers, World, award, event_count, ok, specification


def issue(client: TestClient, world: World, reference: str) -> str:
    body = award("l-1", reference, world.credential_id)
    created = ok(
        client.post(world.setu.path("/awards"), json=body, headers=world.setu.headers), 201
    )
    award_id: str = created["awards"][0]["award_id"]
    return award_id


def stacked_target(client: TestClient, world: World, authority: Headers, min_ects: int) -> str:
    target: str = ok(
        client.post(
            world.setu.path("/micro-credentials"),
            json={
                "code": "CERT",
                "specification": specification(title="Certificate", workload_ects=10),
                "stacking_rule": {"required_components": [], "min_total_ects": min_ects},
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
    return target


def stack(client: TestClient, world: World, target: str, components: list[str], ref: str) -> Any:
    return client.post(
        world.setu.path("/stacked-awards"),
        json={
            "learner_id": "l-1",
            "target_micro_credential_id": target,
            "component_award_ids": components,
            "provider_reference": ref,
        },
        headers=world.setu.headers,
    )


def test_two_awards_of_one_credential_count_once(
    client: TestClient, world: World, authority: Headers
) -> None:
    """The world's credential is 10 ECTS: two awards of it are 10 ECTS, not 20."""
    first, again = issue(client, world, "R-1"), issue(client, world, "R-2")
    target = stacked_target(client, world, authority, min_ects=20)
    before = event_count(client)
    refused = stack(client, world, target, [first, again], "S-1")
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/stacking-rule-not-met")
    assert "10 ECTS" in refused.json()["detail"]
    assert event_count(client) == before


def test_the_same_components_do_not_stack_into_the_same_target_again(
    client: TestClient, world: World, authority: Headers
) -> None:
    component = issue(client, world, "R-1")
    target = stacked_target(client, world, authority, min_ects=10)
    first = ok(stack(client, world, target, [component], "S-1"), 201)
    resent = ok(stack(client, world, target, [component], "S-1"), 201)
    assert resent["awards"][0]["award_id"] == first["awards"][0]["award_id"]

    before = event_count(client)
    again = stack(client, world, target, [component], "S-2")
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("/already-stacked")
    assert first["awards"][0]["award_id"] in again.json()["detail"]
    assert event_count(client) == before


def test_a_stacked_award_whose_component_is_revoked_reads_component_revoked(
    client: TestClient, world: World, authority: Headers
) -> None:
    """The defect: the stacked award stayed plainly valid. The default policy flags it
    and names the component; its provider re-stacks it from valid awards."""
    component, spare = issue(client, world, "R-1"), issue(client, world, "R-2")
    target = stacked_target(client, world, authority, min_ects=10)
    stacked = ok(stack(client, world, target, [component], "S-1"), 201)["awards"][0]["award_id"]
    ok(
        client.post(
            world.setu.path(f"/awards/{component}/revocation"),
            json={"category": "issued_in_error"},
            headers=world.setu.headers,
        )
    )
    answer = ok(client.get(f"/v1/credentials/{stacked}/status"))
    assert (answer["status"], answer["revoked_component"]) == ("component_revoked", component)
    assert answer["revoked_at"] is None
    batch = ok(client.post("/v1/credentials/status:batch", json={"award_ids": [stacked]}))
    assert batch["results"][0]["credential_status"]["status"] == "component_revoked"
    assert "one of them has been revoked" in client.get(f"/verify/{stacked}").text
    transcript = ok(client.get("/v1/authority/transcripts?learner_id=l-1", headers=authority))
    by_id = {a["award_id"]: a["status"] for a in transcript["awards"]}
    assert (by_id[stacked], by_id[component]) == ("component_revoked", "revoked")

    again = ok(stack(client, world, target, [spare], "S-2"), 201)["awards"][0]["award_id"]
    assert ok(client.get(f"/v1/credentials/{again}/status"))["status"] == "valid"
