"""Employers and other relying parties: is this credential genuine, valid or revoked,
and what does it certify? Public, no key.

The current status is one primary-key read of the projection's status view, turned into
JSON by hand (orjson on a dict): this is the route that takes thousands of requests a
second, so it skips response-model validation; `tests/api` checks its answers against
the documented model. Answers may be cached for a few seconds only, so that a
revocation is visible almost at once, and carry an ETag for cheap revalidation.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from api.models.common import Moment
from api.models.employers import (
    CredentialStatus,
    StatusBatchAnswer,
    StatusBatchRequest,
)
from api.problems import problem_response, problem_responses
from api.ratelimit import charge
from api.routers.log import inclusion_view
from api.services import Services
from api.status_reads import AsyncStatusReader, ReplicatedStatusReader
from ledger.domain.values import RevocationReason
from ledger.errors import LogEntryNotFound
from projections.read import CredentialStatus as StatusRecord
from projections.read import ReadModel

# A revoked award must not be reported valid for more than a second, and that includes
# what a shared cache in front of the API keeps: one second, then revalidate by ETag.
CACHE_SECONDS = 1
CACHE_CONTROL = f"public, max-age={CACHE_SECONDS}, must-revalidate"

router = APIRouter(prefix="/v1/credentials", tags=["employers"])


def log_inclusion(services: Services, award_id: UUID) -> dict[str, Any] | None:
    """The inclusion proof of the award's issuance event in the latest signed tree;
    None while no checkpoint covers it yet."""
    position = services.read_model.issuance_position(award_id)
    if position is None:
        return None
    try:
        found = services.transparency_log.inclusion(position)
    except LogEntryNotFound:
        return None
    return inclusion_view(found).model_dump()


def public_status(record: StatusRecord, *, point_in_time: bool) -> dict[str, Any]:
    """The public answer: what the award certifies and its status, no learner data and
    no key ids (``revoked_by`` stays internal), and of a revocation only its category:
    its note is private to the issuing provider and the authority."""
    category = record.revocation_category
    return {
        "award_id": str(record.award_id),
        "status": record.status,
        "as_of": record.as_of.isoformat() if point_in_time else None,
        "credential": {
            "micro_credential_id": str(record.micro_credential_id),
            "title": record.title,
            "workload_ects": float(record.workload_ects),
            "nqf_level": record.nqf_level,
            "eqf_level": record.eqf_level,
            "learning_outcomes": list(record.learning_outcomes),
            "esco_skills": [list(uris) for uris in record.esco_skills],
        },
        "issuer": {
            "provider_id": str(record.provider_id),
            "code": record.provider_code,
            "name": record.provider_name,
            "country": record.provider_country,
            "accreditation_state": record.provider_state,
        },
        "issued_on": record.issued_on.isoformat(),
        "recorded_at": None if record.recorded_at is None else record.recorded_at.isoformat(),
        "expires_on": None if record.expires_on is None else record.expires_on.isoformat(),
        "revoked_at": None if record.revoked_at is None else record.revoked_at.isoformat(),
        "revocation_category": category,
        "revocation_label": None if category is None else RevocationReason(category).label,
        "route": record.route,
        "revoked_component": (
            None if record.revoked_component is None else str(record.revoked_component)
        ),
    }


def etag_of(body: bytes) -> str:
    """The ``ETag`` of a status answer: a short hash of its bytes (the status lane's and
    this route's alike)."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _not_found(award_id: UUID) -> Response:
    return problem_response(
        404,
        "award-not-found",
        f"no award {award_id} in the ledger: check the id the learner shared",
        headers={"Cache-Control": "no-store"},
    )


AT_DESCRIPTION = (
    "Answer as of this moment (ISO 8601 with a time zone), reconstructed from the events:"
    " was it valid on the day we hired her?"
)
# The status route takes thousands of requests a second, and FastAPI's generic parameter
# solving was a quarter of its CPU (measured with cProfile). So the route reads its two
# parameters itself, with the same pydantic validation (and the same 422 problem when
# it fails), and declares them to OpenAPI as FastAPI would (tests/api checks the spec).
_AWARD_ID: TypeAdapter[UUID] = TypeAdapter(UUID)
_AT: TypeAdapter[datetime] = TypeAdapter(Moment)
_LOG_PROOF: TypeAdapter[bool] = TypeAdapter(bool)
LOG_PROOF_DESCRIPTION = (
    "Also answer the proof that the award's issuance event is in the tamper-evident log:"
    " its leaf index and RFC 9162 inclusion proof against the latest signed checkpoint"
    " (null until a checkpoint covers it, within seconds). See docs/transparency.md."
)
STATUS_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "award_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid", "title": "Award Id"},
    },
    {
        "name": "at",
        "in": "query",
        "required": False,
        "schema": {
            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}],
            "description": AT_DESCRIPTION,
            "examples": ["2026-03-01T09:00:00Z"],
            "title": "At",
        },
        "description": AT_DESCRIPTION,
    },
    {
        "name": "log_proof",
        "in": "query",
        "required": False,
        "schema": {
            "type": "boolean",
            "default": False,
            "description": LOG_PROOF_DESCRIPTION,
            "title": "Log Proof",
        },
        "description": LOG_PROOF_DESCRIPTION,
    },
]


def _parameter(adapter: TypeAdapter[Any], raw: str, where: tuple[str, str]) -> Any:
    try:
        return adapter.validate_python(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": (*where, *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


@router.get(
    "/{award_id}/status",
    response_model=CredentialStatus,
    operation_id="getCredentialStatus",
    summary="Is this credential valid, and what does it certify?",
    responses={
        304: {"description": "Not modified since the ETag given in If-None-Match"},
        **problem_responses(422, 429),
        404: {**problem_responses(404)[404], "description": "Unknown award id"},
    },
    openapi_extra={"parameters": STATUS_PARAMETERS},
)
async def credential_status(request: Request) -> Response:
    # ``async`` on purpose: the current status is one primary-key read, cheaper than
    # the hop to the thread pool a plain ``def`` costs (measured about 2x the
    # requests/s on SQLite); the point-in-time answer replays events and is rarer.
    award_id: UUID = _parameter(_AWARD_ID, request.path_params["award_id"], ("path", "award_id"))
    raw_at = request.query_params.get("at")
    at: datetime | None = None if raw_at is None else _parameter(_AT, raw_at, ("query", "at"))
    read_model: ReadModel = request.app.state.services.read_model
    if at is None:
        # On PostgreSQL an asyncio read (api/status_reads.py): the loop serves other
        # requests during the round trip (on a read replica, when there are any).
        # SQLite's read is in-process and quick.
        reader: AsyncStatusReader | ReplicatedStatusReader | None = request.app.state.status_reader
        if reader is not None:
            record = await reader.credential_status(award_id)
        else:
            record = read_model.credential_status(award_id)
        if record is None:
            return _not_found(award_id)
    else:
        # Replaying events takes longer: off the event loop. AwardNotFound -> 404.
        record = await run_in_threadpool(read_model.credential_status_at, award_id, at)
    answer = public_status(record, point_in_time=at is not None)
    raw_proof = request.query_params.get("log_proof")
    if raw_proof is not None and _parameter(_LOG_PROOF, raw_proof, ("query", "log_proof")):
        answer["log_inclusion"] = await run_in_threadpool(
            log_inclusion, request.app.state.services, award_id
        )
    body = orjson.dumps(answer)
    etag = etag_of(body)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.post(
    "/status:batch",
    response_model=StatusBatchAnswer,
    operation_id="getCredentialStatuses",
    summary="Check up to 1,000 credentials at once",
    responses=problem_responses(422, 429),
)
def credential_statuses(body: StatusBatchRequest, request: Request) -> Response:
    # A batch answers one question per id; the middleware took one token already.
    charge(request, len(body.award_ids), "credentials", paid=1)
    services: Services = request.app.state.services
    found = services.public_read(lambda read: read.credential_statuses(body.award_ids))
    results = []
    for award_id in body.award_ids:
        record = found.get(award_id)
        results.append(
            {
                "award_id": str(award_id),
                "found": record is not None,
                "credential_status": None
                if record is None
                else public_status(record, point_in_time=False),
            }
        )
    return Response(
        orjson.dumps({"results": results}),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
