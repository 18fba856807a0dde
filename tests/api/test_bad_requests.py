"""Whatever a client sends, it gets a 4xx problem it can act on, never a 500 and never a
partial write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, award, event_count, specification


def bad_bodies(world: World) -> dict[str, tuple[str, Any]]:
    """name -> (path under the provider, JSON body)."""
    too_long = "x" * 5000
    return {
        "wrong type for a number": (
            "/micro-credentials",
            {"code": "A", "specification": specification(workload_ects="ten")},
        ),
        "wrong type for a list": (
            "/micro-credentials",
            {"code": "A", "specification": specification(learning_outcomes="one outcome")},
        ),
        "over-long title": (
            "/micro-credentials",
            {"code": "A", "specification": specification(title=too_long)},
        ),
        "over-long code": (
            "/micro-credentials",
            {"code": too_long, "specification": specification()},
        ),
        "over-long learner id": ("/awards", award("l" * 129, "R-1", world.credential_id)),
        "over-long reference": ("/awards", award("l-1", too_long, world.credential_id)),
        "unknown field": ("/awards", {**award("l-1", "R-1", world.credential_id), "x": 1}),
        "unknown nested field": (
            "/awards",
            award(
                "l-1",
                "R-1",
                world.credential_id,
                assessment={
                    "method": "m",
                    "assessed_on": "2026-01-01",
                    "result": "pass",
                    "colour": "blue",
                },
            ),
        ),
        "not a uuid": ("/awards", award("l-1", "R-1", "not-a-uuid")),
        "not a date": ("/awards", award("l-1", "R-1", world.credential_id, issued_on="yesterday")),
        "level out of range": (
            "/micro-credentials",
            {"code": "A", "specification": specification(nqf_level=99)},
        ),
        "missing field": ("/awards", {"learner_id": "l-1"}),
        "empty batch": ("/awards:batch", {"awards": []}),
        "oversized batch": (
            "/awards:batch",
            {"awards": [award(f"l-{i}", f"R-{i}", world.credential_id) for i in range(1001)]},
        ),
        "a list instead of an object": ("/awards", [1, 2, 3]),
        "null body": ("/awards", None),
    }


def test_a_body_of_the_wrong_shape_is_a_422_problem_naming_the_field(
    client: TestClient, world: World
) -> None:
    before = event_count(client)
    wrong: list[str] = []
    for case, (path, body) in bad_bodies(world).items():
        response = client.post(world.setu.path(path), json=body, headers=world.setu.headers)
        problem = response.json()
        if not (
            response.status_code == 422
            and response.headers["content-type"] == "application/problem+json"
            and problem["status"] == 422
            and problem["type"].endswith("/invalid-request")
            and problem["title"]
            and problem["detail"]
            and problem["errors"]
            and all(e["location"] for e in problem["errors"])
        ):
            wrong.append(f"{case}: {response.status_code} {response.text[:300]}")
    assert wrong == []
    assert event_count(client) == before


# The request's shape is checked before any store is touched: SQLite is enough.
SHAPE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@SHAPE_ONLY
@pytest.mark.parametrize(
    "body",
    [b'{"award_ids": ["\xff\xfe"]}', b"[" * 5_000 + b"]" * 5_000],
    ids=["not UTF-8", "nested too deep"],
)
def test_undecodable_json_is_the_same_400_malformed_json_problem(
    client: TestClient, world: World, body: bytes
) -> None:
    before = event_count(client)
    for path, headers in (
        ("/v1/credentials/status:batch", {}),
        (world.setu.path("/awards"), world.setu.headers),
    ):
        response = client.post(
            path, content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/malformed-json")
    assert event_count(client) == before


@SHAPE_ONLY
def test_malformed_json_is_a_400_problem(client: TestClient, world: World) -> None:
    before = event_count(client)
    response = client.post(
        world.setu.path("/awards"),
        content=b'{"learner_id": "l-1", "micro_credential_id": ',
        headers={**world.setu.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/malformed-json")
    assert event_count(client) == before


@SHAPE_ONLY
def test_a_body_that_is_not_json_is_refused(client: TestClient, world: World) -> None:
    response = client.post(
        world.setu.path("/awards"),
        content=b"learner=l-1",
        headers={**world.setu.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


@SHAPE_ONLY
def test_batch_item_errors_point_at_their_item(client: TestClient, world: World) -> None:
    awards = [award(f"l-{i}", f"R-{i}", world.credential_id) for i in range(3)]
    awards[2]["learner_id"] = "x" * 500
    response = client.post(
        world.setu.path("/awards:batch"), json={"awards": awards}, headers=world.setu.headers
    )
    assert response.status_code == 422
    assert [e["index"] for e in response.json()["errors"]] == [2]


@SHAPE_ONLY
def test_public_lookups_with_bad_parameters_are_422_problems(client: TestClient) -> None:
    award_id = "0b927adb-494f-5a17-a8df-f990ba7c98fc"
    for path, reason, location in [
        ("/v1/credentials/not-a-uuid/status", "not a uuid", ["path", "award_id"]),
        (
            f"/v1/credentials/{award_id}/status?at=2026-01-01T10:00",
            "a time without a zone",
            ["query", "at"],
        ),
        (f"/v1/credentials/{award_id}/status?at=soon", "not a time", ["query", "at"]),
        (f"/v1/credentials/{award_id}/status?at=", "an empty time", ["query", "at"]),
    ]:
        response = client.get(path)
        assert response.status_code == 422, reason
        assert response.headers["content-type"] == "application/problem+json", reason
        assert [e["location"] for e in response.json()["errors"]] == [location], reason
    oversized = client.post("/v1/credentials/status:batch", json={"award_ids": [award_id] * 1001})
    assert oversized.status_code == 422


@SHAPE_ONLY
def test_an_unknown_path_and_a_wrong_method_are_problems(client: TestClient) -> None:
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = client.delete("/v1/credentials/status:batch")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"


@SHAPE_ONLY
def test_an_oversized_body_is_a_413_problem_declared_or_streamed(
    client: TestClient, world: World
) -> None:
    huge = b'{"awards": [' + b" " * (17 * 1024 * 1024) + b"]}"
    declared = client.post(
        world.setu.path("/awards:batch"),
        content=huge,
        headers={**world.setu.headers, "Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["type"].endswith("/request-too-large")

    def chunks() -> Iterator[bytes]:
        for _ in range(17):
            yield b" " * (1024 * 1024)

    streamed = client.post(
        world.setu.path("/awards:batch"),
        content=chunks(),
        headers={**world.setu.headers, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["type"].endswith("/request-too-large")
