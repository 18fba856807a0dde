"""The names of the events the ledger records, as the audit trail shows them
(``Aggregate.Event``, e.g. ``LearnerRecord.AwardRevoked``), so that a filter naming an
event that does not exist is refused instead of matching nothing."""

from __future__ import annotations

from functools import cache

from eventsourcing.domain import Aggregate

from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.domain.text import check_line
from ledger.errors import UnknownEventType

AGGREGATES: tuple[type[Aggregate], ...] = (Provider, MicroCredential, LearnerRecord)


@cache
def event_type_names() -> frozenset[str]:
    """Every event type of the ledger's aggregates, read from the classes themselves so
    that a new event needs no list kept by hand."""
    return frozenset(
        f"{aggregate.__name__}.{name}"
        for aggregate in AGGREGATES
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, Aggregate.Event) and name != "Event"
    )


def aggregate_type_names() -> frozenset[str]:
    return frozenset(aggregate.__name__ for aggregate in AGGREGATES)


def check_event_type(name: str) -> None:
    """Accept ``Aggregate.Event`` or a bare ``Event`` that some aggregate records."""
    check_line(name, "event_type")
    known = event_type_names()
    if name in known or any(full.endswith(f".{name}") for full in known):
        return
    msg = f"no event type {name!r} in the ledger (known: {', '.join(sorted(known))})"
    raise UnknownEventType(msg)


def check_aggregate_type(name: str) -> None:
    check_line(name, "aggregate_type")
    if name not in aggregate_type_names():
        msg = (
            f"no aggregate type {name!r} in the ledger "
            f"(known: {', '.join(sorted(aggregate_type_names()))})"
        )
        raise UnknownEventType(msg)
