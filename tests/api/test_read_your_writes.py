"""A write answers once the views show it, and says so when they could not catch up."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import writes
from api.app import create_app
from ledger.config import DatabaseSettings, ProjectionSettings, Settings
from ledger.domain.principal import Role
from ledger.policy import IRELAND
from projections.embedded import EmbeddedProjections
from tests.api.conftest import Headers, World, award, bearer, ok

REGISTRATION = {"code": "DKIT", "name": "Dundalk IT", "country": "IE", "kind": "university"}


def test_a_revocation_is_visible_to_the_very_next_status_check(
    client: TestClient, world: World
) -> None:
    for i in range(5):
        award_id = ok(
            client.post(
                world.setu.path("/awards"),
                json=award(f"l-{i}", f"R-{i}", world.credential_id),
                headers=world.setu.headers,
            ),
            201,
        )["awards"][0]["award_id"]
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"
        revoked = client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={"category": "other", "note": "r"},
            headers=world.setu.headers,
        )
        assert "Ledger-Views-Lagging" not in revoked.headers
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "revoked"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_write_says_when_the_views_did_not_catch_up_in_time(
    database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An API deployed without embedded projections, whose worker is not running.
    monkeypatch.setattr(writes, "VIEW_WAIT_SECONDS", 0.2)
    settings = Settings(
        database=database, policy=IRELAND, projections=ProjectionSettings(embedded=False)
    )
    with TestClient(create_app(settings)) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        authority: Headers = bearer(services.keys.create(role=Role.AUTHORITY, name="r").secret)

        lagging = client.post("/v1/authority/providers", json=REGISTRATION, headers=authority)

        assert lagging.status_code == 201  # written all the same
        assert lagging.headers["Ledger-Views-Lagging"] == "true"
        position = int(lagging.headers["Ledger-Position"])
        # The worker comes back.
        with EmbeddedProjections(services.ledger, store=services.view_store):
            assert services.read_model.wait_for(position, timeout=5)
        register = ok(client.get("/v1/register/providers"))
        assert [p["code"] for p in register["items"]] == ["DKIT"]
