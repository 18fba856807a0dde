"""Public registers from the read views: which providers are accredited, and which
micro-credentials exist, with their standard elements and state. No key. Read from a
read replica when there are any (`Services.public_read`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.models.common import one_line
from api.models.registers import (
    CatalogueEntryView,
    CataloguePage,
    ProviderEntryView,
    ProviderPage,
)
from api.problems import problem_responses
from api.services import ServicesDep
from ledger.domain import esco, ids, limits

PROBLEMS = problem_responses(422, 429)

router = APIRouter(prefix="/v1/register", tags=["registers"], responses=PROBLEMS)

Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get(
    "/providers",
    response_model=ProviderPage,
    operation_id="listProviders",
    summary="The provider register: every provider and its accreditation",
)
def list_providers(
    services: ServicesDep,
    state: Annotated[
        str | None, Query(max_length=32, description="registered, accredited, ...")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ProviderPage:
    page = services.public_read(
        lambda read: read.providers(state=state, offset=offset, limit=limit)
    )
    return ProviderPage(
        items=[ProviderEntryView.model_validate(p) for p in page.items],
        offset=page.offset,
        limit=page.limit,
        total=page.total,
        next_offset=page.next_offset,
    )


@router.get(
    "/micro-credentials",
    response_model=CataloguePage,
    operation_id="searchCatalogue",
    summary="The micro-credential catalogue, searchable",
)
def search_catalogue(
    *,
    services: ServicesDep,
    provider_code: Annotated[
        str | None, Query(max_length=limits.CODE_MAX), one_line("provider_code")
    ] = None,
    level: Annotated[int | None, Query(ge=1, le=10, description="NQF level")] = None,
    field_of_study: Annotated[str | None, Query(max_length=limits.NAME_MAX)] = None,
    text: Annotated[
        str | None, Query(max_length=limits.NAME_MAX, description="Every word must appear")
    ] = None,
    state: Annotated[str | None, Query(max_length=32)] = None,
    skill: Annotated[
        str | None,
        Query(
            max_length=esco.SKILL_URI_MAX,
            description="An ESCO skill or competence URI: only credentials with a learning"
            " outcome tagged with it (`http` and `https` alike). Another form is refused"
            " (`invalid-skill-uri`).",
            examples=["http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"],
        ),
        one_line("skill"),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> CataloguePage:
    provider_id = None if provider_code is None else ids.provider_id(provider_code)
    page = services.public_read(
        lambda read: read.catalogue(
            provider_id=provider_id,
            level=level,
            field_of_study=field_of_study,
            text=text,
            state=state,
            skill=skill,
            offset=offset,
            limit=limit,
        )
    )
    return CataloguePage(
        items=[CatalogueEntryView.model_validate(c) for c in page.items],
        offset=page.offset,
        limit=page.limit,
        total=page.total,
        next_offset=page.next_offset,
    )
