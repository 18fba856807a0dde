"""Liveness and readiness probes for an orchestrator or a load balancer."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field

from api.models.common import ResponseModel
from api.problems import ItemError, problem_response, problem_responses
from api.services import Services, ServicesDep
from ledger.infrastructure.reliability import answer_within
from projections.failures import ProjectionFailure
from projections.read import ViewLag

router = APIRouter(tags=["operations"])
log = logging.getLogger("api.readiness")


class Liveness(ResponseModel):
    status: str = Field(examples=["ok"])


class ReplicaState(ResponseModel):
    replica: str = Field(description="The replica's server (host, port, database).")
    usable: bool = Field(description="Public reads go to it now.")
    answering: bool = Field(description="It answered the monitor's last read.")
    staleness_seconds: float | None = Field(
        description="0 when its views have the primary's positions, else how long ago the "
        "primary's first passed them; null before it has answered."
    )
    position: int = Field(description="The lowest log position of its public views.")
    required_position: int = Field(
        description="A position it must reach before it is used again (a write that did "
        "not see it reach its own)."
    )
    served: int = Field(description="Public reads it answered for this process.")
    last_error: str | None = Field(description="Why it was last passed over.")


class Readiness(ResponseModel):
    status: str = Field(examples=["ready"])
    ledger_position: int = Field(description="Position of the newest event in the log.")
    projection_lag: dict[str, int] = Field(
        description="Events recorded but not yet applied, per read-model view.",
        examples=[{"credential_status": 0, "audit": 2}],
    )
    log_lag: int = Field(
        description="Events recorded but not yet leaves of the tamper-evident log (the log"
        " lagging does not make the process unready: no answer depends on it).",
        examples=[0],
    )
    read_replicas: list[ReplicaState] = Field(
        default_factory=list,
        description="The read replicas this process sends public reads to "
        "(LEDGER_READ_DATABASE_URL), as its monitor last saw them; none without. A replica "
        "that is away or stale does not make the process unready: the primary answers.",
    )


@router.get("/healthz", response_model=Liveness, operation_id="healthz", summary="Liveness")
def healthz() -> Liveness:
    """The process is up and serving; it says nothing about the database."""
    return Liveness(status="ok")


READYZ_TIMEOUT_SECONDS = 0.8  # under the 1 s an orchestrator is promised


def database_check(
    services: Services,
) -> tuple[dict[str, ViewLag], int, dict[str, ProjectionFailure]]:
    """The views' lag, the log position and the views stalled at an event, answered
    within a second: at once while the store's monitor says the server is away, and a
    server that stops answering meanwhile fails the check instead of holding the probe."""
    monitor = services.ledger.store_monitor
    if monitor is not None:
        monitor.check()
    with answer_within(min(READYZ_TIMEOUT_SECONDS, services.settings.database.timeout)):
        read_model = services.read_model
        return read_model.lag(), read_model.log_position(), read_model.projection_failures()


def log_lag(services: Services, position: int) -> int:
    return max(0, position - services.transparency_log.store.current_state().last_position)


@router.get(
    "/readyz",
    response_model=Readiness,
    operation_id="readyz",
    summary="Readiness: the database answers; projection lag per view",
    responses=problem_responses(503),
)
def readyz(services: ServicesDep) -> Readiness | Response:
    try:
        lag, position, stalled = database_check(services)
        behind = log_lag(services, position)
    except Exception as error:  # any database failure means "not ready", not a 500
        log.warning("not ready: %s", error)
        return problem_response(
            503, "not-ready", f"the database does not answer: {type(error).__name__}"
        )
    if stalled:
        return _stalled(stalled)
    replicas = services.replicas
    return Readiness(
        status="ready",
        ledger_position=position,
        projection_lag={view: view_lag.lag for view, view_lag in lag.items()},
        log_lag=behind,
        read_replicas=(
            [ReplicaState(**state) for state in replicas.describe()] if replicas else []
        ),
    )


def _stalled(stalled: dict[str, ProjectionFailure]) -> Response:
    """503 while a view cannot apply an event: its answers are stale from that event on
    (a revoked award may still read valid), so this process should not take traffic."""
    described = [failure.describe() for failure in stalled.values()]
    log.error("not ready: %s", "; ".join(described))
    return problem_response(
        503,
        "projection-stalled",
        "; ".join(described) + ". The views answer as of the position before it until the"
        " projection worker can apply it (see its log).",
        errors=[
            ItemError(location=["views", view], type="projection-stalled", detail=text)
            for view, text in zip(stalled, described, strict=True)
        ],
    )
