"""The API app on a store seeded with the demo country, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.demo import DemoSummary, seed_demo
from ledger.policy import IRELAND


@pytest.fixture
def settings(database: DatabaseSettings) -> Settings:
    return Settings(database=database, policy=IRELAND)


@pytest.fixture
def demo(settings: Settings) -> DemoSummary:
    ledger = Ledger(settings)
    try:
        return seed_demo(ledger)
    finally:
        ledger.close()


@pytest.fixture
def client(settings: Settings, demo: DemoSummary) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
