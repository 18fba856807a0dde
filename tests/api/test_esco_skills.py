"""Learning outcomes name the ESCO skills they develop, and employers find credentials
by skill (issue 18, item 7): over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Headers,
    World,
    accredited_credential,
    award,
    event_count,
    ok,
    specification,
)

SPREADSHEETS = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
STATISTICS = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
CATALOGUE = "/v1/register/micro-credentials"


def define(client: TestClient, world: World, code: str, **spec: Any) -> Any:
    return client.post(
        world.setu.path("/micro-credentials"),
        json={"code": code, "specification": specification(**spec)},
        headers=world.setu.headers,
    )


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    return ok(client.get(CATALOGUE, params=params))


def entry(client: TestClient, code: str) -> dict[str, Any]:
    (found,) = [e for e in search(client, limit=1000)["items"] if e["code"] == code]
    return found


def test_a_definition_tags_its_outcomes_and_the_register_shows_them_in_line(
    client: TestClient, world: World
) -> None:
    ok(
        define(client, world, "DA-201", esco_skills=[[SPREADSHEETS], [STATISTICS, SPREADSHEETS]]),
        201,
    )
    shown = entry(client, "DA-201")
    assert shown["learning_outcomes"] == ["Clean a data set", "Explain a regression"]
    assert shown["esco_skills"] == [[SPREADSHEETS], [STATISTICS, SPREADSHEETS]]
    assert entry(client, "DA-101")["esco_skills"] == []  # defined without tags


def test_a_uri_is_stored_as_given_without_surrounding_spaces(
    client: TestClient, world: World
) -> None:
    https = SPREADSHEETS.replace("http:", "https:")
    ok(define(client, world, "DA-202", esco_skills=[[], [f"  {https} "]]), 201)
    assert entry(client, "DA-202")["esco_skills"] == [[], [https]]


def test_employers_find_exactly_the_credentials_tagged_with_a_skill(
    client: TestClient, authority: Headers, world: World
) -> None:
    ok(define(client, world, "SHEETS-1", esco_skills=[[SPREADSHEETS]]), 201)
    ok(define(client, world, "SHEETS-2", esco_skills=[[], [SPREADSHEETS, STATISTICS]]), 201)
    ok(define(client, world, "STATS-1", esco_skills=[[STATISTICS]]), 201)
    accredited_credential(client, authority, world.setu, "SHEETS-3", esco_skills=[[SPREADSHEETS]])

    found = search(client, skill=SPREADSHEETS)
    assert sorted(e["code"] for e in found["items"]) == ["SHEETS-1", "SHEETS-2", "SHEETS-3"]
    assert found["total"] == 3
    # https names the same skill
    https = search(client, skill=SPREADSHEETS.replace("http:", "https:"))
    assert https["total"] == 3
    # combined with the other filters, and paged
    accredited = search(client, skill=SPREADSHEETS, state="accredited")
    assert [e["code"] for e in accredited["items"]] == ["SHEETS-3"]
    first = search(client, skill=SPREADSHEETS, limit=2)
    rest = search(client, skill=SPREADSHEETS, offset=first["next_offset"], limit=2)
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_offset"] is None
    codes = {e["code"] for e in first["items"]} | {e["code"] for e in rest["items"]}
    assert codes == {"SHEETS-1", "SHEETS-2", "SHEETS-3"}
    assert search(client, skill=SPREADSHEETS, provider_code="ATU")["total"] == 0
    stats = sorted(e["code"] for e in search(client, skill=STATISTICS)["items"])
    assert stats == ["SHEETS-2", "STATS-1"]
    untagged = STATISTICS.replace("0005c151", "0005c152")
    assert search(client, skill=untagged)["total"] == 0
    assert search(client)["total"] == 5  # no skill asked: every credential


@pytest.mark.parametrize(
    "skill",
    [
        "use spreadsheets software",
        SPREADSHEETS.upper(),
        SPREADSHEETS.replace("/skill/", "/occupation/"),
        SPREADSHEETS + "x",
        "http://example.com/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
    ],
)
def test_a_malformed_skill_to_search_by_is_a_422_problem(client: TestClient, skill: str) -> None:
    response = client.get(CATALOGUE, params={"skill": skill})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/invalid-skill-uri"


@pytest.mark.parametrize(
    ("esco_skills", "problem"),
    [
        ([["use spreadsheets software"]], "invalid-skill-uri"),
        ([[], [SPREADSHEETS.replace("afda", "AFDA")]], "invalid-skill-uri"),
        ([[SPREADSHEETS], [], [STATISTICS]], "invalid-skill-tagging"),  # 3 lists, 2 outcomes
        ([[SPREADSHEETS, STATISTICS, SPREADSHEETS]], "invalid-skill-tagging"),
    ],
)
def test_malformed_skills_in_a_definition_are_a_422_problem_and_nothing_is_written(
    client: TestClient, world: World, esco_skills: list[list[str]], problem: str
) -> None:
    before = event_count(client)
    response = define(client, world, "BAD-1", esco_skills=esco_skills)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"/problems/{problem}"
    assert event_count(client) == before
    assert [e["code"] for e in search(client)["items"]] == ["DA-101"]


def test_more_than_twenty_skills_on_one_outcome_are_refused_by_the_schema(
    client: TestClient, world: World
) -> None:
    before = event_count(client)
    many = [f"http://data.europa.eu/esco/skill/00000000-0000-0000-0000-{n:012x}" for n in range(21)]
    response = define(client, world, "BAD-2", esco_skills=[many])
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/invalid-request"
    assert event_count(client) == before


def test_an_accredited_credential_is_amended_to_tag_its_outcomes(
    client: TestClient, world: World
) -> None:
    path = world.setu.path(f"/micro-credentials/{world.credential_id}")
    ok(
        client.patch(
            path,
            json={"changes": {"esco_skills": [[], [STATISTICS]]}, "reason": "ESCO tags"},
            headers=world.setu.headers,
        )
    )
    tagged = entry(client, "DA-101")
    assert tagged["state"] == "accredited"  # still: the tags are not material
    assert tagged["esco_skills"] == [[], [STATISTICS]]
    assert [e["code"] for e in search(client, skill=STATISTICS)["items"]] == ["DA-101"]

    # Replaced as a whole by the next amendment; a bad one writes nothing.
    ok(
        client.patch(
            path,
            json={"changes": {"esco_skills": [[SPREADSHEETS]]}, "reason": "the first outcome"},
            headers=world.setu.headers,
        )
    )
    assert search(client, skill=STATISTICS)["total"] == 0
    assert entry(client, "DA-101")["esco_skills"] == [[SPREADSHEETS]]
    before = event_count(client)
    refused = client.patch(
        path,
        json={"changes": {"esco_skills": [["spreadsheets"]]}, "reason": "typo"},
        headers=world.setu.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/invalid-skill-uri"
    assert event_count(client) == before


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def test_the_status_answer_and_the_verification_page_show_each_outcomes_skills(
    client: TestClient, authority: Headers, world: World
) -> None:
    credential_id = accredited_credential(
        client, authority, world.setu, "DA-301", esco_skills=[[SPREADSHEETS], [STATISTICS]]
    )
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("learner-1", "R-301", credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id = issued["awards"][0]["award_id"]

    status = ok(client.get(f"/v1/credentials/{award_id}/status"))
    assert status["credential"]["esco_skills"] == [[SPREADSHEETS], [STATISTICS]]

    page = client.get(f"/verify/{award_id}")
    assert page.status_code == 200
    links = _Links()
    links.feed(page.text)
    assert SPREADSHEETS in links.hrefs and STATISTICS in links.hrefs
    assert page.text.count("ESCO skill") == 2
    # each under its own outcome
    outcome, other = page.text.index("Clean a data set"), page.text.index("Explain a regression")
    assert outcome < page.text.index(SPREADSHEETS) < other < page.text.index(STATISTICS)

    untagged = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("learner-2", "R-101", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    plain = client.get(f"/verify/{untagged['awards'][0]['award_id']}")
    assert "ESCO skill" not in plain.text


def test_a_control_character_in_a_skill_is_refused_as_in_any_text(
    client: TestClient, world: World
) -> None:
    before = event_count(client)
    response = define(client, world, "BAD-3", esco_skills=[[], [STATISTICS, "http://\x00"]])
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/control-character"
    assert problem["errors"][0]["location"] == ["specification", "esco_skills", 1, 1]
    assert event_count(client) == before
    query = client.get(CATALOGUE, params={"skill": SPREADSHEETS[:-1] + "\x07"})
    assert query.status_code == 422
    assert query.json()["type"] == "/problems/control-character"
