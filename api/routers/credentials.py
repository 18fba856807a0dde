"""Portable credentials: an award as a signed Open Badges 3.0 credential, and the
issuers' Bitstring Status Lists that carry its revocation. Public, no key.

A learner's wallet, an employer or the verification page downloads the credential once
and verifies it offline, with the issuer's published key (``/providers/{code}/did.json``);
only the revocation needs a fetch, of the issuer's status list, one fetch answering for
every credential in it. See docs/credentials.md.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.models.common import Moment
from api.models.verifications import VerificationAnswer
from api.problems import problem_response, problem_responses
from api.services import ServicesDep
from ledger.credentials.canonical import MAX_DOCUMENT_BYTES
from ledger.credentials.documents import EU_ELEMENTS_V1, bundled_bytes
from ledger.domain import limits

VC_MEDIA_TYPE = "application/vc"
"""VC Data Model 2.0's media type for a credential secured by an embedded proof."""

# A signed credential never changes: its bytes are kept and served as they are.
CREDENTIAL_CACHE_CONTROL = "public, max-age=86400, immutable"

router = APIRouter(tags=["credentials"])

_JSON_LD_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}


def _vc_response(body: bytes, request: Request, cache_control: str) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=VC_MEDIA_TYPE, headers=headers)


@router.get(
    "/v1/credentials/{award_id}/credential",
    operation_id="getSignedCredential",
    summary="The award as a signed Open Badges 3.0 credential, to keep and verify offline",
    description=(
        "An `OpenBadgeCredential` (W3C Verifiable Credentials 2.0) with every EU standard"
        " element of the micro-credential, signed by its awarding body with a Data Integrity"
        " proof (`eddsa-rdfc-2022`). Signed once, on first request, and the same bytes"
        " ever after; its `credentialStatus` names the bit of the issuer's status list that"
        " a revocation sets. A provider that may not sign today (suspended, withdrawn, not"
        " accredited) gets nothing new signed: 409 `provider-not-accredited`."
    ),
    responses={
        200: {"content": {VC_MEDIA_TYPE: {"schema": _JSON_LD_OBJECT}}, "description": "OK"},
        304: {"description": "Not modified since the ETag given in If-None-Match"},
        **problem_responses(404, 409, 422, 503),
    },
    response_class=Response,
)
async def signed_credential(award_id: UUID, request: Request, services: ServicesDep) -> Response:
    # Signing is CPU work (about 11 ms): off the event loop.
    document = await run_in_threadpool(services.credentials.credential, award_id)
    response = _vc_response(document.encode("utf-8"), request, CREDENTIAL_CACHE_CONTROL)
    # The file a learner keeps, named for what it is when a browser saves it.
    response.headers["Content-Disposition"] = (
        f'attachment; filename="micro-credential-{award_id}.json"'
    )
    return response


ELM_MEDIA_TYPE = "application/ld+json"


@router.get(
    "/v1/credentials/{award_id}/europass",
    operation_id="getEuropassCredential",
    summary="The award as a Europass Digital Credential (European Learning Model 3)",
    description=(
        "The same award in the European Learning Model 3 (`EuropeanDigitalCredential`,"
        " the EDC application profile context on VC 1.1), for the Europass wallet and"
        " the Europass Digital Credentials infrastructure. A separate document from the"
        " signed Open Badges credential (the EDC context cannot be combined with VC 2.0)"
        " and unsigned: the EDC seals credentials with a qualified e-seal (JAdES), which"
        " the issuer applies. 409 `not-exportable` for an awarding body outside the EU"
        " and EEA, whose country ELM's vocabulary does not list."
    ),
    responses={
        200: {"content": {ELM_MEDIA_TYPE: {"schema": _JSON_LD_OBJECT}}, "description": "OK"},
        **problem_responses(404, 409, 422, 503),
    },
    response_class=Response,
)
async def europass_credential(award_id: UUID, services: ServicesDep) -> Response:
    document = await run_in_threadpool(services.credentials.europass, award_id)
    return Response(
        orjson.dumps(document),
        media_type=ELM_MEDIA_TYPE,
        headers={
            # What the award certifies does not change, but its awarding body's name may.
            "Cache-Control": "public, max-age=3600",
            "Content-Disposition": f'attachment; filename="europass-{award_id}.jsonld"',
        },
    )


EU_ELEMENTS_PATH = "/contexts/eu-elements/v1"


@router.get(
    EU_ELEMENTS_PATH,
    operation_id="getEuElementsContext",
    summary="The JSON-LD context of the EU standard elements that Open Badges 3.0 lacks",
    description=(
        f"The context `{EU_ELEMENTS_V1}` that every credential names, as the ledger bundles"
        " it (the permanent URL redirects here). Published once and never changed: a new"
        " element is a new version under a new URL."
    ),
    responses={
        200: {"content": {"application/ld+json": {"schema": _JSON_LD_OBJECT}}, "description": "OK"}
    },
    response_class=Response,
)
def eu_elements_context() -> Response:
    return Response(
        bundled_bytes(EU_ELEMENTS_V1),
        media_type="application/ld+json",
        headers={"Cache-Control": CREDENTIAL_CACHE_CONTROL},
    )


TIMESTAMP_DESCRIPTION = (
    "The list as it was at this moment (ISO 8601 with a time zone): the bits of the"
    " awards revoked by then, as the register recorded their revocations."
)


@router.get(
    "/v1/status-lists/{issuer}/{list_number}",
    operation_id="getStatusList",
    summary="An issuer's W3C Bitstring Status List: the revocation bits of its credentials",
    description=(
        "A `BitstringStatusListCredential` signed by the issuer: 131,072 bits (GZIP,"
        " multibase base64url), the bit at a credential's `statusListIndex` set once the"
        " award is revoked, within a second of the revocation. Its `ttl` (milliseconds)"
        " and `Cache-Control: max-age` say how long a copy may be kept."
    ),
    responses={
        200: {"content": {VC_MEDIA_TYPE: {"schema": _JSON_LD_OBJECT}}, "description": "OK"},
        304: {"description": "Not modified since the ETag given in If-None-Match"},
        **problem_responses(404, 422, 503),
    },
    response_class=Response,
)
async def status_list(
    request: Request,
    services: ServicesDep,
    issuer: Annotated[str, Path(max_length=limits.CODE_MAX, examples=["SETU"])],
    list_number: Annotated[int, Path(ge=1, le=2**31 - 1)],
    timestamp: Annotated[Moment | None, Query(description=TIMESTAMP_DESCRIPTION)] = None,
) -> Response:
    now = services.ledger.clock()
    if timestamp is not None and timestamp > now:
        return problem_response(
            422,
            "moment-in-the-future",
            f"the status list cannot be read as of {timestamp.isoformat()}: it is later than now",
        )
    signed = await run_in_threadpool(
        services.credentials.status_list, issuer, list_number, at=timestamp
    )
    seconds = int(signed.ttl.total_seconds())
    # What the list said at a past moment does not change (a revocation counts from
    # when it was entered), so a past list may be kept for a day.
    cache = (
        f"public, max-age={seconds}, must-revalidate"
        if timestamp is None
        else "public, max-age=86400"
    )
    return _vc_response(signed.document, request, cache)


@router.post(
    "/v1/verifications",
    operation_id="verifyCredential",
    summary="Check a presented credential: its signature, key, register entry, issuer's"
    " accreditation, validity and revocation",
    description=(
        "The body is the credential as the learner gave it (JSON, as downloaded from"
        " `/v1/credentials/{award_id}/credential`). The answer lists each check (passed,"
        " failed, or not checked because an earlier one failed) in plain words; `verified`"
        " is true when every check passed. A document that is not a credential at all (not"
        " JSON, no issuer, no proof) is a 422 problem; a credential that fails a check is"
        " a 200 answer saying which. The signature is checked with a bound on the work: a"
        " document crafted to make canonicalization slow is refused within about a second."
        " Nothing is written."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _JSON_LD_OBJECT},
                VC_MEDIA_TYPE: {"schema": _JSON_LD_OBJECT},
            },
        },
        "x-max-body-bytes": MAX_DOCUMENT_BYTES,
    },
    responses=problem_responses(413, 422, 503),
)
async def verify_credential(request: Request, services: ServicesDep) -> VerificationAnswer:
    body = await request.body()
    report = await run_in_threadpool(services.verifier.verify, body)
    return VerificationAnswer.of(report)
