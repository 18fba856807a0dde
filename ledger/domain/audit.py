"""Rule 7: every state change records who made it.

Each aggregate's events carry an ``actor``; an empty one would make the audit trail
say nothing about who acted, so no event is triggered without one.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, CanMutateAggregate

from ledger.domain.text import check_line
from ledger.errors import ActorRequired


def require_actor(actor: str | None) -> str:
    if actor is None or not str(actor).strip():
        msg = "every change in the ledger records who made it: an actor is required (rule 7)"
        raise ActorRequired(msg)
    check_line(str(actor), "actor")
    return actor


class AuditedAggregate(Aggregate):
    """An aggregate whose every event after creation names its actor (creation methods
    call `require_actor` themselves, before the aggregate exists)."""

    def trigger_event(self, event_class: type[CanMutateAggregate[Any]], **kwargs: Any) -> None:
        require_actor(kwargs.get("actor"))
        super().trigger_event(event_class, **kwargs)
