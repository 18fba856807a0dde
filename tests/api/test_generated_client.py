"""A client generated from ``/openapi.json`` with openapi-python-client, as a provider
or an HR system would make one, reads the served ledger's answers, errors included:
every error is documented under ``application/problem+json``, the media type sent."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from uuid import UUID

import httpx2
import orjson
import pytest

from tests.api.served_demo import ServedDemo, served_demo

GENERATOR = str(Path(sys.executable).with_name("openapi-python-client"))
PACKAGE = "ledger_generated_client"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDemo]:
    with served_demo(tmp_path_factory.mktemp("generated-client")) as running:
        yield running


@pytest.fixture(scope="module")
def generated(served: ServedDemo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder holding the client package generated from the served document."""
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_bytes(httpx2.get(f"{served.url}/openapi.json", timeout=10).content)
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: the code is only imported
    generated = subprocess.run(
        [
            GENERATOR,
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(folder))
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(generated: Path, name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_reads_an_awards_status(served: ServedDemo, generated: Path) -> None:
    client = module(generated, "client").Client(base_url=served.url, timeout=10)
    get_status = module(generated, "api.employers.get_credential_status")
    models = module(generated, "models")

    with client as http:
        answer = get_status.sync_detailed(award_id=served.demo.valid_award, client=http)

    assert answer.status_code == 200
    assert isinstance(answer.parsed, models.CredentialStatus)
    assert answer.parsed.award_id == served.demo.valid_award
    assert str(getattr(answer.parsed.status, "value", answer.parsed.status)) == "valid"
    assert answer.parsed.credential.title == "Data Analytics Fundamentals"


def test_a_generated_client_reads_the_problem_and_field_errors_of_a_refusal(
    served: ServedDemo, generated: Path
) -> None:
    client = module(generated, "client").Client(base_url=served.url, timeout=10)
    get_status = module(generated, "api.employers.get_credential_status")
    get_statuses = module(generated, "api.employers.get_credential_statuses")
    models = module(generated, "models")

    with client as http:
        # A moment without a time zone: the schema says date-time with an offset.
        naive = get_status.sync_detailed(
            award_id=served.demo.valid_award, client=http, at=datetime(2026, 3, 1, 9, 0)
        )
        unknown = get_status.sync_detailed(
            award_id=UUID("00000000-0000-4000-8000-000000000000"), client=http
        )
        too_many = get_statuses.sync_detailed(
            client=http,
            body=models.StatusBatchRequest(award_ids=[served.demo.valid_award] * 1001),
        )

    assert naive.status_code == 422
    assert naive.headers["content-type"] == "application/problem+json"
    problem = naive.parsed
    assert isinstance(problem, models.Problem)
    assert problem.status == 422
    assert problem.type_ == "/problems/invalid-request"
    assert [(e.location, e.type_) for e in problem.errors] == [(["query", "at"], "timezone_aware")]

    assert unknown.status_code == 404
    assert isinstance(unknown.parsed, models.Problem)
    assert unknown.parsed.type_ == "/problems/award-not-found"

    assert too_many.status_code == 422
    assert isinstance(too_many.parsed, models.Problem)
    assert [e.location for e in too_many.parsed.errors] == [["body", "award_ids"]]


def test_a_generated_client_downloads_a_credential_and_has_it_verified(
    served: ServedDemo, generated: Path
) -> None:
    client = module(generated, "client").Client(base_url=served.url, timeout=30)
    get_credential = module(generated, "api.credentials.get_signed_credential")
    verify = module(generated, "api.credentials.verify_credential")
    models = module(generated, "models")

    with client as http:
        downloaded = get_credential.sync_detailed(award_id=served.demo.valid_award, client=http)
        assert downloaded.status_code == 200
        assert downloaded.headers["content-type"] == "application/vc"
        credential = orjson.loads(downloaded.content)
        body = models.VerifyCredentialJsonBody.from_dict(credential)
        answer = verify.sync_detailed(client=http, body=body)

    assert answer.status_code == 200, answer.content
    assert isinstance(answer.parsed, models.VerificationAnswer)
    assert answer.parsed.verified is True
    assert [str(getattr(c.outcome, "value", c.outcome)) for c in answer.parsed.checks] == [
        "passed"
    ] * 7
