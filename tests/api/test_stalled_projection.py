"""While a view cannot apply an event, the API says so: /readyz answers 503 naming
the view, the log position and the reason, and /metrics shows the view stalled. Before,
/readyz said ready while revoked awards kept reading valid."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from ledger.domain import ids
from tests.api.conftest import Headers, World, award, ok
from tests.conftest import AUTHORITY


def test_readyz_and_metrics_name_a_view_that_cannot_apply_an_event(
    client: TestClient, authority: Headers, world: World
) -> None:
    assert ok(client.get("/readyz"))["status"] == "ready"
    services = client.app.state.services  # type: ignore[attr-defined]
    ledger = services.ledger
    # An event no view's text column takes (a log written by a careless older writer),
    # through the ledger itself, as the embedded follower sees every save.
    provider = ledger.get_provider(ids.provider_id("ATU"))
    provider._suspended(
        reason={"not": "text"},
        decision_reference="D/1",
        actor=AUTHORITY,
        effective_on=ledger.clock().date(),
        imported_from=None,
    )
    (recording,) = ledger.save(provider)
    bad = recording.notification.id

    deadline = time.monotonic() + 10
    while not services.read_model.projection_failures() and time.monotonic() < deadline:
        time.sleep(0.05)  # the embedded follower works in its own thread

    response = client.get("/readyz")
    assert response.status_code == 503, response.text
    problem = response.json()
    assert problem["type"] == "/problems/projection-stalled"
    assert f"view providers cannot apply the event at log position {bad}" in problem["detail"]
    reason = services.read_model.projection_failures()["providers"].reason
    assert reason and reason in problem["detail"]
    assert problem["errors"][0]["location"] == ["views", "providers"]

    metrics = client.get("/metrics").text
    assert 'ledger_projection_stalled{view="providers"} 1.0' in metrics
    assert 'ledger_projection_stalled{view="credential_status"} 0.0' in metrics
    assert 'ledger_projection_failed_attempts{view="providers"}' in metrics

    # Writes still go in (the log is fine); their answers say the views lag.
    written = client.post(
        world.setu.path("/awards"),
        json=award("s-1", "S-1", world.credential_id),
        headers=world.setu.headers,
    )
    assert written.status_code == 201, written.text
