"""``ledger verify FILE``: a credential downloaded from the API, checked by the command
line on the same store, on both stores."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.config import DatabaseSettings, Settings, SigningSettings
from ledger.domain.principal import Role
from ledger.policy import IRELAND
from tests.api.conftest import World, accredited_credential, accredited_provider, bearer
from tests.api.test_signed_credentials import fetch_credential, issue
from tests.cli.conftest import Invoke, one_line_error

SECRET = os.urandom(32)


@pytest.fixture
def signing_env() -> dict[str, str]:
    return {"LEDGER_SIGNING_KEY_SECRET": base64.b64encode(SECRET).decode()}


@pytest.fixture
def credential_file(database: DatabaseSettings, tmp_path: Path) -> Iterator[Path]:
    """A credential as a learner downloads it from the API."""
    app = create_app(
        Settings(database=database, policy=IRELAND, signing=SigningSettings(secret=SECRET))
    )
    with TestClient(app) as client:
        keys = client.app.state.services.keys  # type: ignore[attr-defined]
        authority = bearer(keys.create(role=Role.AUTHORITY, name="r", created_by="cli:t").secret)
        setu = accredited_provider(client, authority, "SETU")
        atu = accredited_provider(client, authority, "ATU")
        world = World(setu, atu, accredited_credential(client, authority, setu, "DA-101"))
        credential = fetch_credential(client, issue(client, world, "CLI-1"))
    path = tmp_path / "credential.json"
    path.write_bytes(orjson.dumps(credential))
    yield path


def test_a_genuine_credential_verifies_with_every_check_listed(
    ledger_cli: Invoke, credential_file: Path, signing_env: dict[str, str]
) -> None:
    result = ledger_cli("verify", str(credential_file), env=signing_env)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("VERIFIED: award ")
    for check in ("issuer", "key", "signature", "register", "accreditation", "status"):
        assert any("✓ passed" in line and f" {check}: " in line for line in lines), check


def test_a_changed_credential_fails_with_exit_1_and_says_why(
    ledger_cli: Invoke, credential_file: Path, signing_env: dict[str, str]
) -> None:
    credential = orjson.loads(credential_file.read_bytes())
    credential["name"] = "Advanced Data Analytics"
    credential_file.write_bytes(orjson.dumps(credential))

    result = ledger_cli("verify", str(credential_file), env=signing_env)

    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("NOT VERIFIED")
    assert "✗ FAILED" in result.stdout and "changed after it was signed" in result.stdout


def test_the_json_answer_is_the_apis(
    ledger_cli: Invoke, credential_file: Path, signing_env: dict[str, str]
) -> None:
    result = ledger_cli("verify", "-", "--json", input=credential_file.read_text(), env=signing_env)
    assert result.exit_code == 0, result.output
    answer = orjson.loads(result.stdout)
    assert answer["verified"] is True
    assert [check["outcome"] for check in answer["checks"]] == ["passed"] * 7


def test_a_file_that_is_not_a_credential_is_one_line_and_exit_2(
    ledger_cli: Invoke, tmp_path: Path, signing_env: dict[str, str]
) -> None:
    not_json = tmp_path / "letter.txt"
    not_json.write_text("Dear employer, ...")
    result = ledger_cli("verify", str(not_json), env=signing_env)
    assert result.exit_code == 2
    assert "is not a credential that can be checked: the document is not JSON" in one_line_error(
        result
    )

    missing = ledger_cli("verify", str(tmp_path / "absent.json"), env=signing_env)
    assert missing.exit_code == 2
    assert "cannot read" in one_line_error(missing)
