"""Every error answer is ``application/problem+json`` (RFC 9457).

Domain refusals come from the ledger as `LedgerError`s and map by their ``kind``; the
API's own refusals (authentication, idempotency, request shape) are `ApiProblem`s.
Whatever goes wrong, the client gets a type it can switch on and a detail a person can
act on, never an HTML page or a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.application import BatchRejected
from ledger.errors import (
    CommitOutcomeUnknown,
    ControlCharacter,
    KeyAlreadyRevoked,
    KeyNotFound,
    LastAuthorityKey,
    LedgerError,
    StoreUnavailable,
    VerifierBusy,
)
from ledger.infrastructure.signing_keys import SigningSecretError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"

STATUS_BY_KIND = {"invalid": 422, "conflict": 409, "not_found": 404, "forbidden": 403}

log = logging.getLogger("api.problems")


class ItemError(BaseModel):
    """One refused item of a batch, or one invalid field of a request."""

    index: int | None = Field(None, description="Position of the item in the batch (0-based).")
    location: list[str | int] | None = Field(None, description="Path to the offending field.")
    type: str = Field(description="Stable code of the reason, e.g. `assessment-method-mismatch`.")
    detail: str


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details)."""

    type: str = Field(examples=[PROBLEM_BASE + "revalidation-required"])
    title: str = Field(examples=["Revalidation required"])
    status: int = Field(examples=[409])
    detail: str = Field(
        examples=[
            "the assessment method of DA-101 changed; nothing new is issued until the"
            " authority revalidates it"
        ]
    )
    errors: list[ItemError] | None = None


class ApiProblem(Exception):
    """A refusal decided by the API layer itself (not by the domain)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: Sequence[ItemError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry declaring each status as a problem+json answer
    (`api.openapi` files the model under that media type once FastAPI has built the
    document; FastAPI itself files it under ``application/json``)."""
    content: dict[str, Any] = {"application/problem+json": {}}
    return {status: {"model": Problem, "content": content} for status in statuses}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    errors: Sequence[ItemError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": _title(code),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [e.model_dump(exclude_none=True) for e in errors]
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"
"""The detail of the 400 FastAPI raises for a body it could not decode (its own text,
checked by tests/api/test_bad_requests.py)."""


def _location(error: LedgerError) -> list[str | int] | None:
    """The field a refusal names, as the request names it (a control character)."""
    return list(error.location) if isinstance(error, ControlCharacter) else None


def ledger_problem(error: LedgerError) -> Response:
    errors = None
    if isinstance(error, BatchRejected):
        errors = [
            ItemError(
                index=f.index,
                location=_location(f.error),
                type=f.error.code(),
                detail=str(f.error),
            )
            for f in error.failures
        ]
    elif isinstance(error, ControlCharacter):
        errors = [ItemError(location=_location(error), type=error.code(), detail=str(error))]
    return problem_response(STATUS_BY_KIND[error.kind], error.code(), str(error), errors=errors)


STORE_RETRY_AFTER = "2"


def store_unavailable_problem() -> Response:
    """503 while the database is away: nothing of this request was written."""
    return problem_response(
        503,
        "store-unavailable",
        "the ledger's database does not answer; nothing was written by this request."
        " Retry after a moment",
        headers={"Retry-After": STORE_RETRY_AFTER},
    )


def _title(code: str) -> str:
    return code.replace("-", " ").capitalize()


async def _on_ledger_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, LedgerError)
    return ledger_problem(error)


async def _on_api_problem(_: Request, error: Exception) -> Response:
    assert isinstance(error, ApiProblem)
    return problem_response(
        error.status, error.code, error.detail, errors=error.errors, headers=error.headers
    )


async def _on_key_not_found(_: Request, error: Exception) -> Response:
    return problem_response(404, "key-not-found", str(error))


async def _on_key_revoked(_: Request, error: Exception) -> Response:
    return problem_response(409, "key-already-revoked", str(error))


async def _on_last_authority_key(_: Request, error: Exception) -> Response:
    return problem_response(409, "last-authority-key", str(error))


async def _on_validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return validation_problem(error.errors())


async def _on_http_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == FASTAPI_BODY_PARSE_ERROR:
        # FastAPI's answer when decoding the JSON body raised something other than
        # a JSONDecodeError: bytes that are not UTF-8, or nesting deeper than the
        # parser's recursion limit. To the client it is the same mistake.
        return problem_response(400, "malformed-json", "the request body is not valid JSON")
    code = {404: "not-found", 405: "method-not-allowed", 413: "request-too-large"}.get(
        error.status_code, "http-error"
    )
    detail = str(error.detail) if error.detail else code.replace("-", " ")
    return problem_response(error.status_code, code, detail, headers=dict(error.headers or {}))


async def _on_unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        "internal-error",
        "the ledger could not answer; nothing was written by this"
        " request unless a retry with the same Idempotency-Key says so",
    )


async def _on_store_unavailable(_: Request, error: Exception) -> Response:
    log.warning("database unavailable: %s", error)
    return store_unavailable_problem()


async def _on_commit_outcome_unknown(_: Request, error: Exception) -> Response:
    log.error("commit outcome unknown: %s", error)
    return problem_response(
        504,
        "commit-outcome-unknown",
        "the database stopped answering while this write was being committed: it may"
        " or may not be recorded. Retry it with the same Idempotency-Key to find out",
        headers={"Retry-After": STORE_RETRY_AFTER},
    )


ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]


async def _on_signing_unavailable(_: Request, error: Exception) -> Response:
    log.error("signing refused: %s", error)
    return problem_response(
        503,
        "signing-unavailable",
        "this register cannot sign or read signing keys now: its operator has not set"
        " the key-encryption secret (LEDGER_SIGNING_KEY_SECRET). Nothing was signed",
    )


async def _on_verifier_busy(_: Request, error: Exception) -> Response:
    return problem_response(
        503,
        "verifier-busy",
        f"{error}: every slot for checking a credential's signature is taken",
        headers={"Retry-After": STORE_RETRY_AFTER},
    )


HANDLERS: tuple[tuple[type[Exception], ExceptionHandler], ...] = (
    (StoreUnavailable, _on_store_unavailable),
    (VerifierBusy, _on_verifier_busy),
    (SigningSecretError, _on_signing_unavailable),
    (CommitOutcomeUnknown, _on_commit_outcome_unknown),
    (LedgerError, _on_ledger_error),
    (ApiProblem, _on_api_problem),
    (KeyNotFound, _on_key_not_found),
    (KeyAlreadyRevoked, _on_key_revoked),
    (LastAuthorityKey, _on_last_authority_key),
    (RequestValidationError, _on_validation_error),
    (StarletteHTTPException, _on_http_error),
    (Exception, _on_unexpected),
)
"""Which answer each exception gets (Starlette picks the handler of the nearest class in
the exception's MRO; ``Exception`` is the catch-all 500)."""


def install_problem_handlers(app: FastAPI) -> None:
    for exception_type, handler in HANDLERS:
        app.add_exception_handler(exception_type, handler)


def validation_problem(raw_errors: Sequence[Any]) -> Response:
    """422 for a body, query or path that does not match the schema: each field named."""
    items: list[ItemError] = []
    index: int | None
    for raw in raw_errors:
        location = [p for p in raw.get("loc", ()) if isinstance(p, str | int)]
        # Point batch item errors at their item, as domain refusals do.
        index = None
        if len(location) >= 3 and location[0] == "body" and isinstance(location[2], int):
            index = location[2]
        items.append(
            ItemError(
                index=index,
                location=location,
                type=str(raw.get("type", "invalid")),
                detail=str(raw.get("msg", "invalid value")),
            )
        )
    if any(item.type == "json_invalid" for item in items):
        return problem_response(
            400, "malformed-json", "the request body is not valid JSON", errors=items
        )
    fields = ", ".join(".".join(str(p) for p in i.location or []) for i in items[:5])
    more = "" if len(items) <= 5 else f" and {len(items) - 5} more"
    return problem_response(
        422,
        "invalid-request",
        f"the request does not match the schema at: {fields}{more}",
        errors=items,
    )
