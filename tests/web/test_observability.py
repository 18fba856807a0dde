"""Operations: ``/metrics`` in Prometheus format, request ids, JSON logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.request_logs import JsonFormatter
from cli.demo import DemoSummary, credential_id, provider_id
from ledger.application import IssueRequest, Ledger
from ledger.config import Settings
from ledger.domain.principal import Role
from ledger.domain.values import Assessment
from tests.conftest import provider_principal


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``, keyed by name and sorted labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_and_timed_by_route_template(
    client: TestClient, demo: DemoSummary
) -> None:
    before = scrape(client)

    for award in (demo.valid_award, demo.revoked_award, demo.stacked_award):
        assert client.get(f"/verify/{award}").status_code == 200
        assert client.get(f"/v1/credentials/{award}/status").status_code == 200
    client.get("/verify/00000000-0000-4000-8000-000000000000")
    client.get("/no/such/page")
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    page = {"method": "GET", "route": "/verify/{award_id}"}
    assert moved("ledger_http_requests_total", **page, status="200") == 3
    assert moved("ledger_http_requests_total", **page, status="404") == 1
    api = {"method": "GET", "route": "/v1/credentials/{award_id}/status"}
    assert moved("ledger_http_requests_total", **api, status="200") == 3
    assert moved("ledger_http_request_duration_seconds_count", **api) == 3
    assert moved("ledger_http_request_duration_seconds_sum", **api) > 0
    assert moved("ledger_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    raw_paths = [
        labels for (_, labels) in after if ("route", f"/verify/{demo.valid_award}") in labels
    ]
    assert raw_paths == []


def test_issuances_and_revocations_move_their_counters(
    client: TestClient, demo: DemoSummary
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    key = services.keys.create(role=Role.PROVIDER, name="registry-setu", provider_code="SETU")
    headers = {"Authorization": f"Bearer {key.secret}"}
    before = scrape(client)

    revoked = client.post(
        f"/v1/providers/SETU/awards/{demo.stacked_award}/revocation",
        json={"category": "issued_in_error", "note": "issued in error: wrong learner"},
        headers=headers,
    )
    after = scrape(client)

    assert revoked.status_code == 200, revoked.text
    assert (
        value(after, "ledger_awards_revoked_total")
        == value(before, "ledger_awards_revoked_total") + 1
    )
    assert (
        value(after, "ledger_events_recorded_total", event="LearnerRecord.AwardRevoked")
        == value(before, "ledger_events_recorded_total", event="LearnerRecord.AwardRevoked") + 1
    )


def test_an_issuance_moves_the_issued_counter(client: TestClient, demo: DemoSummary) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    key = services.keys.create(role=Role.PROVIDER, name="registry-grid", provider_code="GRIDSKILLS")
    assessment = {
        "method": "practical demonstration",
        "assessed_on": date.today().isoformat(),
        "result": "pass",
    }
    before = scrape(client)

    issued = client.post(
        "/v1/providers/GRIDSKILLS/awards:batch",
        json={
            "awards": [
                {
                    "learner_id": f"METRICS-{n}",
                    "micro_credential_id": str(credential_id("GRIDSKILLS", "HEATPUMP")),
                    "provider_reference": f"METRICS-{n}",
                    "assessment": assessment,
                }
                for n in range(4)
            ]
        },
        headers={"Authorization": f"Bearer {key.secret}"},
    )
    after = scrape(client)

    assert issued.status_code == 201, issued.text
    assert (
        value(after, "ledger_awards_issued_total", route="course")
        == value(before, "ledger_awards_issued_total", route="course") + 4
    )


def test_projection_lag_is_reported_per_view(client: TestClient) -> None:
    samples = scrape(client)

    views = {
        dict(labels)["view"] for (name, labels) in samples if name == "ledger_projection_lag_events"
    }
    assert {"credential_status", "providers", "catalogue", "transcripts", "audit"} <= views
    for view in views:
        assert value(samples, "ledger_projection_lag_events", view=view) >= 0


def test_the_request_id_is_echoed_or_made(client: TestClient, demo: DemoSummary) -> None:
    given = client.get("/verify", headers={"X-Request-ID": "support-ticket-42"})
    made = client.get("/verify")
    hostile = client.get("/verify", headers={"X-Request-ID": "a b\tinjected=yes " + "a" * 300})

    assert given.headers["x-request-id"] == "support-ticket-42"
    assert len(made.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != made.headers["x-request-id"]
    assert "injected" not in hostile.headers["x-request-id"]
    not_found = client.get("/v1/credentials/00000000-0000-4000-8000-000000000000/status")
    assert not_found.status_code == 404
    assert not_found.headers["x-request-id"]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the JSON log handler writes, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_logs_are_json_lines_carrying_the_request_id(
    client: TestClient, demo: DemoSummary, json_log: io.StringIO
) -> None:
    client.get(f"/verify/{demo.revoked_award}", headers={"X-Request-ID": "trace-abc-1"})

    lines = [orjson.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "ledger.access"]
    assert access, lines
    entry = access[-1]
    assert entry["request_id"] == "trace-abc-1"
    assert entry["route"] == "/verify/{award_id}"
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0
    assert entry["level"] == "info"
    assert entry["time"].endswith("+00:00")


def test_the_access_line_names_the_client_address_and_the_acting_keys_actor(
    client: TestClient, demo: DemoSummary, json_log: io.StringIO
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    key = services.keys.create(role=Role.AUTHORITY, name="log-auditor")

    listed = client.get(
        "/v1/authority/keys",
        headers={"Authorization": f"Bearer {key.secret}", "X-Request-ID": "who-was-it-1"},
    )
    client.get(f"/v1/credentials/{demo.valid_award}/status", headers={"X-Request-ID": "anon-1"})

    assert listed.status_code == 200, listed.text
    lines = [orjson.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    access = {line["request_id"]: line for line in lines if line["logger"] == "ledger.access"}
    entry = access["who-was-it-1"]
    assert entry["actor"] == "authority:log-auditor"
    assert entry["client"] == "testclient"  # the socket peer TestClient reports
    assert key.secret not in json_log.getvalue()
    anonymous = access["anon-1"]
    assert anonymous["actor"] is None
    assert anonymous["client"] == "testclient"


def test_an_unexpected_error_is_counted_and_traceable_by_its_request_id(
    settings: Settings, demo: DemoSummary, json_log: io.StringIO
) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as failing:
        response = failing.get("/boom", headers={"X-Request-ID": "incident-7"})
        samples = scrape(failing)

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "incident-7"
    assert (
        value(samples, "ledger_http_requests_total", method="GET", route="/boom", status="500") == 1
    )
    lines = [orjson.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    errors = [line for line in lines if line["level"] == "error"]
    assert errors
    assert all(line["request_id"] == "incident-7" for line in errors)
    assert "RuntimeError: a bug" in errors[0]["exception"]


def test_a_batch_that_lost_a_race_is_counted_as_a_retry(
    client: TestClient, settings: Settings
) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    key = services.keys.create(role=Role.PROVIDER, name="registry-race", provider_code="GRIDSKILLS")
    credential = credential_id("GRIDSKILLS", "HEATPUMP")
    assessment = Assessment(
        method="practical demonstration", assessed_on=date.today(), result="pass"
    )
    other_process = Ledger(settings)
    recorder: Any = services.ledger.recorder
    real_insert = recorder.insert_events
    writes: list[int] = []

    def insert_events(stored_events: Any, **kwargs: Any) -> Any:
        writes.append(len(stored_events))
        if len(writes) == 1:  # another process opens the same learner's record first
            other_process.issue_award(
                provider_id=provider_id("GRIDSKILLS"),
                request=IssueRequest("RACE-1", credential, "RACE-OTHER", assessment),
                by=provider_principal(provider_id("GRIDSKILLS"), "provider:GRIDSKILLS:other"),
            )
        return real_insert(stored_events, **kwargs)

    before = scrape(client)
    recorder.insert_events = insert_events
    try:
        issued = client.post(
            "/v1/providers/GRIDSKILLS/awards:batch",
            json={
                "awards": [
                    {
                        "learner_id": "RACE-1",
                        "micro_credential_id": str(credential),
                        "provider_reference": "RACE-MINE",
                        "assessment": {
                            "method": "practical demonstration",
                            "assessed_on": date.today().isoformat(),
                            "result": "pass",
                        },
                    }
                ]
            },
            headers={"Authorization": f"Bearer {key.secret}"},
        )
    finally:
        del recorder.insert_events
        other_process.close()
    after = scrape(client)

    assert issued.status_code == 201, issued.text
    assert len(writes) == 2  # the first write conflicted, the retry committed
    assert (
        value(after, "ledger_issuance_batch_retries_total")
        == value(before, "ledger_issuance_batch_retries_total") + 1
    )
