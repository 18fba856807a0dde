"""The status route's lean path (api/status_lane.py) answers exactly as the routed
endpoint does: the same status, body and headers, the same access-log line and metric,
the same rate-limit token, on both stores. Each request is sent twice over ASGI: to the
app (the lane answers the plain form) and to the stack inside the lane (the routed
endpoint answers), on one running app and one store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import RateLimitConfig
from api.status_lane import StatusLane
from ledger.config import CorsSettings, DatabaseSettings, Settings
from ledger.policy import IRELAND
from tests.api.conftest import World, award, ok

VOLATILE = {b"x-request-id"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def comparable(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return self.status, [h for h in self.headers if h[0] not in VOLATILE], self.body


def scope_of(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    path_only, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("203.0.113.9", 40000),
        "server": ("testserver", 80),
        "app": app,
    }


async def call(asgi: Any, app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> Answer:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await asgi(scope_of(app, path, headers), receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return Answer(start["status"], list(start["headers"]), body)


def both(
    client: TestClient, path: str, headers: list[tuple[bytes, bytes]] = ()
) -> tuple[Answer, Answer]:  # type: ignore[assignment]
    """(the lane's answer, the routed endpoint's answer) to the same request."""
    app: FastAPI = client.app  # type: ignore[assignment]
    lane = app.middleware_stack
    assert isinstance(lane, StatusLane)

    async def run() -> tuple[Answer, Answer]:
        return (
            await call(lane, app, path, list(headers)),
            await call(lane.app, app, path, list(headers)),
        )

    return client.portal.call(run)  # type: ignore[union-attr]


@pytest.fixture
def issued(client: TestClient, world: World) -> tuple[str, str]:
    """(a valid award, a revoked award)."""
    ids = []
    for reference in ("LANE-1", "LANE-2"):
        body = ok(
            client.post(
                world.setu.path("/awards"),
                json=award("pseudonym-7", reference, world.credential_id),
                headers=world.setu.headers,
            ),
            201,
        )
        ids.append(body["awards"][0]["award_id"])
    ok(
        client.post(
            world.setu.path(f"/awards/{ids[1]}/revocation"),
            json={"category": "issued_in_error"},
            headers=world.setu.headers,
        )
    )
    return ids[0], ids[1]


def test_the_lane_answers_as_the_routed_endpoint(
    client: TestClient, issued: tuple[str, str]
) -> None:
    valid, revoked = issued
    unknown = "7d1e2f3a-4b5c-4d6e-8f70-812345678901"
    for award_id in (valid, revoked, unknown, valid.upper()):
        lane, routed = both(client, f"/v1/credentials/{award_id}/status")
        assert lane.comparable() == routed.comparable(), award_id
        assert lane.status in (200, 404)
        assert dict(lane.headers)[b"x-request-id"]

    etag = dict(both(client, f"/v1/credentials/{valid}/status")[0].headers)[b"etag"]
    lane, routed = both(client, f"/v1/credentials/{valid}/status", [(b"if-none-match", etag)])
    assert lane.status == routed.status == 304
    assert lane.comparable() == routed.comparable()


def test_a_given_request_id_is_kept_on_both(client: TestClient, issued: tuple[str, str]) -> None:
    lane, routed = both(
        client, f"/v1/credentials/{issued[0]}/status", [(b"x-request-id", b"hr-system-42")]
    )
    assert dict(lane.headers)[b"x-request-id"] == dict(routed.headers)[b"x-request-id"]
    assert dict(lane.headers)[b"x-request-id"] == b"hr-system-42"


def test_what_the_lane_leaves_to_the_app(client: TestClient, issued: tuple[str, str]) -> None:
    """A query, another method, a browser's Origin, an id in another spelling: the app's."""
    valid = issued[0]
    app: FastAPI = client.app  # type: ignore[assignment]
    served_by_lane = []
    for path, headers in (
        (f"/v1/credentials/{valid}/status?at=2026-01-01T00:00:00Z", []),
        (f"/v1/credentials/{valid}/status?log_proof=true", []),
        (f"/v1/credentials/{valid.replace('-', '')}/status", []),
        (f"/v1/credentials/{valid}/status", [(b"origin", b"https://hr.example")]),
    ):
        lane, routed = both(client, path, headers)
        assert lane.status == routed.status, path
        served_by_lane.append(lane.comparable() == routed.comparable())
    assert all(served_by_lane)
    assert isinstance(app.middleware_stack, StatusLane)


def test_the_access_log_line_and_the_metric_are_the_routed_ones(
    client: TestClient, issued: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/v1/credentials/{issued[0]}/status"
    metrics = client.app.state.metrics  # type: ignore[attr-defined]
    counter = metrics.requests.labels("GET", "/v1/credentials/{award_id}/status", "200")
    before = counter._value.get()
    with caplog.at_level(logging.INFO, logger="ledger.access"):
        both(client, path)
    lines = [r for r in caplog.records if r.name == "ledger.access"]
    assert len(lines) == 2
    fields = [dict(r.fields) for r in lines]  # type: ignore[attr-defined]
    for found in fields:
        found.pop("duration_ms")
    assert fields[0] == fields[1]
    assert fields[0]["route"] == "/v1/credentials/{award_id}/status"
    assert lines[0].getMessage() == lines[1].getMessage()
    assert counter._value.get() == before + 2


@pytest.fixture
def limited(database: DatabaseSettings) -> Iterator[TestClient]:
    app = create_app(
        Settings(database=database, policy=IRELAND),
        rate_limits=RateLimitConfig(rate_per_minute=1, burst=2),
    )
    with TestClient(app) as test_client:
        yield test_client


def test_the_lane_takes_the_same_token_and_refuses_with_the_same_429(
    limited: TestClient,
) -> None:
    path = "/v1/credentials/7d1e2f3a-4b5c-4d6e-8f70-812345678901/status"
    lane, routed = both(limited, path)  # two tokens: the burst
    assert (lane.status, routed.status) == (404, 404)
    lane, routed = both(limited, path)
    assert lane.status == routed.status == 429
    assert lane.comparable()[0] == routed.comparable()[0]
    assert lane.body == routed.body
    assert dict(lane.headers)[b"retry-after"] == dict(routed.headers)[b"retry-after"]


@pytest.mark.parametrize("origins", [(), ("https://hr.one.example",)], ids=["off", "narrowed"])
def test_the_lane_follows_the_cors_setting(
    database: DatabaseSettings, origins: tuple[str, ...]
) -> None:
    settings = Settings(database=database, policy=IRELAND, cors=CorsSettings(origins=origins))
    with TestClient(create_app(settings)) as client:
        path = "/v1/credentials/7d1e2f3a-4b5c-4d6e-8f70-812345678901/status"
        lane, routed = both(client, path)
        assert lane.comparable() == routed.comparable()
        assert (b"vary", b"Origin") in lane.headers if origins else True
