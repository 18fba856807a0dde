"""Audit of the write model itself: every event of one aggregate, and an aggregate's
state now, at a time or at a version."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from api.auth import AuthorityKey
from api.jsonable import aggregate_state, event_data, event_type
from api.models.authority import AggregateHistory, AggregateState, RecordedEvent
from api.models.common import Moment, Version
from api.routers.authority.common import topic_router
from api.services import ServicesDep

router = topic_router()


@router.get(
    "/aggregates/{aggregate_id}/events",
    response_model=AggregateHistory,
    operation_id="aggregateHistory",
    summary="Every event of one provider, micro-credential or learner record, oldest first",
)
def aggregate_history(
    *, aggregate_id: UUID, key: AuthorityKey, services: ServicesDep
) -> AggregateHistory:
    events = services.ledger.history(aggregate_id)
    return AggregateHistory(
        aggregate_id=aggregate_id,
        events=[
            RecordedEvent(
                version=e.originator_version,
                type=event_type(e),
                timestamp=e.timestamp,
                data=event_data(e),
            )
            for e in events
        ],
    )


@router.get(
    "/aggregates/{aggregate_id}/state",
    response_model=AggregateState,
    operation_id="aggregateState",
    summary="One aggregate as it is now, as it was at a time, or at a version",
)
def aggregate_at(
    *,
    aggregate_id: UUID,
    key: AuthorityKey,
    services: ServicesDep,
    at: Annotated[Moment | None, Query(description="ISO 8601 with a time zone")] = None,
    version: Annotated[Version | None, Query()] = None,
) -> AggregateState:
    aggregate = services.ledger.aggregate_at(aggregate_id, at=at, version=version)
    return AggregateState(
        aggregate_id=aggregate_id,
        type=type(aggregate).__qualname__,
        version=aggregate.version,
        modified_at=aggregate.modified_on,
        state=aggregate_state(aggregate),
    )
