"""Inputs at the edges of what a schema allows, found by fuzzing the API: each is a 4xx
problem naming the field, never a 500, and an export that starts is one whose
completeness a client can check."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from ledger.domain import ids
from tests.api.conftest import Headers, World, award, ok

BEYOND_64_BITS = str(2**63)
# Valid ISO 8601 date-times whose UTC instants fall before year 1 or after year 9999.
EDGE_MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.fixture
def issued(client: TestClient, world: World) -> str:
    body = award("L-1", "R-1", world.credential_id)
    answer = ok(client.post(world.setu.path("/awards"), json=body, headers=world.setu.headers), 201)
    award_id: str = answer["awards"][0]["award_id"]
    return award_id


def assert_problem_naming(response: object, field: str) -> None:
    status = getattr(response, "status_code", None)
    assert status == 422, getattr(response, "text", "")
    body = response.json()  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert [e["location"] for e in body["errors"]] == [["query", field]]


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
def test_a_moment_outside_the_utc_calendar_is_a_422_everywhere(
    client: TestClient, authority: Headers, world: World, issued: str, moment: str
) -> None:
    aggregate_id = ids.provider_id(world.setu.code)
    for path, field in [
        (f"/v1/credentials/{issued}/status", "at"),
        (f"/v1/authority/aggregates/{aggregate_id}/state", "at"),
        ("/v1/authority/audit", "since"),
        ("/v1/authority/audit", "until"),
        ("/v1/authority/audit/export", "since"),
    ]:
        response = client.get(path, params={field: moment}, headers=authority)
        assert_problem_naming(response, field)


def test_a_position_or_version_beyond_64_bits_is_a_422(
    client: TestClient, authority: Headers, world: World
) -> None:
    aggregate_id = ids.provider_id(world.setu.code)
    for path, field in [
        ("/v1/authority/audit", "after"),
        ("/v1/authority/audit/export", "after"),
        (f"/v1/authority/aggregates/{aggregate_id}/state", "version"),
    ]:
        response = client.get(path, params={field: BEYOND_64_BITS}, headers=authority)
        assert_problem_naming(response, field)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_says_how_many_entries_make_it_whole_and_which_snapshot_it_is(
    client: TestClient, authority: Headers, world: World, issued: str, fmt: str
) -> None:
    everything = ok(client.get("/v1/authority/audit", params={"limit": 1000}, headers=authority))

    response = client.get("/v1/authority/audit/export", params={"format": fmt}, headers=authority)

    assert response.status_code == 200
    if fmt == "jsonl":
        received = len(response.text.splitlines())
    else:
        received = len(list(csv.reader(io.StringIO(response.text)))) - 1  # the header row
    assert int(response.headers["Ledger-Export-Count"]) == received
    assert received == len(everything["entries"])
    assert int(response.headers["Ledger-Export-Position"]) == everything["entries"][-1]["position"]


def test_an_export_is_the_snapshot_its_headers_name_even_when_filtered(
    client: TestClient, authority: Headers, world: World, issued: str
) -> None:
    response = client.get(
        "/v1/authority/audit/export",
        params={"event_type": "AwardIssued", "after": 1},
        headers=authority,
    )

    assert response.status_code == 200
    assert response.headers["Ledger-Export-Count"] == "1"
    assert len(response.text.splitlines()) == 1
