"""The authority's audit trail refuses a filter naming what the ledger never recorded:
an empty page would read as "nothing happened"."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Headers, World


@pytest.mark.parametrize(
    ("query", "status", "problem"),
    [
        ({"event_type": "AwardRevokd"}, 422, "unknown-event-type"),
        ({"aggregate_type": "Learner"}, 422, "unknown-event-type"),
        ({"provider_code": "NOSUCH"}, 404, "provider-not-found"),
    ],
)
def test_an_unknown_name_in_an_audit_filter_is_a_problem_not_an_empty_page(
    client: TestClient,
    authority: Headers,
    world: World,
    query: dict[str, str],
    status: int,
    problem: str,
) -> None:
    response = client.get("/v1/authority/audit", params=query, headers=authority)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(problem)


def test_known_names_in_an_audit_filter_still_answer(
    client: TestClient, authority: Headers, world: World
) -> None:
    response = client.get(
        "/v1/authority/audit",
        params={"event_type": "Accredited", "aggregate_type": "Provider", "provider_code": "SETU"},
        headers=authority,
    )

    assert response.status_code == 200, response.text
    assert [e["event_type"] for e in response.json()["entries"]] == ["Provider.Accredited"]
