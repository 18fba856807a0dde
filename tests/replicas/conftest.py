"""A primary and a streaming standby for the whole run, and an API on them.

Each test gets a fresh schema on the primary (replicated to the standby by PostgreSQL),
an app whose public reads go to the standby (``read_urls``), and the small world of
tests/api (providers and an accredited credential) made over HTTP.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.policy import IRELAND
from projections.replicas import Replica, ReplicaSet
from tests.api.conftest import (
    Headers,
    World,
    accredited_credential,
    accredited_provider,
    award,
    bearer,
    ok,
)
from tests.replicas.cluster import Replicated, start_replicated


@pytest.fixture(scope="session")
def replicated() -> Iterator[Replicated]:
    try:
        pair = start_replicated()
    except RuntimeError as error:
        pytest.fail(f"could not start a primary and a streaming standby: {error}", pytrace=False)
    print(f"\nprimary and streaming standby started in {pair.started_in:.2f} s")
    try:
        yield pair
    finally:
        pair.close()


@pytest.fixture
def database(replicated: Replicated) -> DatabaseSettings:
    """A new schema on the primary, read from the standby too."""
    return DatabaseSettings(
        url=replicated.primary.url,
        schema=f"rr_{uuid.uuid4().hex[:10]}",
        pool_size=4,
        read_urls=(replicated.standby.url,),
        replica_max_lag=1.0,
    )


@pytest.fixture
def client(database: DatabaseSettings, replicated: Replicated) -> Iterator[TestClient]:
    # Let the clients' connections of a paused or stopped standby of an earlier test go.
    replicated.standby_ready()
    with TestClient(create_app(Settings(database=database, policy=IRELAND))) as test_client:
        yield test_client


@pytest.fixture
def authority(client: TestClient) -> Headers:
    keys = client.app.state.services.keys  # type: ignore[attr-defined]
    return bearer(keys.create(role=Role.AUTHORITY, name="registrar", created_by="cli:t").secret)


@pytest.fixture
def world(client: TestClient, authority: Headers) -> World:
    setu = accredited_provider(client, authority, "SETU")
    atu = accredited_provider(client, authority, "ATU")
    return World(setu, atu, accredited_credential(client, authority, setu, "DA-101"))


def replica_set(client: TestClient) -> ReplicaSet:
    found = client.app.state.services.replicas  # type: ignore[attr-defined]
    assert isinstance(found, ReplicaSet)
    return found


def the_replica(client: TestClient) -> Replica:
    (replica,) = replica_set(client).replicas
    return replica


def eventually(check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    """``check()`` once it is truthy; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what or check}")
        time.sleep(0.05)


def issue(client: TestClient, world: World, reference: str) -> str:
    awarded = ok(
        client.post(
            world.setu.path("/awards"),
            json=award(f"learner-{reference}", reference, world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id: str = awarded["awards"][0]["award_id"]
    return award_id


def revoke(client: TestClient, world: World, award_id: str) -> None:
    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={"category": "other", "note": "r"},
            headers=world.setu.headers,
        )
    )
