"""The public reads on a real streaming standby (LEDGER_READ_DATABASE_URL).

No mocks: a primary and a hot standby made by tests/replicas/cluster.py, the app on
them through HTTP. What a test does to the standby (pausing its replay, stopping it)
is what an operator or a failure does.
"""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, ProjectionSettings, Settings
from ledger.policy import IRELAND
from tests.api.conftest import Headers, World, ok
from tests.replicas.cluster import Replicated
from tests.replicas.conftest import eventually, issue, replica_set, revoke, the_replica


def status_scans(replicated: Replicated, schema: str) -> int:
    """How often the standby itself scanned the status view (its own statistics: the
    primary's are not replicated, and the replica monitor reads only the tracking
    table)."""
    found = replicated.standby.scalar(
        "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)"
        f" FROM pg_stat_user_tables WHERE schemaname = '{schema}'"
        " AND relname = 'proj_credential_status'"
    )
    return int(str(found))


def usable(client: TestClient) -> bool:
    return bool(replica_set(client).usable())


def test_the_public_reads_are_served_by_the_replica(
    client: TestClient, world: World, replicated: Replicated, database: DatabaseSettings
) -> None:
    award_id = issue(client, world, "R-1")
    replica, replicas = the_replica(client), replica_set(client)
    eventually(lambda: usable(client), what="the replica usable")
    assert replicated.standby.scalar("SELECT pg_is_in_recovery()") is True
    scans_before = status_scans(replicated, database.schema)
    served, primary = replica.served, replicas.primary_served

    for _ in range(30):
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"
    batch = ok(client.post("/v1/credentials/status:batch", json={"award_ids": [award_id]}))
    assert batch["results"][0]["found"]
    assert ok(client.get("/v1/register/providers"))["total"] == 2
    assert ok(client.get("/v1/register/micro-credentials"))["total"] == 1
    page = client.get(f"/verify/{award_id}")
    assert page.status_code == 200, page.text

    assert replica.served - served == 34
    assert replicas.primary_served == primary
    # The standby's own statistics say it answered them (flushed within seconds).
    eventually(
        lambda: status_scans(replicated, database.schema) - scans_before >= 32,
        what="the standby's scans of the status view",
    )


def test_a_write_is_seen_by_the_very_next_read(client: TestClient, world: World) -> None:
    eventually(lambda: usable(client), what="the replica usable")
    replica = the_replica(client)
    served = replica.served
    for i in range(20):
        award_id = issue(client, world, f"RYW-{i}")
        found = client.get(f"/v1/credentials/{award_id}/status")
        assert found.status_code == 200, found.text
        assert found.json()["status"] == "valid"
        revoke(client, world, award_id)
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "revoked"
        batch = ok(client.post("/v1/credentials/status:batch", json={"award_ids": [award_id]}))
        assert batch["results"][0]["credential_status"]["status"] == "revoked"
    # The replica took its share: a write waits for it as it waits for the primary.
    assert replica.served - served >= 30


def test_a_paused_replica_is_passed_over_then_used_again(
    client: TestClient, world: World, replicated: Replicated
) -> None:
    eventually(lambda: usable(client), what="the replica usable")
    replica, replicas = the_replica(client), replica_set(client)
    replicated.standby.execute("SELECT pg_wal_replay_pause()")
    eventually(
        lambda: replicated.standby.scalar("SELECT pg_get_wal_replay_pause_state()") == "paused"
    )
    primary = replicas.primary_served

    award_id = issue(client, world, "P-1")  # its answer waits in vain for the replica
    assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"
    assert not usable(client)
    # Past the lag bound it is stale, whatever the writes of this process asked for.
    eventually(lambda: replica.staleness > 1.0, what="the paused replica stale")
    revoke(client, world, award_id)
    for _ in range(5):
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "revoked"
    assert replicas.primary_served - primary >= 6
    state = replicas.describe()[0]
    assert not state["usable"]
    assert state["staleness_seconds"] > 1.0

    served = replica.served
    replicated.standby.execute("SELECT pg_wal_replay_resume()")
    eventually(lambda: usable(client), what="the resumed replica usable again")
    assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "revoked"
    assert replica.served == served + 1


def test_a_stopped_replica_is_passed_over_then_used_again(
    client: TestClient, world: World, replicated: Replicated
) -> None:
    eventually(lambda: usable(client), what="the replica usable")
    replica, replicas = the_replica(client), replica_set(client)
    award_id = issue(client, world, "S-1")
    assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"
    primary = replicas.primary_served

    replicated.standby.stop("fast")
    slowest = 0.0
    for i in range(40):
        started = time.monotonic()
        answer = client.get(f"/v1/credentials/{award_id}/status")
        slowest = max(slowest, time.monotonic() - started)
        assert answer.status_code == 200, answer.text  # never a 503
        if i == 20:
            revoke(client, world, award_id)
        assert answer.json()["status"] == ("valid" if i <= 20 else "revoked")
    assert ok(client.get("/v1/register/providers"))["total"] == 2
    assert slowest < 0.5, f"a read took {slowest:.2f} s"
    assert not usable(client)
    assert replicas.primary_served - primary >= 40
    assert replicas.describe()[0]["answering"] is False

    served = replica.served
    replicated.standby.start()
    replicated.wait_streaming()

    def served_by_the_replica_again() -> bool:
        # (A read may meet a connection the stop broke: the primary answers it.)
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "revoked"
        return replica.served > served

    eventually(served_by_the_replica_again, what="the restarted replica used again")


def test_the_answers_are_the_same_bytes_from_the_replica_and_the_primary(
    client: TestClient, world: World, authority: Headers, database: DatabaseSettings
) -> None:
    valid = issue(client, world, "B-1")
    revoked = issue(client, world, "B-2")
    revoke(client, world, revoked)
    eventually(lambda: usable(client), what="the replica usable")
    paths = [
        f"/v1/credentials/{valid}/status",
        f"/v1/credentials/{revoked}/status",
        "/v1/register/providers",
        "/v1/register/micro-credentials?text=data",
        f"/verify/{revoked}",
    ]
    batch = {"award_ids": [valid, revoked]}
    replica = the_replica(client)
    served = replica.served
    from_replica = [_without_check_time(client.get(path).content) for path in paths]
    from_replica.append(client.post("/v1/credentials/status:batch", json=batch).content)
    assert replica.served - served == len(paths) + 1

    # The same store without replicas: every read on the primary.
    primary_only = Settings(
        database=DatabaseSettings(url=database.url, schema=database.schema, pool_size=2),
        policy=IRELAND,
        projections=ProjectionSettings(embedded=False),
    )
    with TestClient(create_app(primary_only)) as on_primary:
        assert on_primary.app.state.services.replicas is None  # type: ignore[attr-defined]
        from_primary = [_without_check_time(on_primary.get(path).content) for path in paths]
        from_primary.append(on_primary.post("/v1/credentials/status:batch", json=batch).content)

    assert from_replica == from_primary


def _without_check_time(page: bytes) -> bytes:
    """The verification page says when it was made (the one part that differs)."""
    if not page.startswith(b"<!doctype html>"):
        return page
    made, count = re.subn(
        rb'(checked against the national register on <time datetime=")[^<]*</time>',
        rb"\1...</time>",
        page,
    )
    assert count == 1
    return made


def metric(client: TestClient, name: str, replica: str) -> float | None:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f'{name}{{replica="{replica}"}} '):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_readyz_and_metrics_say_which_replica_takes_the_reads(
    client: TestClient, world: World, replicated: Replicated
) -> None:
    eventually(lambda: usable(client), what="the replica usable")
    award_id = issue(client, world, "M-1")
    replica = the_replica(client)
    for _ in range(3):
        assert ok(client.get(f"/v1/credentials/{award_id}/status"))["status"] == "valid"

    ready = ok(client.get("/readyz"))
    (state,) = ready["read_replicas"]
    assert state["replica"] == replica.name
    assert state["usable"] is True and state["answering"] is True
    assert state["staleness_seconds"] <= replica_set(client).max_lag
    assert 0 < state["position"] <= ready["ledger_position"]
    assert state["served"] == replica.served >= 3
    assert metric(client, "ledger_read_replica_usable", replica.name) == 1.0
    assert metric(client, "ledger_read_replica_reads", replica.name) == replica.served
    fresh = metric(client, "ledger_read_replica_staleness_seconds", replica.name)
    assert fresh is not None and fresh <= replica_set(client).max_lag
    assert metric(client, "ledger_read_replica_reads", "primary") is not None

    replicated.standby.execute("SELECT pg_wal_replay_pause()")
    try:
        issue(client, world, "M-2")  # its answer waits in vain for the replica
        eventually(lambda: replica.staleness > 1.0, what="the paused replica stale")
        paused = client.get("/readyz")
        assert paused.status_code == 200  # the primary answers: still ready
        assert paused.json()["read_replicas"][0]["usable"] is False
        assert metric(client, "ledger_read_replica_usable", replica.name) == 0.0
        stale = metric(client, "ledger_read_replica_staleness_seconds", replica.name)
        assert stale is not None and stale > 1.0
    finally:
        replicated.standby.execute("SELECT pg_wal_replay_resume()")
    eventually(lambda: usable(client), what="the resumed replica usable again")
    assert metric(client, "ledger_read_replica_usable", replica.name) == 1.0


def test_without_replicas_readyz_lists_none_and_metrics_have_none(
    database: DatabaseSettings, replicated: Replicated
) -> None:
    primary_only = Settings(
        database=DatabaseSettings(url=database.url, schema=database.schema, pool_size=2),
        policy=IRELAND,
        projections=ProjectionSettings(embedded=False),
    )
    with TestClient(create_app(primary_only)) as on_primary:
        assert ok(on_primary.get("/readyz"))["read_replicas"] == []
        assert "ledger_read_replica" not in on_primary.get("/metrics").text
