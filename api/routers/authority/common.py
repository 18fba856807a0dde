"""What the authority's topic routers share: their prefix, tag and problem answers, and
the provider code in a path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.models.common import one_line
from api.problems import problem_responses
from ledger.domain import limits

PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 429)

ProviderCode = Annotated[
    str, Path(max_length=limits.CODE_MAX, examples=["SETU"]), one_line("provider_code")
]


def topic_router() -> APIRouter:
    # Each topic's routes carry the whole prefix themselves: a route's own path is the
    # template that metrics and access logs name it by (FastAPI does not add the prefix
    # of a router included into another router to it).
    return APIRouter(prefix="/v1/authority", tags=["authority"], responses=PROBLEMS)
