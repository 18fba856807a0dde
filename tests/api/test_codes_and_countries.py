"""Codes have one pattern and countries are ISO 3166 countries, checked in the domain:
a provider code with '/' used to be accepted and then unreachable by every provider
route; ``ZZ`` used to be a country."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Headers,
    World,
    accredited_credential,
    accredited_provider,
    award,
    event_count,
    ok,
    specification,
)


def register(client: TestClient, authority: Headers, code: str, country: str = "IE") -> object:
    return client.post(
        "/v1/authority/providers",
        json={"code": code, "name": "Some Institute", "country": country, "kind": "university"},
        headers=authority,
    )


@pytest.mark.parametrize("code", ["SE/TU", "SE TU", "..", "SETU-", "SE%TU"])
def test_a_provider_code_outside_the_pattern_is_refused_and_nothing_is_written(
    client: TestClient, authority: Headers, code: str
) -> None:
    before = event_count(client)
    response = register(client, authority, code)
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    problem = response.json()  # type: ignore[attr-defined]
    assert problem["type"].endswith("/invalid-code")
    assert "no '/'" in problem["detail"]
    assert event_count(client) == before
    assert ok(client.get("/v1/register/providers"))["total"] == 0


@pytest.mark.parametrize("country", ["ZZ", "EL", "UK", "1E"])
def test_a_country_that_iso_3166_does_not_list_is_refused(
    client: TestClient, authority: Headers, country: str
) -> None:
    response = register(client, authority, "SETU", country)
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert response.json()["type"].endswith("/invalid-country")  # type: ignore[attr-defined]
    assert ok(client.get("/v1/register/providers"))["total"] == 0


def test_a_micro_credential_code_outside_the_pattern_is_refused(
    client: TestClient, authority: Headers, world: World
) -> None:
    before = event_count(client)
    response = client.post(
        world.setu.path("/micro-credentials"),
        json={"code": "DA/201", "specification": specification()},
        headers=world.setu.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/invalid-code")
    assert event_count(client) == before


def test_the_verification_page_names_the_country_in_words(
    client: TestClient, authority: Headers
) -> None:
    """Czechia is not among the few names the page used to carry itself."""
    provider = accredited_provider(client, authority, "CVUT", country="cz")
    credential_id = accredited_credential(client, authority, provider, "DS-1")
    issued = ok(
        client.post(
            provider.path("/awards"),
            json=award("learner-cz", "CZ-1", credential_id),
            headers=provider.headers,
        ),
        201,
    )
    page = client.get(f"/verify/{issued['awards'][0]['award_id']}")
    assert page.status_code == 200
    assert "Czechia" in page.text
    assert ok(client.get("/v1/register/providers"))["items"][0]["country"] == "CZ"
