"""The controller documents did:web resolves: the authority's and each provider's.

Public, no key, and no write: a document lists the keys its owner has (the first one is
made when the owner first signs, or by ``ledger keys rotate``). A withdrawn provider's
document stays published with all its keys: they verify what it signed before. Cached
for five minutes, so a verifier sees a rotated key within that time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from api.models.dids import DID_CONTEXTS, ControllerDocument, VerificationMethod
from api.problems import problem_responses
from api.services import Services, ServicesDep
from ledger.application.signing import owner_of
from ledger.domain import limits
from ledger.infrastructure.did_web import AUTHORITY

CACHE_CONTROL = "public, max-age=300"

router = APIRouter(tags=["registers"])


class DidJSONResponse(JSONResponse):
    media_type = "application/did+json"


def controller_document(services: Services, owner: str) -> ControllerDocument:
    keys = services.signing_keys
    did = keys.names.did(owner)
    published = keys.public_keys(owner)
    return ControllerDocument(
        context=DID_CONTEXTS,
        id=did,
        verification_method=[
            VerificationMethod(
                id=key.verification_method_id,
                controller=did,
                public_key_multibase=key.public_key_multibase,
                expires=key.valid_until,
            )
            for key in published
        ],
        assertion_method=[key.verification_method_id for key in published],
    )


DOCUMENT = {
    "response_model": ControllerDocument,
    "response_model_exclude_none": True,
    "response_class": DidJSONResponse,
}


@router.get(
    "/.well-known/did.json",
    operation_id="getAuthorityDidDocument",
    summary="The authority's controller document (did:web), listing its signing keys",
    responses=problem_responses(503),
    **DOCUMENT,  # type: ignore[arg-type]
)
def authority_document(services: ServicesDep, response: Response) -> ControllerDocument:
    response.headers["Cache-Control"] = CACHE_CONTROL
    return controller_document(services, AUTHORITY)


@router.get("/did.json", include_in_schema=False, **DOCUMENT)  # type: ignore[arg-type]
def authority_document_under_a_path(
    services: ServicesDep, response: Response
) -> ControllerDocument:
    """Where did:web resolves the authority when the public URL has a path."""
    return authority_document(services, response)


@router.get(
    "/providers/{code}/did.json",
    operation_id="getProviderDidDocument",
    summary="A provider's controller document (did:web), listing its signing keys",
    responses=problem_responses(404, 422, 503),
    **DOCUMENT,  # type: ignore[arg-type]
)
def provider_document(
    services: ServicesDep,
    response: Response,
    code: Annotated[str, Path(max_length=limits.CODE_MAX, examples=["SETU"])],
) -> ControllerDocument:
    owner = owner_of(services.ledger, code)  # an unknown provider is a 404 problem
    response.headers["Cache-Control"] = CACHE_CONTROL
    return controller_document(services, owner)
