"""Who may call what: every endpoint the app serves, called with no key, a wrong
provider's key, the right provider's key and an authority key.

The endpoints are read from the app itself, so a new endpoint is in the matrix the
moment it exists: under ``/v1/providers/{provider_code}`` it must take that provider's
key only, under ``/v1/authority`` the authority's key only, and anything else must be
listed in `PUBLIC` on purpose.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ledger.domain import ids
from tests.api.conftest import Headers, Provider, World, award, event_count, ok
from tests.conftest import THE_AUTHORITY

PUBLIC = {
    "/",
    "/openapi.json",
    "/docs",
    "/docs/assets/redoc.standalone.js",
    "/redoc",
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/credentials/{award_id}/status",
    "/v1/credentials/status:batch",
    "/v1/register/providers",
    "/v1/register/micro-credentials",
    "/verify",
    "/verify/{award_id}",
    "/verify/static/verify.css",
    # Controller documents (did:web): the public keys that verify what the ledger signs.
    "/.well-known/did.json",
    "/did.json",
    "/providers/{code}/did.json",
    # Portable credentials (api/routers/credentials.py): public, no key, by design.
    "/v1/credentials/{award_id}/credential",
    "/v1/credentials/{award_id}/europass",
    "/contexts/eu-elements/v1",
    "/v1/status-lists/{issuer}/{list_number}",
    "/v1/verifications",
    # The tamper-evident log: anyone checks that the register was only appended to.
    "/v1/log/checkpoint",
    "/v1/log/key",
    "/v1/log/tile/{path:path}",
    "/v1/log/inclusion",
    "/v1/log/consistency",
}


def endpoints(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, including those of included routers.

    FastAPI 0.16x keeps included routers as nested route groups; their
    ``effective_candidates()`` are the routes as mounted (with their prefix)."""

    def walk(routes: list[Any]) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                yield from walk(route.effective_candidates())
                continue
            original = getattr(route, "original_route", route)
            for method in sorted(getattr(original, "methods", None) or ()):
                if method != "HEAD":
                    yield method, route.path

    yield from walk(list(app.routes))


def concrete(path: str, world: World) -> str:
    values = {
        "provider_code": world.setu.code,
        "micro_credential_id": world.credential_id,
        "key_id": "0123456789ab",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), path)


def call(client: TestClient, method: str, path: str, headers: Headers) -> Any:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return client.request(method, path, json=body, headers=headers)


def test_every_endpoint_answers_each_kind_of_caller_as_it_should(
    client: TestClient, authority: Headers, world: World
) -> None:
    routes = list(endpoints(client.app))  # type: ignore[arg-type]
    assert len(routes) > 30
    callers: dict[str, Headers] = {
        "no key": {},
        "invalid key": {"Authorization": "Bearer mcl_000000000000_not-a-key"},
        "wrong provider": world.atu.headers,
        "provider": world.setu.headers,
        "authority": authority,
    }
    unexpected: list[str] = []
    for method, template in routes:
        path = concrete(template, world)
        if template.startswith("/v1/providers/"):
            audience = "provider"
        elif template.startswith("/v1/authority/"):
            audience = "authority"
        else:
            assert template in PUBLIC, f"{method} {template}: new public endpoint? list it"
            audience = "public"
        for caller, headers in callers.items():
            response = call(client, method, path, headers)
            status = response.status_code
            assert status < 500, f"{method} {path} as {caller}: {response.text}"
            if audience == "public" or caller == audience:
                expected_ok = status not in (401, 403)
            elif caller in ("no key", "invalid key"):
                expected_ok = status == 401 and "Bearer" in response.headers["WWW-Authenticate"]
            else:
                expected_ok = status == 403
            if status >= 400:
                assert response.headers["content-type"].startswith(
                    ("application/problem+json", "text/html")
                ), f"{method} {path} as {caller}: {response.headers['content-type']}"
            if not expected_ok:
                unexpected.append(f"{method} {template} as {caller}: {status}")
    assert unexpected == []


@pytest.mark.parametrize("caller", ["wrong provider", "authority"])
def test_a_provider_key_acts_for_its_own_provider_only(
    client: TestClient, authority: Headers, world: World, caller: str
) -> None:
    headers = world.atu.headers if caller == "wrong provider" else authority
    refused = client.post(
        world.setu.path("/micro-credentials"),
        json={"code": "X-1", "specification": {}},
        headers=headers,
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"]


def test_a_provider_cannot_touch_another_providers_credential_or_award(
    client: TestClient, world: World
) -> None:
    # ATU, acting on its own path, names SETU's micro-credential: the ledger refuses.
    refused = client.post(
        world.atu.path(f"/micro-credentials/{world.credential_id}/assessment-method"),
        json={"assessment_type": "oral exam", "reason": "take over"},
        headers=world.atu.headers,
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/not-your-object")


# --- learners' personal data: who may do what -----------------------------------------
PERSONAL = {"name": "Máire Ní Bhriain", "national_id": "8123456TA", "email": "maire@example.ie"}


def _record_personal_data(client: TestClient, provider: Provider, learner: str) -> Any:
    return client.post(
        provider.path("/learners/personal-data"),
        json={"learner_id": learner, "personal_data": PERSONAL},
        headers=provider.headers,
    )


def _learner_key_exists(client: TestClient, learner: str) -> bool:
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return bool(ledger.ledger_recorder.learner_key_ever_existed(ids.learner_record_id(learner)))


def test_a_provider_records_personal_data_only_of_learners_it_awarded(
    client: TestClient, world: World
) -> None:
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-501", "R-501", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    before = event_count(client)

    stranger = _record_personal_data(client, world.atu, "l-501")
    unknown = _record_personal_data(client, world.atu, "l-nobody")

    assert stranger.status_code == 403
    assert stranger.headers["content-type"] == "application/problem+json"
    assert stranger.json()["type"].endswith("/not-your-learner")
    # A learner without a record is refused in the very same words: the refusal does not
    # tell a provider which pseudonymous ids the ledger knows.
    assert unknown.status_code == 403
    assert unknown.json() == stranger.json()
    assert event_count(client) == before
    assert not _learner_key_exists(client, "l-501")
    assert not _learner_key_exists(client, "l-nobody")

    ok(_record_personal_data(client, world.setu, "l-501"))
    assert event_count(client) == before + 1


def test_a_provider_cannot_replace_the_personal_data_of_another_providers_learner(
    client: TestClient, world: World
) -> None:
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-502", "R-502", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    ok(_record_personal_data(client, world.setu, "l-502"))
    before = event_count(client)

    refused = client.post(
        world.atu.path("/learners/personal-data"),
        json={"learner_id": "l-502", "personal_data": {"name": "Someone Else"}},
        headers=world.atu.headers,
    )

    assert refused.status_code == 403
    assert event_count(client) == before
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    assert ledger.read_personal_data("l-502", by=THE_AUTHORITY) == PERSONAL


def test_a_provider_keeps_custody_of_its_learner_after_revoking_the_award(
    client: TestClient, world: World
) -> None:
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-503", "R-503", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id = issued["awards"][0]["award_id"]
    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={"category": "issued_in_error"},
            headers=world.setu.headers,
        )
    )
    ok(_record_personal_data(client, world.setu, "l-503"))


def test_a_stranger_provider_is_not_told_that_a_learner_was_erased(
    client: TestClient, authority: Headers, world: World
) -> None:
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-504", "R-504", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    ok(_record_personal_data(client, world.setu, "l-504"))
    ok(
        client.post(
            "/v1/authority/learners/erasure",
            json={"learner_id": "l-504", "reason": "GDPR request 2026-31"},
            headers=authority,
        )
    )

    assert _record_personal_data(client, world.atu, "l-504").status_code == 403
    assert _record_personal_data(client, world.setu, "l-504").status_code == 409


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/authority/learners/erasure", {"learner_id": "l-505", "reason": "asked"}),
        ("GET", "/v1/authority/transcripts?learner_id=l-505", None),
        ("GET", "/v1/authority/aggregates/{record}/events", None),
    ],
    ids=["erasure", "transcript", "record-history"],
)
def test_only_the_authority_erases_or_exports_a_learners_record(
    client: TestClient,
    authority: Headers,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    """Even the provider that awarded the learner: the learner exports their record and
    asks for erasure through the authority, which executes both."""
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-505", "R-505", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    ok(_record_personal_data(client, world.setu, "l-505"))
    path = path.replace("{record}", str(ids.learner_record_id("l-505")))
    before = event_count(client)

    refused = client.request(method, path, json=body, headers=world.setu.headers)

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert event_count(client) == before
    ok(client.request(method, path, json=body, headers=authority))
