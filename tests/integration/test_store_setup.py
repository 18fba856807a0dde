"""A deployment's processes start together against a new, empty store: the API's
workers and the projection worker each create the tables they need, and none of them
fails because another was creating the same table at the same moment."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier

from ledger.config import DatabaseSettings, ProjectionSettings, Settings
from ledger.policy import IRELAND

PROCESSES = 4


def start_like_a_deployed_process(database: DatabaseSettings, role: str, barrier: Barrier) -> str:
    """Open the store as ``ledger serve`` (the app's start-up) or ``ledger project`` (the
    follower) does, all processes released at once; "ok" or the error."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from ledger.application import Ledger
    from projections.follower import Follower

    # Deployed beside a `ledger project` worker: no embedded projections.
    settings = Settings(
        database=database, policy=IRELAND, projections=ProjectionSettings(embedded=False)
    )
    barrier.wait(timeout=60)
    try:
        if role == "api":
            with TestClient(create_app(settings)) as client:
                return "ok" if client.get("/readyz").status_code == 200 else "not ready"
        ledger = Ledger(settings)
        try:
            Follower(ledger).catch_up()
        finally:
            ledger.close()
    except Exception as error:  # the answer is the failure itself
        return f"{role}: {type(error).__name__}: {error}"
    return "ok"


def test_processes_starting_together_on_an_empty_store_all_start(
    database: DatabaseSettings,
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(PROCESSES)
    roles = ["api", "api", "project", "project"]
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            start_like_a_deployed_process, [(database, role, barrier) for role in roles]
        )
    assert results == ["ok"] * PROCESSES
