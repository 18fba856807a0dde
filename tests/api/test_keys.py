"""API keys: bootstrapped from the command line, shown once, stored as hashes, rotated
and revoked by the authority, and named in every event they write."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.app import app as cli
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.policy import IRELAND
from tests.api.conftest import Headers, World, award, bearer, ok

SECRET = re.compile(r"^mcl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", re.MULTILINE)


def environment(database: DatabaseSettings) -> dict[str, str]:
    return {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATABASE_SCHEMA": database.schema}


@pytest.fixture
def bootstrapped(database: DatabaseSettings) -> Iterator[tuple[TestClient, str]]:
    """An empty ledger whose operator has run ``ledger authority create-key``."""
    result = CliRunner().invoke(
        cli, ["authority", "create-key", "--name", "chief-registrar"], env=environment(database)
    )
    assert result.exit_code == 0, result.output
    secrets = SECRET.findall(result.output)
    assert len(secrets) == 1
    with TestClient(create_app(Settings(database=database, policy=IRELAND))) as client:
        yield client, secrets[0]


def test_the_first_authority_key_comes_from_the_command_line_and_names_its_holder(
    bootstrapped: tuple[TestClient, str],
) -> None:
    client, secret = bootstrapped
    ok(
        client.post(
            "/v1/authority/providers",
            json={"code": "SETU", "name": "SETU", "country": "IE", "kind": "university"},
            headers=bearer(secret),
        ),
        201,
    )
    trail = ok(client.get("/v1/authority/audit", headers=bearer(secret)))
    assert [e["actor"] for e in trail["entries"]] == ["authority:chief-registrar"]


def test_keys_are_stored_only_as_hashes(
    database: DatabaseSettings, authority: Headers, client: TestClient
) -> None:
    secret = authority["Authorization"].removeprefix("Bearer ")
    if database.is_postgres:
        with psycopg.connect(database.url) as conn:
            rows = conn.execute(f'SELECT * FROM "{database.schema}".api_keys').fetchall()
    else:
        import sqlite3

        with sqlite3.connect(database.sqlite_path) as conn:
            rows = conn.execute("SELECT * FROM api_keys").fetchall()
    assert rows
    assert all(secret not in str(row) for row in rows)
    assert all(secret.split("_", 2)[2] not in str(row) for row in rows)


def test_list_and_revoke_keys_from_the_command_line(
    bootstrapped: tuple[TestClient, str], database: DatabaseSettings
) -> None:
    client, secret = bootstrapped
    runner = CliRunner()
    listed = runner.invoke(cli, ["authority", "list-keys"], env=environment(database))
    key_id = secret.split("_")[1]
    assert listed.exit_code == 0, listed.output
    assert key_id in listed.output
    assert "authority" in listed.output
    assert secret.split("_", 2)[2] not in listed.output

    # Not the only authority key (that one is kept, see below): a second one first.
    second = runner.invoke(
        cli, ["authority", "create-key", "--name", "deputy"], env=environment(database)
    )
    assert second.exit_code == 0, second.output
    revoked = runner.invoke(cli, ["authority", "revoke-key", key_id], env=environment(database))
    assert revoked.exit_code == 0, revoked.output
    refused = client.get("/v1/authority/keys", headers=bearer(secret))
    assert refused.status_code == 401

    unknown = runner.invoke(cli, ["authority", "revoke-key", "nope"], env=environment(database))
    assert unknown.exit_code == 1
    assert "no API key" in unknown.output


def test_a_provider_key_for_an_unregistered_provider_is_refused(
    client: TestClient, authority: Headers, database: DatabaseSettings
) -> None:
    response = client.post(
        "/v1/authority/providers/NOPE/keys", json={"name": "x"}, headers=authority
    )
    assert response.status_code == 404
    assert response.json()["type"].endswith("/provider-not-found")
    result = CliRunner().invoke(
        cli,
        ["authority", "create-key", "--name", "x", "--provider", "NOPE"],
        env=environment(database),
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_rotation_replaces_a_key_and_revocation_stops_it_at_once(
    client: TestClient, authority: Headers, world: World
) -> None:
    old = world.setu
    rotated = ok(client.post(f"/v1/authority/keys/{old.key_id}/rotation", headers=authority), 201)
    assert rotated["provider_code"] == "SETU"
    assert rotated["key_id"] != old.key_id
    new_headers = bearer(rotated["secret"])

    refused = client.post(
        old.path("/awards"), json=award("l", "R-1", world.credential_id), headers=old.headers
    )
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/invalid-credentials")
    issued = ok(
        client.post(
            old.path("/awards"), json=award("l", "R-1", world.credential_id), headers=new_headers
        ),
        201,
    )
    assert issued["awards"][0]["created"]

    again = client.post(f"/v1/authority/keys/{old.key_id}/rotation", headers=authority)
    assert again.status_code == 409

    listed = ok(
        client.get("/v1/authority/keys", params={"provider_code": "setu"}, headers=authority)
    )
    states = {k["key_id"]: (k["revoked_at"] is not None, k["revoked_by"]) for k in listed["keys"]}
    assert states == {
        old.key_id: (True, "authority:registrar"),
        rotated["key_id"]: (False, None),
    }
    assert rotated["created_by"] == "authority:registrar"
    assert all("secret" not in k for k in listed["keys"])

    ok(client.post(f"/v1/authority/keys/{rotated['key_id']}/revocation", headers=authority))
    assert (
        client.post(
            old.path("/awards"), json=award("l", "R-2", world.credential_id), headers=new_headers
        ).status_code
        == 401
    )

    history = ok(
        client.get("/v1/authority/audit", params={"event_type": "AwardIssued"}, headers=authority)
    )
    assert [e["actor"] for e in history["entries"]] == [f"provider:SETU:{rotated['key_id']}"]


def test_the_last_live_authority_key_is_not_revoked_through_the_api(
    client: TestClient, authority: Headers
) -> None:
    me = ok(client.get("/v1/authority/keys", headers=authority))["keys"][0]["key_id"]

    refused = client.post(f"/v1/authority/keys/{me}/revocation", headers=authority)

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/last-authority-key")
    listed = ok(client.get("/v1/authority/keys", headers=authority))  # still works
    assert [k["revoked_at"] for k in listed["keys"]] == [None]

    # Authority keys are made on the server (`ledger authority create-key`).
    keys = client.app.state.services.keys  # type: ignore[attr-defined]
    deputy = keys.create(role=Role.AUTHORITY, name="deputy", created_by="cli:test")
    ok(client.post(f"/v1/authority/keys/{me}/revocation", headers=authority))
    assert client.get("/v1/authority/keys", headers=authority).status_code == 401
    last = client.post(
        f"/v1/authority/keys/{deputy.key.key_id}/revocation", headers=bearer(deputy.secret)
    )
    assert last.status_code == 409
    ok(client.get("/v1/authority/keys", headers=bearer(deputy.secret)))


def test_two_concurrent_revocations_of_the_last_two_authority_keys_do_not_both_pass(
    client: TestClient, authority: Headers
) -> None:
    """Each key revokes the other at the same moment, round after round: at most one
    wins, and some authority key always stays live."""
    keys = client.app.state.services.keys  # type: ignore[attr-defined]
    first = ok(client.get("/v1/authority/keys", headers=authority))["keys"][0]["key_id"]
    survivor = (first, authority)
    for _ in range(12):
        other = keys.create(role=Role.AUTHORITY, name="deputy", created_by="cli:test")
        pair = [survivor, (other.key.key_id, bearer(other.secret))]
        barrier = threading.Barrier(2)

        def revoke_the_other(
            me: int, pair: list[tuple[str, Headers]] = pair, barrier: threading.Barrier = barrier
        ) -> int:
            target = pair[1 - me][0]
            barrier.wait()
            response = client.post(f"/v1/authority/keys/{target}/revocation", headers=pair[me][1])
            return response.status_code

        with ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(revoke_the_other, [0, 1]))
        assert statuses != [200, 200]
        live = [k for k in keys.list() if k.role is Role.AUTHORITY and k.revoked_at is None]
        assert len(live) == 1
        survivor = next(p for p in pair if p[0] == live[0].key_id)


def test_the_command_line_refuses_to_revoke_the_last_authority_key_and_can_make_a_new_one(
    bootstrapped: tuple[TestClient, str], database: DatabaseSettings
) -> None:
    client, secret = bootstrapped
    runner = CliRunner()
    key_id = secret.split("_")[1]

    refused = runner.invoke(cli, ["authority", "revoke-key", key_id], env=environment(database))

    assert refused.exit_code == 1
    assert "last live authority key" in refused.output
    assert "Traceback" not in refused.output
    ok(client.get("/v1/authority/keys", headers=bearer(secret)))
    # The way back for an authority that lost its keys: a new one on the server.
    made = runner.invoke(
        cli, ["authority", "create-key", "--name", "deputy"], env=environment(database)
    )
    assert made.exit_code == 0, made.output
    revoked = runner.invoke(cli, ["authority", "revoke-key", key_id], env=environment(database))
    assert revoked.exit_code == 0, revoked.output
    ok(client.get("/v1/authority/keys", headers=bearer(SECRET.findall(made.output)[0])))
