"""Generated requests against a served ledger, as schemathesis (an implementation no one
here wrote) makes them from ``/openapi.json``: no answer may be a 5xx, and every answer
must be one the document declares (status code, media type, body schema).

CI runs a small, derandomised number of cases per operation; set
``LEDGER_FUZZ_EXAMPLES`` for a longer hunt (62,222 cases found the defects this guards).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.api.test_serve_process import served  # noqa: F401 - the fixture

EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keys(served: tuple[str, str]) -> dict[str, str]:  # noqa: F811
    """An authority key and the key of one accredited provider, SETU."""
    base, secret = served
    authority = {"Authorization": f"Bearer {secret}"}
    with httpx2.Client(base_url=base, timeout=10, headers=authority) as http:
        http.post(
            "/v1/authority/providers",
            json={"code": "SETU", "name": "SETU", "country": "IE", "kind": "university"},
        ).raise_for_status()
        http.post(
            "/v1/authority/providers/SETU/accreditation",
            json={
                "scope": {"levels": [5, 6, 7], "fields": ["0688 ICT"]},
                "valid_until": (date.today() + timedelta(days=365)).isoformat(),
                "decision_reference": "QQI/ACC/SETU",
            },
        ).raise_for_status()
        provider = http.post("/v1/authority/providers/SETU/keys", json={"name": "fuzz"})
        provider.raise_for_status()
    return {"authority": secret, "provider": provider.json()["secret"]}


def test_no_generated_request_gets_a_5xx_or_an_undeclared_answer(
    served: tuple[str, str],  # noqa: F811
    keys: dict[str, str],
) -> None:
    base, _ = served
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        failure = fuzz(operation, keys)
        if failure is not None:
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    assert operations > 30  # the document was read whole
    assert not failures, "\n\n".join(failures)


def fuzz(operation: Any, keys: dict[str, str]) -> str | None:
    """The first failing case of ``operation`` (hypothesis shrinks it), or ``None``."""
    key = keys["provider" if operation.path.startswith("/v1/providers/") else "authority"]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=st.one_of([operation.as_strategy(mode) for mode in GenerationMode]))
    def check(case: Any) -> None:
        if "provider_code" in (case.path_parameters or {}):
            case.path_parameters["provider_code"] = "SETU"  # the provider the key acts for
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

    try:
        check()
    except Exception as error:
        return str(error)[:3000]
    return None
