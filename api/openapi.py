"""The OpenAPI document tells the media type each answer is sent with.

FastAPI files a response ``model`` under the route's own media type
(``application/json``) and gives every route with parameters a default 422 of its own
``HTTPValidationError`` shape. Neither is what the ledger sends: every error answer is
a `Problem` as ``application/problem+json`` (api/problems.py). A client generated from
the document found no schema under the media type it received and parsed nothing. So
once FastAPI has built the document, every 4xx and 5xx answer is declared as exactly
that, and FastAPI's validation shapes go.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.problems import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_REF = "#/components/schemas/Problem"
_FASTAPI_SHAPES = ("HTTPValidationError", "ValidationError")


def is_error_status(status: str) -> bool:
    return status[:1] in ("4", "5") or status == "default"


# Answers any route with a body can give before it runs (the body cannot be decoded, or
# is larger than the route's cap), and any route that reads the store while it is away:
# found undeclared by schemathesis (tests/fuzz), which a generated client then cannot
# parse.
BODY_PROBLEMS = {
    "400": "The body is not valid JSON (`malformed-json`)",
    "413": "The body is larger than this route's largest valid request (`request-too-large`)",
    "504": "The database stopped answering after the commit was sent: retry with the same"
    " Idempotency-Key (`commit-outcome-unknown`)",
}
STORE_PROBLEM = (
    "503",
    "The database does not answer; retry after `Retry-After` seconds (`store-unavailable`)",
)
NEEDS_NO_STORE = {"/healthz"}


def _declare_always_possible(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    possible = dict(BODY_PROBLEMS) if "requestBody" in operation else {}
    if path not in NEEDS_NO_STORE:
        possible[STORE_PROBLEM[0]] = STORE_PROBLEM[1]
    for status, description in possible.items():
        responses.setdefault(status, {"description": description})


def declare_problems(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each error answer declared as a problem; changed in place."""
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            _declare_always_possible(path, operation)
            for status, response in operation.get("responses", {}).items():
                if is_error_status(str(status)):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in schemas:
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
    for name in _FASTAPI_SHAPES:
        schemas.pop(name, None)  # nothing refers to them now: no answer has that shape
    return document


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
