"""Each route reads at most what its largest valid request needs.

The public ``status:batch`` used to read bodies up to the global 16 MiB although 1,000
ids fit in about 40 KB. An ASGI spy outside the app counts the body bytes the app
actually took from the server, so "refused without being read" is observed, not
assumed. Body limits are enforced before the store is asked anything: SQLite shows it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.limits import DEFAULT_MAX_BODY_BYTES, route_body_cap
from ledger.config import DatabaseSettings, Settings
from ledger.policy import IRELAND
from tests.api.conftest import (
    Headers,
    accredited_credential,
    accredited_provider,
    ok,
)

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
BATCH = "/v1/credentials/status:batch"
JSON = {"Content-Type": "application/json"}
WIDE = "\U0001d49c"  # MATHEMATICAL SCRIPT CAPITAL A: one character, four bytes in UTF-8


class BodySpy:
    """The app, counting the body bytes it takes from the server."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.taken = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def spying_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.taken += len(message.get("body", b""))
            return message

        await self.app(scope, spying_receive, send)


@pytest.fixture
def spied(database: DatabaseSettings) -> Iterator[tuple[TestClient, BodySpy]]:
    app = create_app(Settings(database=database, policy=IRELAND))
    spy = BodySpy(app)
    with TestClient(spy) as client:  # type: ignore[arg-type]
        yield client, spy


def api_routes(app: Any) -> Iterator[APIRoute]:
    yield from _routes_of(app.router.routes)


def _routes_of(routes: Any) -> Iterator[APIRoute]:
    # A router may include routers (the authority's, by topic), to any depth.
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes_of(included.routes)


def cap_of(client: TestClient, path_end: str, method: str = "POST") -> int:
    app = client.app.app  # type: ignore[attr-defined]
    for route in api_routes(app):
        if route.path.endswith(path_end) and method in route.methods:
            return route_body_cap(route, DEFAULT_MAX_BODY_BYTES)
    raise AssertionError(f"no route {method} ...{path_end}")


def assert_too_large(response: Any) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/request-too-large")


def padded_batch(size: int) -> bytes:
    """A syntactically plausible status batch of exactly ``size`` bytes."""
    head, tail = b'{"award_ids": ["' + str(uuid.uuid4()).encode() + b'"', b"]}"
    return head + b" " * (size - len(head) - len(tail)) + tail


@SQLITE
def test_a_status_batch_just_over_its_cap_is_413_without_being_read(
    spied: tuple[TestClient, BodySpy],
) -> None:
    client, spy = spied
    cap = cap_of(client, "/status:batch")
    assert 40_000 < cap < 70_000  # 1,000 ids in their longest spelling, not 16 MiB

    refused = client.post(BATCH, content=padded_batch(cap + 1), headers=JSON)

    assert_too_large(refused)
    assert spy.taken == 0
    at_cap = client.post(BATCH, content=padded_batch(cap), headers=JSON)
    assert at_cap.status_code == 200, at_cap.text
    assert spy.taken == cap


def post_chunked(client: TestClient, path: str, chunks: Iterator[bytes]) -> tuple[int, Any, int]:
    """POST ``chunks`` as a server delivers a chunked body (one ASGI message each, no
    Content-Length), on the started app; (status, problem, body bytes taken)."""
    # The test client reads a streamed body whole before the app sees it; this is
    # what uvicorn does instead.
    app = client.app
    taken = 0
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> Message:
        nonlocal taken
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = dict(message["headers"])
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("203.0.113.1", 40000),
        "server": ("testserver", 80),
    }

    async def call() -> None:
        await app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(call)
    assert answer["headers"][b"content-type"] == b"application/problem+json"
    return answer["status"], json.loads(answer["body"]), taken


@SQLITE
def test_a_chunked_body_over_the_cap_is_413_as_it_arrives(
    spied: tuple[TestClient, BodySpy],
) -> None:
    client, _ = spied
    cap = cap_of(client, "/status:batch")
    chunk = 8 * 1024

    def chunks() -> Iterator[bytes]:
        yield b'{"award_ids": ['
        for _ in range(10 * cap // chunk):
            yield b" " * chunk

    status, problem, taken = post_chunked(client, BATCH, chunks())

    assert status == 413
    assert problem["type"].endswith("/request-too-large")
    assert taken <= cap + chunk  # stopped at the route's cap, not at the global 16 MiB


@SQLITE
def test_a_batch_of_1000_ids_in_their_longest_spelling_passes(
    spied: tuple[TestClient, BodySpy],
) -> None:
    client, _ = spied
    ids = [f"urn:uuid:{uuid.uuid4()}" for _ in range(1000)]
    body = json.dumps({"award_ids": ids}, indent=4).encode()

    answer = ok(client.post(BATCH, content=body, headers=JSON))

    assert len(answer["results"]) == 1000
    assert not any(r["found"] for r in answer["results"])


@SQLITE
def test_small_commands_are_capped_at_a_few_kilobytes(
    spied: tuple[TestClient, BodySpy],
) -> None:
    client, spy = spied
    cap = cap_of(client, "/awards/{award_id}/revocation")
    assert cap < 16 * 1024  # a reason of 2,000 characters
    authority_cap = cap_of(client, "/keys")
    assert authority_cap < 4 * 1024

    refused = client.post(
        f"/v1/providers/SETU/awards/{uuid.uuid4()}/revocation",
        content=b'{"reason": "' + b"x" * cap + b'"}',
        headers=JSON,
    )

    assert_too_large(refused)
    assert spy.taken == 0  # not read, and before any key was looked at


@SQLITE
def test_every_route_with_a_body_has_a_cap_of_its_own_below_the_global_one(
    spied: tuple[TestClient, BodySpy],
) -> None:
    client, _ = spied
    routes = [r for r in api_routes(client.app.app) if r.body_field is not None]  # type: ignore[attr-defined]
    assert len(routes) > 20
    for route in routes:
        # A request model with an unbounded string or list would fall back to 16 MiB.
        assert route_body_cap(route, DEFAULT_MAX_BODY_BYTES) < 12 * 1024 * 1024, route.path


def maximal_award(n: int, credential_id: str, method: str) -> dict[str, Any]:
    """An award with every field at its longest, in four-byte characters."""
    number = f"{n:04d}"
    return {
        "learner_id": (WIDE * 128)[: 128 - len(number)] + number,
        "micro_credential_id": f"urn:uuid:{credential_id}",
        "provider_reference": (WIDE * 200)[: 200 - len(number)] + number,
        "assessment": {
            "method": method,
            "assessed_on": (date.today() - timedelta(days=3)).isoformat(),
            "result": WIDE * 200,
            "grade": WIDE * 50,
            "supervision": "supervised_without_id_check",
            "identity_verified": False,
            "accommodation": WIDE * 2000,
        },
        "issued_on": date.today().isoformat(),
    }


@SQLITE
def test_an_issuance_batch_of_1000_maximal_awards_passes(
    spied: tuple[TestClient, BodySpy], authority_headers: Headers
) -> None:
    client, _ = spied
    provider = accredited_provider(client, authority_headers, "SETU")
    method = WIDE * 200
    credential_id = accredited_credential(
        client, authority_headers, provider, "DA-101", assessment_type=method
    )
    awards = [maximal_award(n, credential_id, method) for n in range(1000)]
    body = json.dumps({"awards": awards}, ensure_ascii=False).encode()
    assert len(body) > 10 * 1024 * 1024  # over 10 MB: most of the issuance cap

    answer = ok(
        client.post(
            provider.path("/awards:batch"), content=body, headers={**provider.headers, **JSON}
        ),
        201,
    )

    assert len(answer["awards"]) == 1000
    assert len(body) <= cap_of(client, "/awards:batch")


@pytest.fixture
def authority_headers(spied: tuple[TestClient, BodySpy]) -> Headers:
    from ledger.domain.principal import Role
    from tests.api.conftest import bearer

    client, _ = spied
    keys = client.app.app.state.services.keys  # type: ignore[attr-defined]
    return bearer(keys.create(role=Role.AUTHORITY, name="registrar", created_by="t").secret)
