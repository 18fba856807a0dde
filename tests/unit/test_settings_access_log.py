"""``LEDGER_ACCESS_LOG`` reaches the app: off in any spelling, the line is gone."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import Settings


def access_lines(word: str, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    settings = Settings.from_env(
        {"LEDGER_DATABASE_URL": "sqlite:///never-opened", "LEDGER_ACCESS_LOG": word}
    )
    client = TestClient(create_app(settings))  # no lifespan: the document needs no store
    with caplog.at_level(logging.INFO, logger="ledger.access"):
        assert client.get("/openapi.json").status_code == 200
    return [record for record in caplog.records if record.name == "ledger.access"]


def test_false_in_capitals_turns_the_access_log_off(caplog: pytest.LogCaptureFixture) -> None:
    assert access_lines("FALSE", caplog) == []


def test_true_keeps_it_on(caplog: pytest.LogCaptureFixture) -> None:
    assert len(access_lines("true", caplog)) == 1
