"""Control characters (U+0000-U+001F, U+007F-U+009F) in what a client sends: a 422
problem naming the field, and nothing written. Free text a person writes in several
lines may hold line breaks and tabs; names, codes, references and ids hold none.

Before, a NUL was accepted with 201 and then froze every view on PostgreSQL; in a
query string it was a 500."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Headers,
    Provider,
    World,
    award,
    event_count,
    ok,
    specification,
)

NUL = "\x00"
Case = tuple[str, str, dict[str, Any], list[str | int]]
"""(who: "authority" or "provider", path, body, the location the problem names)."""


def _renewal(**extra: Any) -> dict[str, Any]:
    return {
        "valid_until": (date.today() + timedelta(days=400)).isoformat(),
        "decision_reference": "QQI/REN/1",
        **extra,
    }


def write_cases(world: World, award_id: str) -> dict[str, Case]:
    cid = world.credential_id
    setu = world.setu
    register = {"code": "NEW", "name": "New Institute", "country": "IE", "kind": "university"}
    return {
        "provider code": (
            "authority",
            "/v1/authority/providers",
            {**register, "code": f"N{NUL}"},
            ["code"],
        ),
        "provider name": (
            "authority",
            "/v1/authority/providers",
            {**register, "name": f"New{NUL}Institute"},
            ["name"],
        ),
        "line break in a name": (
            "authority",
            "/v1/authority/providers",
            {**register, "name": "New\nInstitute"},
            ["name"],
        ),
        "decision reference": (
            "authority",
            "/v1/authority/providers/SETU/renewal",
            _renewal(decision_reference=f"QQI{NUL}1"),
            ["decision_reference"],
        ),
        "scope field": (
            "authority",
            "/v1/authority/providers/SETU/renewal",
            _renewal(scope={"levels": [6], "fields": ["0688 ICT", "x\x07"]}),
            ["scope", "fields", 1],
        ),
        "suspension reason": (
            "authority",
            "/v1/authority/providers/SETU/suspension",
            {"reason": f"bad{NUL}", "decision_reference": "D/1"},
            ["reason"],
        ),
        "key name": (
            "authority",
            "/v1/authority/providers/SETU/keys",
            {"name": f"records{NUL}"},
            ["name"],
        ),
        "credential withdrawal reason": (
            "authority",
            f"/v1/authority/micro-credentials/{cid}/withdrawal",
            {"reason": "\x1b[31mwithdrawn", "decision_reference": "D/2"},
            ["reason"],
        ),
        "authority revocation reason": (
            "authority",
            f"/v1/authority/awards/{award_id}/revocation",
            {"category": "other", "note": f"fraud{NUL}"},
            ["note"],
        ),
        "erasure learner id": (
            "authority",
            "/v1/authority/learners/erasure",
            {"learner_id": f"l{NUL}", "reason": "GDPR-1"},
            ["learner_id"],
        ),
        "erasure reason": (
            "authority",
            "/v1/authority/learners/erasure",
            {"learner_id": "l-1", "reason": f"GDPR{NUL}1"},
            ["reason"],
        ),
        "credential code": (
            "provider",
            setu.path("/micro-credentials"),
            {"code": f"X{NUL}", "specification": specification()},
            ["code"],
        ),
        "title": (
            "provider",
            setu.path("/micro-credentials"),
            {"code": "X", "specification": specification(title=f"Data{NUL}")},
            ["specification", "title"],
        ),
        "C1 control in a title": (
            "provider",
            setu.path("/micro-credentials"),
            {"code": "X", "specification": specification(title="Data\x85Analytics")},
            ["specification", "title"],
        ),
        "tab in a field of study": (
            "provider",
            setu.path("/micro-credentials"),
            {"code": "X", "specification": specification(field_of_study="0688\tICT")},
            ["specification", "field_of_study"],
        ),
        "learning outcome": (
            "provider",
            setu.path("/micro-credentials"),
            {
                "code": "X",
                "specification": specification(learning_outcomes=["Clean data", f"Explain{NUL}"]),
            },
            ["specification", "learning_outcomes", 1],
        ),
        "amended element": (
            "provider",
            setu.path(f"/micro-credentials/{cid}"),
            {"changes": {"prerequisites": f"none{NUL}"}, "reason": "clarified"},
            ["changes", "prerequisites"],
        ),
        "new assessment method": (
            "provider",
            setu.path(f"/micro-credentials/{cid}/assessment-method"),
            {"assessment_type": f"exam{NUL}", "reason": "moved"},
            ["assessment_type"],
        ),
        "learner id": (
            "provider",
            setu.path("/awards"),
            award(f"l{NUL}2", "R-9", cid),
            ["learner_id"],
        ),
        "provider reference": (
            "provider",
            setu.path("/awards"),
            award("l-2", f"R{NUL}9", cid),
            ["provider_reference"],
        ),
        "assessment result": (
            "provider",
            setu.path("/awards"),
            award(
                "l-2",
                "R-9",
                cid,
                assessment={
                    "method": "practical project",
                    "assessed_on": date.today().isoformat(),
                    "result": f"pass{NUL}",
                },
            ),
            ["assessment", "result"],
        ),
        "revocation reason": (
            "provider",
            setu.path(f"/awards/{award_id}/revocation"),
            {"category": "other", "note": f"fraud{NUL}"},
            ["note"],
        ),
        "prior learning evidence": (
            "provider",
            setu.path("/prior-learning-awards"),
            {**award("l-3", "R-10", cid), "evidence": f"portfolio{NUL}"},
            ["evidence"],
        ),
        "personal data": (
            "provider",
            setu.path("/learners/personal-data"),
            {"learner_id": "l-1", "personal_data": {"name": f"Ann{NUL}"}},
            ["personal_data", "name"],
        ),
    }


@pytest.fixture
def issued(client: TestClient, world: World) -> str:
    body = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-1", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id: str = body["awards"][0]["award_id"]
    return award_id


def _case_names() -> list[str]:
    nobody = Provider("SETU", {}, "k")
    return list(write_cases(World(nobody, nobody, "c"), "a"))


@pytest.mark.parametrize("case", _case_names())
def test_a_control_character_is_refused_naming_the_field(
    case: str, client: TestClient, authority: Headers, world: World, issued: str
) -> None:
    who, path, body, location = write_cases(world, issued)[case]
    headers = authority if who == "authority" else world.setu.headers
    before = event_count(client)
    amending = case == "amended element"
    response = (client.patch if amending else client.post)(path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/control-character"
    assert problem["errors"][0]["location"] == location
    assert "U+" in problem["detail"] and NUL not in problem["detail"]
    assert event_count(client) == before


def test_a_batch_with_one_bad_item_is_refused_whole_naming_item_and_field(
    client: TestClient, world: World
) -> None:
    cid = world.credential_id
    before = event_count(client)
    response = client.post(
        world.setu.path("/awards:batch"),
        json={
            "awards": [
                award("b-1", "B-1", cid),
                award(f"b{NUL}2", "B-2", cid),
                award("b-3", "B-3", cid),
            ]
        },
        headers=world.setu.headers,
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors == [
        {
            "index": 1,
            "location": ["learner_id"],
            "type": "control-character",
            "detail": errors[0]["detail"],
        }
    ]
    assert event_count(client) == before


def test_free_text_may_hold_line_breaks_and_tabs(client: TestClient, world: World) -> None:
    outcomes = ["Clean a data set:\n- find gaps\n- fill them", "Explain\ta regression"]
    body = ok(
        client.post(
            world.setu.path("/micro-credentials"),
            json={
                "code": "ML-1",
                "specification": specification(
                    learning_outcomes=outcomes, further_information="line one\r\nline two"
                ),
            },
            headers=world.setu.headers,
        ),
        201,
    )
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-9", "R-99", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id = issued["awards"][0]["award_id"]
    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={
                "category": "academic_misconduct",
                "note": "exam board decision:\n\tcopied answers",
            },
            headers=world.setu.headers,
        )
    )
    entry = ok(client.get("/v1/register/micro-credentials?text=ml-1"))["items"][0]
    assert entry["credential_id"] == body["micro_credential_id"]
    assert entry["learning_outcomes"] == outcomes


def query_cases() -> dict[str, tuple[str, dict[str, str], str]]:
    """name -> (path, query parameters, the parameter the problem names)."""
    return {
        "register state": ("/v1/register/providers", {"state": NUL}, "state"),
        "catalogue text": ("/v1/register/micro-credentials", {"text": f"data{NUL}"}, "text"),
        "catalogue field": (
            "/v1/register/micro-credentials",
            {"field_of_study": NUL},
            "field_of_study",
        ),
        "catalogue state": ("/v1/register/micro-credentials", {"state": NUL}, "state"),
        "audit actor": ("/v1/authority/audit", {"actor": f"authority:{NUL}"}, "actor"),
        "audit event type": ("/v1/authority/audit", {"event_type": NUL}, "event_type"),
        "audit aggregate type": ("/v1/authority/audit", {"aggregate_type": NUL}, "aggregate_type"),
        "audit export actor": ("/v1/authority/audit/export", {"actor": NUL}, "actor"),
        "audit csv export": (
            "/v1/authority/audit/export",
            {"format": "csv", "event_type": NUL},
            "event_type",
        ),
        "transcript learner": (
            "/v1/authority/transcripts",
            {"learner_id": f"l{NUL}"},
            "learner_id",
        ),
        "keys of a provider": ("/v1/authority/keys", {"provider_code": NUL}, "provider_code"),
        "catalogue provider": (
            "/v1/register/micro-credentials",
            {"provider_code": NUL},
            "provider_code",
        ),
        "audit provider": ("/v1/authority/audit", {"provider_code": NUL}, "provider_code"),
    }


@pytest.mark.parametrize("case", list(query_cases()))
def test_a_control_character_in_a_query_is_a_422_not_a_500(
    case: str, client: TestClient, authority: Headers
) -> None:
    path, params, name = query_cases()[case]
    response = client.get(path, params=params, headers=authority)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/control-character"
    assert problem["errors"][0]["location"] == [name]


def test_a_control_character_in_a_key_id_path_is_a_422(
    client: TestClient, authority: Headers
) -> None:
    for action in ("revocation", "rotation"):
        response = client.post(f"/v1/authority/keys/k%00/{action}", headers=authority)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["location"] == ["key_id"]


def test_a_control_character_in_a_provider_code_path_is_a_422(
    client: TestClient, authority: Headers, world: World
) -> None:
    before = event_count(client)
    as_provider = client.post(
        "/v1/providers/SE%00TU/awards",
        json=award("l-5", "R-5", world.credential_id),
        headers=world.setu.headers,
    )
    as_authority = client.post(
        "/v1/authority/providers/SE%00TU/suspension",
        json={"reason": "r", "decision_reference": "D/1"},
        headers=authority,
    )
    for response in (as_provider, as_authority):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["location"] == ["provider_code"]
    assert event_count(client) == before
