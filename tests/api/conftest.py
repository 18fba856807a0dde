"""The API under test: a real app (with its lifespan: ledger, views, embedded follower)
on a fresh SQLite file or PostgreSQL schema, driven through HTTP only.

The first authority key is made the way an operator makes it (the key store the
``ledger authority create-key`` command uses); everything after that goes through
HTTP, as a user would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings, SigningSettings
from ledger.domain.principal import Role
from ledger.policy import IRELAND

Headers = dict[str, str]


@pytest.fixture
def client(database: DatabaseSettings) -> Iterator[TestClient]:
    app = create_app(Settings(database=database, policy=IRELAND))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def signing_client(database: DatabaseSettings) -> Iterator[TestClient]:
    """The API with a signing key secret, as a production deployment has one (on
    PostgreSQL no key is made or used without it): for what the ledger signs."""
    signing = SigningSettings(secret=os.urandom(32))
    app = create_app(Settings(database=database, policy=IRELAND, signing=signing))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def authority(client: TestClient) -> Headers:
    """Headers carrying a fresh authority key (actor ``authority:registrar``)."""
    keys = client.app.state.services.keys  # type: ignore[attr-defined]
    issued = keys.create(role=Role.AUTHORITY, name="registrar", created_by="cli:test")
    return bearer(issued.secret)


def bearer(secret: str) -> Headers:
    return {"Authorization": f"Bearer {secret}"}


# --- request bodies ------------------------------------------------------------------------
def specification(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Data Analytics Fundamentals",
        "learning_outcomes": ["Clean a data set", "Explain a regression"],
        "workload_ects": 10,
        "assessment_type": "practical project",
        "participation_form": "blended",
        "quality_assurance": "QQI validated programme",
        "field_of_study": "0688 ICT",
        "nqf_level": 6,
        "eqf_level": 5,
    }
    values.update(overrides)
    return values


def assessment(method: str = "practical project") -> dict[str, Any]:
    return {
        "method": method,
        "assessed_on": (date.today() - timedelta(days=3)).isoformat(),
        "result": "pass",
        "grade": "B+",
    }


def award(learner: str, reference: str, credential_id: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "learner_id": learner,
        "micro_credential_id": credential_id,
        "provider_reference": reference,
        "assessment": assessment(),
    }
    values.update(overrides)
    return values


# --- a small world, set up through HTTP ----------------------------------------------------
@dataclass(frozen=True)
class Provider:
    code: str
    headers: Headers
    key_id: str

    def path(self, rest: str) -> str:
        return f"/v1/providers/{self.code}{rest}"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    """The JSON of a response that must have succeeded with ``status``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def accredited_provider(
    client: TestClient, authority: Headers, code: str, country: str = "IE"
) -> Provider:
    """Registered, accredited for levels 5-7 in ICT and management, with a key."""
    ok(
        client.post(
            "/v1/authority/providers",
            json={
                "code": code,
                "name": f"{code} Institute",
                "country": country,
                "kind": "university",
            },
            headers=authority,
        ),
        201,
    )
    ok(
        client.post(
            f"/v1/authority/providers/{code}/accreditation",
            json={
                "scope": {"levels": [5, 6, 7], "fields": ["0688 ICT", "0413 Management"]},
                "valid_until": (date.today() + timedelta(days=3 * 365)).isoformat(),
                "decision_reference": f"QQI/ACC/{code}",
            },
            headers=authority,
        )
    )
    key = ok(
        client.post(
            f"/v1/authority/providers/{code}/keys",
            json={"name": "student-records"},
            headers=authority,
        ),
        201,
    )
    return Provider(code, bearer(key["secret"]), key["key_id"])


def accredited_credential(
    client: TestClient, authority: Headers, provider: Provider, code: str, **spec: Any
) -> str:
    defined = ok(
        client.post(
            provider.path("/micro-credentials"),
            json={"code": code, "specification": specification(**spec)},
            headers=provider.headers,
        ),
        201,
    )
    credential_id: str = defined["micro_credential_id"]
    ok(
        client.post(
            f"/v1/authority/micro-credentials/{credential_id}/accreditation",
            json={"decision_reference": f"QQI/VAL/{code}"},
            headers=authority,
        )
    )
    return credential_id


@dataclass(frozen=True)
class World:
    """An accredited provider SETU with an accredited credential, and a second provider
    ATU (for "wrong provider" checks)."""

    setu: Provider
    atu: Provider
    credential_id: str


@pytest.fixture
def world(client: TestClient, authority: Headers) -> World:
    setu = accredited_provider(client, authority, "SETU")
    atu = accredited_provider(client, authority, "ATU")
    return World(setu, atu, accredited_credential(client, authority, setu, "DA-101"))


def event_count(client: TestClient) -> int:
    """How many events the log holds (to prove that nothing was written)."""
    return int(client.app.state.services.read_model.log_position())  # type: ignore[attr-defined]
