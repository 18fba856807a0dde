"""An erasure through the API is journalled outside the database, as one through the
CLI is, so that ``ledger erasures reapply`` can repeat it after a restore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.infrastructure.erasure_journal import ErasureJournal
from ledger.policy import IRELAND
from tests.api.conftest import accredited_credential, accredited_provider, award, bearer, ok


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "erasures.jsonl"


@pytest.fixture
def journalled_client(database: DatabaseSettings, journal: Path) -> Iterator[TestClient]:
    settings = Settings(database=database, policy=IRELAND, erasure_journal=journal)
    with TestClient(create_app(settings)) as client:
        yield client


def test_an_erasure_through_the_api_is_journalled_with_no_personal_data(
    journalled_client: TestClient, journal: Path
) -> None:
    client = journalled_client
    keys = client.app.state.services.keys  # type: ignore[attr-defined]
    authority = bearer(keys.create(role=Role.AUTHORITY, name="registrar").secret)
    setu = accredited_provider(client, authority, "SETU")
    credential_id = accredited_credential(client, authority, setu, "DA-101")
    ok(
        client.post(
            setu.path("/awards"), json=award("L-77", "REF-1", credential_id), headers=setu.headers
        ),
        201,
    )
    ok(
        client.post(
            setu.path("/learners/personal-data"),
            json={"learner_id": "L-77", "personal_data": {"name": "Siobhán Example"}},
            headers=setu.headers,
        )
    )

    erased = ok(
        client.post(
            "/v1/authority/learners/erasure",
            json={"learner_id": "L-77", "reason": "erasure request GDPR-2026-0193"},
            headers=authority,
        )
    )

    [entry] = ErasureJournal(journal).entries()
    assert entry.learner_id == "L-77"
    assert str(entry.learner_record_id) == erased["learner_record_id"]
    assert entry.position == erased["position"]
    assert "Siobhán" not in journal.read_text(encoding="utf-8")
