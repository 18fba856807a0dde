"""How the API process runs, beyond what it answers."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings
from ledger.policy import IRELAND


def test_the_heap_loaded_at_start_up_is_frozen_out_of_the_cyclic_collector(
    database: DatabaseSettings,
) -> None:
    # Without it, the collector's full passes over the start-up heap (90-200 ms each,
    # finding nothing) were the whole tail of the status checks' latency under load.
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(Settings(database=database, policy=IRELAND))) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000
