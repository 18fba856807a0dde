"""An award has the day it was issued (its legal date) and the moment it was entered in
the register; an accreditation decision has the day it took effect. Issuance is checked
against the standings on the issue day, and point-in-time answers judge by those days,
as the register knows them now, over HTTP on both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import (
    Headers,
    Provider,
    assessment,
    award,
    bearer,
    event_count,
    ok,
    specification,
)

TODAY = date.today()
SINCE = TODAY - timedelta(days=60)
"""The day the provider's and the credential's accreditations took effect."""


def noon(day: date) -> str:
    return datetime.combine(day, time(12), tzinfo=UTC).isoformat()


def accredited_since(client: TestClient, authority: Headers) -> tuple[Provider, str]:
    ok(
        client.post(
            "/v1/authority/providers",
            json={"code": "HIST", "name": "Old Institute", "country": "IE", "kind": "university"},
            headers=authority,
        ),
        201,
    )
    ok(
        client.post(
            "/v1/authority/providers/HIST/accreditation",
            json={
                "scope": {"levels": [5, 6, 7], "fields": ["0688 ICT"]},
                "valid_until": (TODAY + timedelta(days=700)).isoformat(),
                "decision_reference": "ACC/OLD/1",
                "effective_on": SINCE.isoformat(),
            },
            headers=authority,
        )
    )
    key = ok(
        client.post(
            "/v1/authority/providers/HIST/keys", json={"name": "records"}, headers=authority
        ),
        201,
    )
    provider = Provider("HIST", bearer(key["secret"]), key["key_id"])
    credential = ok(
        client.post(
            provider.path("/micro-credentials"),
            json={"code": "DA-1", "specification": specification()},
            headers=provider.headers,
        ),
        201,
    )["micro_credential_id"]
    ok(
        client.post(
            f"/v1/authority/micro-credentials/{credential}/accreditation",
            json={"decision_reference": "VAL/OLD/1", "effective_on": SINCE.isoformat()},
            headers=authority,
        )
    )
    return provider, credential


def dated(provider: Provider, credential: str, reference: str, issued_on: date) -> dict[str, Any]:
    taken = assessment()
    taken["assessed_on"] = (issued_on - timedelta(days=2)).isoformat()
    return award(
        "learner-7", reference, credential, issued_on=issued_on.isoformat(), assessment=taken
    )


def test_a_backdated_award_is_valid_from_its_issue_day_and_shows_both_dates(
    client: TestClient, authority: Headers
) -> None:
    provider, credential = accredited_since(client, authority)
    issued_on = TODAY - timedelta(days=30)
    body = dated(provider, credential, "R-1", issued_on)
    award_id = ok(client.post(provider.path("/awards"), json=body, headers=provider.headers), 201)[
        "awards"
    ][0]["award_id"]

    now = ok(client.get(f"/v1/credentials/{award_id}/status"))
    assert (now["status"], now["issued_on"]) == ("valid", issued_on.isoformat())
    assert now["recorded_at"].startswith(TODAY.isoformat())

    # The defect: "valid on a day after its issue?" answered not_yet_issued.
    then = ok(client.get(f"/v1/credentials/{award_id}/status", params={"at": noon(issued_on)}))
    assert then["status"] == "valid"
    assert then["issuer"]["accreditation_state"] == "accredited"
    assert then["recorded_at"] == now["recorded_at"]
    before = ok(
        client.get(
            f"/v1/credentials/{award_id}/status",
            params={"at": noon(issued_on - timedelta(days=1))},
        )
    )
    assert before["status"] == "not_yet_issued"

    page = client.get(f"/verify/{award_id}", params={"on": issued_on.isoformat()})
    assert page.status_code == 200
    assert "this credential was valid" in page.text
    assert f'Issued on <time datetime="{issued_on.isoformat()}">' in page.text
    assert "entered in the register on" in page.text
    assert "Judged by the day the credential was issued" in page.text
    assert "Accredited by the national authority" in page.text


def test_before_the_provider_was_in_the_register_the_answer_says_so(
    client: TestClient, authority: Headers
) -> None:
    provider, credential = accredited_since(client, authority)
    body = dated(provider, credential, "R-1", TODAY)
    award_id = ok(client.post(provider.path("/awards"), json=body, headers=provider.headers), 201)[
        "awards"
    ][0]["award_id"]
    long_ago = ok(
        client.get(
            f"/v1/credentials/{award_id}/status",
            params={"at": noon(SINCE - timedelta(days=1))},
        )
    )
    assert long_ago["status"] == "not_yet_issued"
    assert long_ago["issuer"]["accreditation_state"] == "not_registered"
    page = client.get(f"/verify/{award_id}", params={"on": (SINCE - timedelta(1)).isoformat()})
    assert "Not in the national register on that day" in page.text


def test_an_award_dated_before_the_accreditation_took_effect_is_refused(
    client: TestClient, authority: Headers
) -> None:
    """The defect: an award dated 1999 from a provider accredited today was valid."""
    provider, credential = accredited_since(client, authority)
    before = event_count(client)
    refused = client.post(
        provider.path("/awards"),
        json=dated(provider, credential, "R-1", SINCE - timedelta(days=1)),
        headers=provider.headers,
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/provider-not-accredited")
    assert "not yet accredited" in problem["detail"]
    assert event_count(client) == before


def test_an_award_dated_beyond_the_policys_bound_is_refused(
    client: TestClient, authority: Headers
) -> None:
    provider, credential = accredited_since(client, authority)
    refused = client.post(
        provider.path("/awards"),
        json=dated(provider, credential, "R-1", TODAY - timedelta(days=181)),
        headers=provider.headers,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/backdated-too-far")


def test_a_decision_cannot_take_effect_in_the_future(
    client: TestClient, authority: Headers
) -> None:
    accredited_since(client, authority)
    before = event_count(client)
    refused = client.post(
        "/v1/authority/providers/HIST/suspension",
        json={
            "reason": "audit",
            "decision_reference": "S/1",
            "effective_on": (TODAY + timedelta(days=1)).isoformat(),
        },
        headers=authority,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/invalid-accreditation")
    assert event_count(client) == before
