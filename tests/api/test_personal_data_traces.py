"""Personal data leaves no trace outside the encrypted events: after an erasure no table
of the store (the idempotency records, the views, the keys...) holds a learner's
personal data, nor a plain SHA-256 of it, and no log line or metric ever carries it."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.models.providers import RecordPersonalData
from api.request_logs import JsonFormatter
from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.policy import IRELAND
from tests.api.conftest import Headers, World, award, ok
from tests.integration.store import RawStore

LEARNER = "l-601"
PERSONAL = {
    "name": "Siobhán Nic Giolla Phádraig",
    "date_of_birth": "1999-07-21",
    "national_id": "9876543WA",
    "email": "siobhan.ngp@example.ie",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def traces(path: str, body: dict[str, Any]) -> dict[str, str]:
    """What must not be found: each value, and SHA-256 hashes a guesser could test (of
    each field, of the body as sent, of the validated payload and of the canonical
    request the idempotency table used to hash)."""
    found = {f"value of {name}": value for name, value in PERSONAL.items()}
    found.update({f"sha256 of {name}": _sha256(v.encode()) for name, v in PERSONAL.items()})
    payload = RecordPersonalData.model_validate(body).model_dump(mode="json")
    for label, data in {
        "body": orjson.dumps(body),
        "sorted body": orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
        "payload": orjson.dumps(payload, option=orjson.OPT_SORT_KEYS),
        "personal data": orjson.dumps(PERSONAL, option=orjson.OPT_SORT_KEYS),
        "canonical request": orjson.dumps(["POST", path, payload], option=orjson.OPT_SORT_KEYS),
    }.items():
        found[f"sha256 of the {label}"] = _sha256(data)
    return found


def every_row_but_the_events(client: TestClient) -> dict[str, str]:
    """Each table of the store (the event log excluded: it holds only ciphertext) as
    text, every column of every row."""
    store = RawStore(client.app.state.services.ledger)  # type: ignore[attr-defined]
    if store.is_postgres:
        names = [
            str(r[0])
            for r in store.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                store.database.schema,
            )
        ]
    else:
        names = [
            str(r[0]) for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
    tables = {}
    for name in names:
        if name == store.events_table:
            continue
        rows = store.query(f'SELECT * FROM {{schema}}"{name}"')
        tables[name] = "\n".join(
            " ".join(bytes(v).hex() if isinstance(v, bytes | memoryview) else str(v) for v in row)
            for row in rows
        )
    return tables


def test_no_table_keeps_personal_data_or_a_hash_of_it_after_erasure(
    client: TestClient, authority: Headers, world: World
) -> None:
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award(LEARNER, "R-601", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    path = world.setu.path("/learners/personal-data")
    body = {"learner_id": LEARNER, "personal_data": PERSONAL}
    headers = {**world.setu.headers, "Idempotency-Key": "pd-601"}
    first = ok(client.post(path, json=body, headers=headers))
    # The idempotency record still does its job: the same request is replayed, another
    # one under the same key is refused; a second recording under its own key too.
    replay = client.post(path, json=body, headers=headers)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first
    other = {"learner_id": LEARNER, "personal_data": {**PERSONAL, "email": "new@example.ie"}}
    assert client.post(path, json=other, headers=headers).status_code == 422
    again = {**world.setu.headers, "Idempotency-Key": "pd-602"}  # the learner has a key now
    ok(client.post(path, json=body, headers=again))
    assert client.post(path, json=body, headers=again).headers.get("Idempotent-Replayed")
    ok(
        client.post(
            "/v1/authority/learners/erasure",
            json={"learner_id": LEARNER, "reason": "GDPR request 2026-44"},
            headers={**authority, "Idempotency-Key": "erase-601"},
        )
    )

    tables = every_row_but_the_events(client)

    assert "idempotency_keys" in tables and "pd-601" in tables["idempotency_keys"]
    leaks = [
        f"{label} in {table}"
        for label, trace in traces(path, body).items()
        for table, text in tables.items()
        if trace.lower() in text.lower()
    ]
    assert leaks == []
    after = client.post(path, json=body, headers=headers)
    assert after.status_code == 409
    assert after.json()["type"].endswith("/personal-data-erased")


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """Every log record of every logger, at every level, as the JSON lines the API
    writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_no_log_line_or_metric_carries_personal_data(
    client: TestClient, authority: Headers, world: World, every_log_line: io.StringIO
) -> None:
    ok(
        client.post(
            world.setu.path("/awards"),
            json=award(LEARNER, "R-601", world.credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    path = world.setu.path("/learners/personal-data")
    body = {"learner_id": LEARNER, "personal_data": PERSONAL}
    headers = {**world.setu.headers, "Idempotency-Key": "pd-611"}

    ok(client.post(path, json=body, headers=headers))
    ok(client.post(path, json=body, headers=headers))  # replayed
    assert client.post(path, json=body, headers=world.atu.headers).status_code == 403
    bad = {"learner_id": LEARNER, "personal_data": {**PERSONAL, "email": "not an e-mail"}}
    assert client.post(path, json=bad, headers=world.setu.headers).status_code == 422
    ok(
        client.post(
            "/v1/authority/learners/erasure",
            json={"learner_id": LEARNER, "reason": "GDPR request 2026-45"},
            headers=authority,
        )
    )
    metrics = client.get("/metrics").text

    logged = every_log_line.getvalue()
    assert "/learners/personal-data 200" in logged  # it did capture the access log
    for name, value in [*PERSONAL.items(), ("bad email", "not an e-mail")]:
        assert value.lower() not in logged.lower(), name
        assert value.lower() not in metrics.lower(), name
    for label, trace in traces(path, body).items():
        assert trace not in logged, label


def test_idempotency_records_from_before_keyed_fingerprints_are_dropped_at_start(
    database: DatabaseSettings,
) -> None:
    """A table an older version made holds plain SHA-256 fingerprints of every body:
    starting this version adds the claim column and drops those rows."""
    old_fingerprint = _sha256(orjson.dumps(["POST", "/x", {"national_id": "9876543WA"}]))
    ledger = Ledger(Settings(database=database, policy=IRELAND))
    try:
        store = RawStore(ledger)
        store.query(
            "CREATE TABLE {schema}idempotency_keys ("
            " principal VARCHAR(100) NOT NULL, idempotency_key VARCHAR(200) NOT NULL,"
            " fingerprint CHAR(64) NOT NULL, claimed_at VARCHAR(40) NOT NULL,"
            " status_code INTEGER, body TEXT, position BIGINT,"
            " PRIMARY KEY (principal, idempotency_key))"
        )
        store.query(
            "INSERT INTO {schema}idempotency_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
            "provider:SETU",
            "old-1",
            old_fingerprint,
            "2026-01-01T00:00:00+00:00",
            200,
            "{}",
            1,
        )
    finally:
        ledger.close()

    with TestClient(create_app(Settings(database=database, policy=IRELAND))) as client:
        tables = every_row_but_the_events(client)
        assert "old-1" not in tables["idempotency_keys"]
        assert old_fingerprint not in tables["idempotency_keys"]
        client.app.state.services.idempotency.claim("provider:SETU", "new-1", "0" * 64)  # type: ignore[attr-defined]
        assert "new-1" in every_row_but_the_events(client)["idempotency_keys"]
