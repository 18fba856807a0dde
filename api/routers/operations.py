"""Liveness and readiness probes for an orchestrator or a load balancer."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field

from api.models.common import ResponseModel
from api.problems import problem_response, problem_responses
from api.services import Services, ServicesDep
from ledger.infrastructure.reliability import answer_within
from projections.read import ViewLag

router = APIRouter(tags=["operations"])
log = logging.getLogger("api.readiness")


class Liveness(ResponseModel):
    status: str = Field(examples=["ok"])


class Readiness(ResponseModel):
    status: str = Field(examples=["ready"])
    ledger_position: int = Field(description="Position of the newest event in the log.")
    projection_lag: dict[str, int] = Field(
        description="Events recorded but not yet applied, per read-model view.",
        examples=[{"credential_status": 0, "audit": 2}],
    )


@router.get("/healthz", response_model=Liveness, operation_id="healthz", summary="Liveness")
def healthz() -> Liveness:
    """The process is up and serving; it says nothing about the database."""
    return Liveness(status="ok")


READYZ_TIMEOUT_SECONDS = 0.8  # under the 1 s an orchestrator is promised


def database_check(services: Services) -> tuple[dict[str, ViewLag], int]:
    """The views' lag and the log position, answered within a second: at once while the
    store's monitor says the server is away, and a server that stops answering meanwhile
    fails the check instead of holding the probe."""
    monitor = services.ledger.store_monitor
    if monitor is not None:
        monitor.check()
    with answer_within(min(READYZ_TIMEOUT_SECONDS, services.settings.database.timeout)):
        return services.read_model.lag(), services.read_model.log_position()


@router.get(
    "/readyz",
    response_model=Readiness,
    operation_id="readyz",
    summary="Readiness: the database answers; projection lag per view",
    responses=problem_responses(503),
)
def readyz(services: ServicesDep) -> Readiness | Response:
    try:
        lag, position = database_check(services)
    except Exception as error:  # any database failure means "not ready", not a 500
        log.warning("not ready: %s", error)
        return problem_response(
            503, "not-ready", f"the database does not answer: {type(error).__name__}"
        )
    return Readiness(
        status="ready",
        ledger_position=position,
        projection_lag={view: behind.lag for view, behind in lag.items()},
    )
