"""An HR system in a browser on another origin calls the public, read-only routes
(CORS), and cannot call the provider or authority routes. Over a real socket, against
``ledger serve``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cors import PUBLIC_PREFIXES
from ledger.config import CorsSettings, DatabaseSettings, Settings
from ledger.policy import IRELAND
from tests.api.served_demo import ServedDemo, served_demo

HR = "https://hr.employer.example"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDemo]:
    with served_demo(tmp_path_factory.mktemp("cors")) as running:
        yield running


@pytest.fixture(scope="module")
def http(served: ServedDemo) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=served.url, timeout=10) as client:
        yield client


def preflight(http: httpx2.Client, path: str, method: str, headers: str) -> httpx2.Response:
    return http.options(
        path,
        headers={
            "Origin": HR,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_a_browser_on_another_origin_may_check_statuses_in_a_batch(
    served: ServedDemo, http: httpx2.Client
) -> None:
    allowed = preflight(http, "/v1/credentials/status:batch", "POST", "content-type")

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "*"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "content-type" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers

    answer = http.post(
        "/v1/credentials/status:batch",
        json={"award_ids": [str(served.demo.valid_award)]},
        headers={"Origin": HR},
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"


def test_public_reads_and_their_refusals_carry_cors_headers(
    served: ServedDemo, http: httpx2.Client
) -> None:
    origin = {"Origin": HR}
    status = http.get(f"/v1/credentials/{served.demo.valid_award}/status", headers=origin)
    unknown = http.get(
        "/v1/credentials/00000000-0000-4000-8000-000000000000/status", headers=origin
    )
    register = http.get("/v1/register/providers", headers=origin)
    catalogue = http.get("/v1/register/micro-credentials", headers=origin)

    for answer, code in ((status, 200), (unknown, 404), (register, 200), (catalogue, 200)):
        assert answer.status_code == code
        assert answer.headers["access-control-allow-origin"] == "*"
    assert "etag" in status.headers["access-control-expose-headers"].lower()
    # The browser's script may read the problem of a refusal, not only successes.
    assert unknown.headers["content-type"] == "application/problem+json"


def test_keyed_routes_send_no_cors_headers_and_refuse_preflights(
    served: ServedDemo, http: httpx2.Client
) -> None:
    for path, method in (
        ("/v1/providers/SETU/awards", "POST"),
        ("/v1/providers/SETU/awards:batch", "POST"),
        ("/v1/authority/providers", "POST"),
        ("/v1/authority/keys", "GET"),
    ):
        refused = preflight(http, path, method, "authorization, content-type")
        assert refused.status_code >= 400, path
        assert "access-control-allow-origin" not in refused.headers, path
        assert refused.headers["content-type"] == "application/problem+json", path

    listed = http.get(
        "/v1/authority/keys",
        headers={"Origin": HR, "Authorization": f"Bearer {served.authority_secret}"},
    )
    assert listed.status_code == 200
    assert "access-control-allow-origin" not in listed.headers


def test_a_public_preflight_asking_to_send_a_key_is_refused_with_a_problem(
    http: httpx2.Client,
) -> None:
    refused = preflight(http, "/v1/credentials/status:batch", "POST", "authorization")

    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/cors-preflight-refused"
    assert "access-control-allow-origin" not in refused.headers


def test_every_route_cors_opens_is_public_and_reads_only() -> None:
    settings = Settings(database=DatabaseSettings(url="sqlite:///never-opened"), policy=IRELAND)
    document = TestClient(create_app(settings)).get("/openapi.json").json()  # no lifespan
    opened = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith(PUBLIC_PREFIXES)
        for method, operation in item.items()
    ]
    assert len(opened) >= 4
    for path, method, operation in opened:
        assert "security" not in operation, path
        # The POSTs are reads with a body: a batch of ids, a credential to check.
        reads_with_a_body = ("getCredentialStatuses", "verifyCredential")
        assert method == "get" or operation["operationId"] in reads_with_a_body, path


def test_the_origins_can_be_narrowed() -> None:
    narrowed = CorsSettings(origins=("https://hr.one.example", "https://hr.two.example"))
    settings = Settings(
        database=DatabaseSettings(url="sqlite:///never-opened"), policy=IRELAND, cors=narrowed
    )
    client = TestClient(create_app(settings))  # no lifespan: preflights need no store
    path = "/v1/credentials/status:batch"
    asked = {"Access-Control-Request-Method": "POST"}

    listed = client.options(path, headers={"Origin": "https://hr.two.example", **asked})
    other = client.options(path, headers={"Origin": HR, **asked})

    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == "https://hr.two.example"
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
