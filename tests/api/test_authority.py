"""The authority's decisions, audit and erasure, through HTTP."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from ledger.domain import ids
from tests.api.conftest import Headers, World, award, ok
from tests.conftest import THE_AUTHORITY


def decision(reason: str = "quality review") -> dict[str, str]:
    return {"reason": reason, "decision_reference": "QQI/DEC/1"}


def test_a_suspended_provider_cannot_issue_until_reinstated(
    client: TestClient, authority: Headers, world: World
) -> None:
    ok(client.post("/v1/authority/providers/SETU/suspension", json=decision(), headers=authority))
    refused = client.post(
        world.setu.path("/awards"),
        json=award("l", "R-1", world.credential_id),
        headers=world.setu.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/provider-not-accredited")

    again = client.post(
        "/v1/authority/providers/SETU/suspension", json=decision(), headers=authority
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/invalid-transition")

    ok(
        client.post(
            "/v1/authority/providers/SETU/reinstatement", json=decision("fixed"), headers=authority
        )
    )
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )


def test_renewal_and_withdrawal_of_a_provider(
    client: TestClient, authority: Headers, world: World
) -> None:
    renewed = ok(
        client.post(
            "/v1/authority/providers/ATU/renewal",
            json={
                "valid_until": (date.today() + timedelta(days=2000)).isoformat(),
                "decision_reference": "QQI/REN/1",
                "scope": {"levels": [6], "fields": ["0688 ICT"]},
            },
            headers=authority,
        )
    )
    assert renewed["provider_id"] == str(ids.provider_id("ATU"))
    ok(client.post("/v1/authority/providers/ATU/withdrawal", json=decision(), headers=authority))
    state = ok(
        client.get(f"/v1/authority/aggregates/{ids.provider_id('ATU')}/state", headers=authority)
    )
    assert state["type"] == "Provider"
    assert state["state"]["state"] == "withdrawn"
    assert state["state"]["scope"] == {"levels": [6], "fields": ["0688 ICT"]}


def test_unknown_providers_and_credentials_are_404_problems(
    client: TestClient, authority: Headers
) -> None:
    missing = client.post(
        "/v1/authority/providers/NOPE/suspension", json=decision(), headers=authority
    )
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/provider-not-found")
    no_credential = client.post(
        "/v1/authority/micro-credentials/00000000-0000-0000-0000-000000000000/accreditation",
        json={"decision_reference": "X"},
        headers=authority,
    )
    assert no_credential.status_code == 404


def test_a_withdrawn_micro_credential_issues_nothing(
    client: TestClient, authority: Headers, world: World
) -> None:
    ok(
        client.post(
            f"/v1/authority/micro-credentials/{world.credential_id}/withdrawal",
            json=decision(),
            headers=authority,
        )
    )
    refused = client.post(
        world.setu.path("/awards"),
        json=award("l", "R-1", world.credential_id),
        headers=world.setu.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/micro-credential-not-accredited")


def test_history_and_point_in_time_state_of_any_aggregate(
    client: TestClient, authority: Headers, world: World
) -> None:
    before_amendment = datetime.now(UTC)
    ok(
        client.patch(
            world.setu.path(f"/micro-credentials/{world.credential_id}"),
            json={
                "changes": {"further_information": "https://setu.ie/da101"},
                "reason": "added a link",
            },
            headers=world.setu.headers,
        )
    )

    history = ok(
        client.get(f"/v1/authority/aggregates/{world.credential_id}/events", headers=authority)
    )
    assert [e["type"] for e in history["events"]] == [
        "MicroCredential.Defined",
        "MicroCredential.Accredited",
        "MicroCredential.Amended",
    ]
    assert [e["version"] for e in history["events"]] == [1, 2, 3]
    assert history["events"][2]["data"]["actor"] == f"provider:SETU:{world.setu.key_id}"

    then = ok(
        client.get(
            f"/v1/authority/aggregates/{world.credential_id}/state",
            params={"at": before_amendment.isoformat()},
            headers=authority,
        )
    )
    now = ok(client.get(f"/v1/authority/aggregates/{world.credential_id}/state", headers=authority))
    first = ok(
        client.get(
            f"/v1/authority/aggregates/{world.credential_id}/state",
            params={"version": 1},
            headers=authority,
        )
    )
    assert then["version"] == 2 and then["state"]["specification"]["further_information"] is None
    assert now["version"] == 3
    assert now["state"]["specification"]["further_information"] == "https://setu.ie/da101"
    assert first["state"]["state"] == "defined"

    unknown = client.get(
        "/v1/authority/aggregates/00000000-0000-0000-0000-000000000001/events", headers=authority
    )
    assert unknown.status_code == 404


def test_erasure_shreds_personal_data_and_keeps_the_awards_checkable(
    client: TestClient, authority: Headers, world: World
) -> None:
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("p-77", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id = issued["awards"][0]["award_id"]
    ok(
        client.post(
            world.setu.path("/learners/personal-data"),
            json={
                "learner_id": "p-77",
                "personal_data": {
                    "name": "Seán Ó Briain",
                    "email": "sean@example.ie",
                    "date_of_birth": "2001-02-03",
                },
            },
            headers=world.setu.headers,
        )
    )
    services = client.app.state.services  # type: ignore[attr-defined]
    assert services.ledger.read_personal_data("p-77", by=THE_AUTHORITY)["name"] == "Seán Ó Briain"

    erased = ok(
        client.post(
            "/v1/authority/learners/erasure",
            json={"learner_id": "p-77", "reason": "GDPR request 2026-19"},
            headers=authority,
        )
    )
    assert erased["learner_record_id"] == str(ids.learner_record_id("p-77"))
    assert services.ledger.read_personal_data("p-77", by=THE_AUTHORITY) is None
    assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"

    again = client.post(
        world.setu.path("/learners/personal-data"),
        json={"learner_id": "p-77", "personal_data": {"name": "x"}},
        headers=world.setu.headers,
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/personal-data-erased")


def test_the_audit_trail_filters_pages_and_exports(
    client: TestClient, authority: Headers, world: World
) -> None:
    for i in range(3):
        ok(
            client.post(
                world.setu.path("/awards"),
                json=award(f"l-{i}", f"R-{i}", world.credential_id),
                headers=world.setu.headers,
            ),
            201,
        )
    by_provider = ok(
        client.get(
            "/v1/authority/audit",
            params={"provider_code": "SETU", "event_type": "AwardIssued", "limit": 2},
            headers=authority,
        )
    )
    assert len(by_provider["entries"]) == 2
    rest = ok(
        client.get(
            "/v1/authority/audit",
            params={
                "provider_code": "SETU",
                "event_type": "AwardIssued",
                "after": by_provider["next_after"],
            },
            headers=authority,
        )
    )
    assert len(rest["entries"]) == 1 and rest["next_after"] is None

    by_actor = ok(
        client.get(
            "/v1/authority/audit", params={"actor": "authority:registrar"}, headers=authority
        )
    )
    assert by_actor["entries"] and all(
        e["actor"] == "authority:registrar" for e in by_actor["entries"]
    )

    jsonl = client.get("/v1/authority/audit/export", params={"format": "jsonl"}, headers=authority)
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [e["position"] for e in lines] == sorted(e["position"] for e in lines)
    assert sum(e["event_type"] == "LearnerRecord.AwardIssued" for e in lines) == 3

    exported = client.get(
        "/v1/authority/audit/export",
        params={"format": "csv", "event_type": "AwardIssued"},
        headers=authority,
    )
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3
    assert {r["actor"] for r in rows} == {f"provider:SETU:{world.setu.key_id}"}


def test_readiness_reports_the_log_position_and_projection_lag(
    client: TestClient, world: World
) -> None:
    ready = ok(client.get("/readyz"))
    assert ready["status"] == "ready"
    assert ready["ledger_position"] > 0
    assert ready["projection_lag"]["credential_status"] == 0
    assert ok(client.get("/healthz")) == {"status": "ok"}


def test_the_authority_reads_a_learners_transcript(
    client: TestClient, authority: Headers, world: World
) -> None:
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award("t-1", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    transcript = ok(
        client.get("/v1/authority/transcripts", params={"learner_id": "t-1"}, headers=authority)
    )
    assert transcript["learner_id"] == "t-1"
    assert [(a["provider_reference"], a["status"]) for a in transcript["awards"]] == [
        ("R-1", "valid")
    ]
    missing = client.get(
        "/v1/authority/transcripts", params={"learner_id": "nobody"}, headers=authority
    )
    assert missing.status_code == 404
