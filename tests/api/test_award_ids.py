"""Award ids are not computable from public facts, and re-sent awards still name the
same award: through the API, on both stores."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from ledger.domain import ids
from tests.api.conftest import Headers, World, award, event_count, ok, specification


def formula_id(provider_code: str, reference: str) -> str:
    """The id the ledger used to give an award: the name-based UUID of the provider's
    public code and the provider's own (often sequential) reference."""
    name = f"award:{ids.provider_id(provider_code)}:{reference.strip()}"
    return str(uuid.uuid5(ids.LEDGER_NAMESPACE, name))


def test_the_public_status_api_cannot_be_enumerated_with_provider_references(
    client: TestClient, world: World
) -> None:
    references = [f"2026-DA101-{n:06d}" for n in range(20)]
    body = {
        "awards": [
            award(f"learner-{n}", ref, world.credential_id) for n, ref in enumerate(references)
        ]
    }
    issued = ok(
        client.post(world.setu.path("/awards:batch"), json=body, headers=world.setu.headers), 201
    )["awards"]

    guessed = [formula_id("SETU", ref) for ref in references]
    probed = ok(client.post("/v1/credentials/status:batch", json={"award_ids": guessed}))
    assert [r["found"] for r in probed["results"]] == [False] * 20

    real = [a["award_id"] for a in issued]
    assert all(uuid.UUID(a).version == 4 for a in real)
    assert not set(real) & set(guessed)
    found = ok(client.post("/v1/credentials/status:batch", json={"award_ids": real}))
    assert [r["found"] for r in found["results"]] == [True] * 20


def stacked_target(client: TestClient, world: World, authority: Headers) -> str:
    target: str = ok(
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
    return target


def test_every_kind_of_award_sent_again_is_the_same_award_and_nothing_is_written(
    client: TestClient, world: World, authority: Headers
) -> None:
    """Without an Idempotency-Key: the provider's own reference names the award."""
    course = award("l-1", "R-1", world.credential_id)
    prior = {**award("l-2", "RPL-1", world.credential_id), "evidence": "a portfolio"}
    sends: list[tuple[str, dict[str, Any]]] = [
        ("/awards", course),
        ("/awards:batch", {"awards": [award("l-3", "B-1", world.credential_id)]}),
        ("/prior-learning-awards", prior),
    ]
    first = [
        ok(client.post(world.setu.path(path), json=body, headers=world.setu.headers), 201)
        for path, body in sends
    ]
    stack = {
        "learner_id": "l-1",
        "target_micro_credential_id": stacked_target(client, world, authority),
        "component_award_ids": [first[0]["awards"][0]["award_id"]],
        "provider_reference": "S-1",
    }
    sends.append(("/stacked-awards", stack))
    first.append(
        ok(
            client.post(world.setu.path("/stacked-awards"), json=stack, headers=world.setu.headers),
            201,
        )
    )
    before = event_count(client)

    again = [
        client.post(world.setu.path(path), json=body, headers=world.setu.headers)
        for path, body in sends
    ]

    assert [r.status_code for r in again] == [201] * 4, [r.text for r in again]
    answers = [r.json() for r in again]
    assert [a["awards"][0]["award_id"] for a in answers] == [
        f["awards"][0]["award_id"] for f in first
    ]
    assert [a["awards"][0]["created"] for a in answers] == [False] * 4
    assert event_count(client) == before


def test_a_reference_re_used_for_another_learner_is_refused_on_every_route(
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
    target = stacked_target(client, world, authority)
    stack = {
        "learner_id": "l-1",
        "target_micro_credential_id": target,
        "component_award_ids": [component],
        "provider_reference": "S-1",
    }
    ok(client.post(world.setu.path("/stacked-awards"), json=stack, headers=world.setu.headers), 201)
    before = event_count(client)

    refused = [
        client.post(
            world.setu.path("/awards"),
            json=award("l-2", "S-1", world.credential_id),
            headers=world.setu.headers,
        ),
        client.post(
            world.setu.path("/prior-learning-awards"),
            json={**award("l-2", "R-1", world.credential_id), "evidence": "a portfolio"},
            headers=world.setu.headers,
        ),
        client.post(
            world.setu.path("/stacked-awards"),
            json={**stack, "provider_reference": "R-1"},
            headers=world.setu.headers,
        ),
    ]

    assert [r.status_code for r in refused] == [409] * 3, [r.text for r in refused]
    assert all(r.json()["type"].endswith("/provider-reference-conflict") for r in refused)
    assert event_count(client) == before
