"""The tamper-evident log over HTTP, on both stores, as a client that trusts only the
authority's verifier key checks it: the checkpoint opens with that key, tiles rebuild
its root, an award's issuance is proven in it, and a later checkpoint extends it."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings, SigningSettings
from ledger.config.sections import ProjectionSettings
from ledger.infrastructure.did_web import public_key_from_multibase
from ledger.policy import IRELAND
from ledger.transparency.checkpoint import Checkpoint, open_note
from ledger.transparency.hashing import node_hash
from ledger.transparency.tree import verify_consistency, verify_inclusion
from tests.api.conftest import World, award, ok


@pytest.fixture
def client(database: DatabaseSettings) -> Iterator[TestClient]:
    settings = Settings(
        database=database,
        policy=IRELAND,
        signing=SigningSettings(secret=os.urandom(32)),
        projections=ProjectionSettings(log_checkpoint_seconds=0.05),
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def signed(client: TestClient, *, at_least: int = 1) -> tuple[str, Checkpoint]:
    deadline = time.monotonic() + 10
    while True:
        answer = client.get("/v1/log/checkpoint")
        if answer.status_code == 200:
            # The authority's key exists once the log signed with it.
            (vkey,) = client.get("/v1/log/key").text.splitlines()
            checkpoint = open_note(answer.text, vkey)
            if checkpoint.size >= at_least:
                assert answer.headers["content-type"].startswith("text/plain")
                return answer.text, checkpoint
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)


def test_an_awards_issuance_is_proven_in_a_signed_checkpoint(
    client: TestClient, world: World
) -> None:
    created = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("l-1", "R-1", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id = created["awards"][0]["award_id"]
    _, checkpoint = signed(client, at_least=created["position"])

    answer = ok(client.get(f"/v1/credentials/{award_id}/status", params={"log_proof": "true"}))
    proof = answer["log_inclusion"]
    assert proof["position"] == created["position"]
    assert proof["tree_size"] >= checkpoint.size
    root = open_note(proof["checkpoint"], client.get("/v1/log/key").text.strip()).root
    assert verify_inclusion(
        proof["leaf_index"],
        proof["tree_size"],
        base64.b64decode(proof["leaf_hash"]),
        [base64.b64decode(h) for h in proof["proof"]],
        root,
    )
    plain = ok(client.get(f"/v1/credentials/{award_id}/status"))
    assert "log_inclusion" not in plain


def settled(client: TestClient) -> Checkpoint:
    """The checkpoint once the log has every event and has signed them all: no later
    checkpoint can move the size under the test's feet."""
    deadline = time.monotonic() + 10
    while True:
        ready = ok(client.get("/readyz"))
        _, checkpoint = signed(client)
        last = client.get("/v1/log/inclusion", params={"position": ready["ledger_position"]})
        covered = last.status_code == 200 and last.json()["tree_size"] == checkpoint.size
        if not ready["log_lag"] and covered:
            return checkpoint
        assert time.monotonic() < deadline, (ready, checkpoint)
        time.sleep(0.05)


def test_the_tiles_rebuild_the_signed_root(client: TestClient, world: World) -> None:
    checkpoint = settled(client)
    size = checkpoint.size
    assert size < 256  # one partial tile at level 0 holds every leaf hash
    tile = client.get(f"/v1/log/tile/0/000.p/{size}")
    assert tile.status_code == 200
    assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    leaves = [tile.content[i : i + 32] for i in range(0, len(tile.content), 32)]
    assert len(leaves) == size
    assert _root(leaves) == checkpoint.root
    beyond = client.get(f"/v1/log/tile/0/000.p/{size + 1}")
    assert beyond.status_code == 404
    assert beyond.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/log/tile/0/x000/001").status_code == 404  # not C2SP's spelling


def test_a_later_checkpoint_is_proven_consistent_with_an_earlier_one(
    client: TestClient, world: World
) -> None:
    _, first = signed(client)
    client.post(
        world.setu.path("/awards"),
        json=award("l-2", "R-2", world.credential_id),
        headers=world.setu.headers,
    )
    _, second = signed(client, at_least=first.size + 1)

    answer = ok(
        client.get("/v1/log/consistency", params={"first": first.size, "second": second.size})
    )
    proof = [base64.b64decode(h) for h in answer["proof"]]
    assert verify_consistency(first.size, second.size, first.root, second.root, proof)
    refused = client.get("/v1/log/consistency", params={"first": 5, "second": 10**6})
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("invalid-log-request")


def test_an_unknown_position_has_no_proof(client: TestClient, world: World) -> None:
    signed(client)
    answer = client.get("/v1/log/inclusion", params={"position": 10**9})
    assert answer.status_code == 404
    assert answer.json()["type"].endswith("log-entry-not-found")


def _root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(_root(leaves[:split]), _root(leaves[split:]))


def test_the_checkpoint_key_is_the_authority_key_of_its_did_document(
    client: TestClient, world: World
) -> None:
    signed(client)
    (vkey,) = client.get("/v1/log/key").text.splitlines()
    document = ok(client.get("/.well-known/did.json"))
    (method,) = document["verificationMethod"]
    name, _, rest = vkey.partition("+")
    key_bytes = base64.b64decode(rest.partition("+")[2])[1:]  # after the algorithm byte
    assert name.endswith("/log")
    public = public_key_from_multibase(method["publicKeyMultibase"]).public_bytes_raw()
    assert public == key_bytes
