"""Domain events and aggregates as plain JSON for the authority's audit answers.

Encrypted personal data is shown only by its size: the authority sees that something
was recorded, the ciphertext itself is of no use to anyone reading an audit answer.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent

# Attributes every event has, shown beside the data rather than in it.
_ENVELOPE = {"originator_id", "originator_version", "timestamp"}


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # exact, as recorded
    if isinstance(value, bytes):
        return {"encrypted_bytes": len(value)}
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def event_type(event: DomainEvent) -> str:
    """``Aggregate.Event``, e.g. ``LearnerRecord.AwardRevoked``."""
    return type(event).__qualname__


def event_data(event: DomainEvent) -> dict[str, Any]:
    return {
        name: jsonable(value)
        for name, value in vars(event).items()
        if name not in _ENVELOPE and not name.startswith("_")
    }


def aggregate_state(aggregate: Aggregate) -> dict[str, Any]:
    return {
        name: jsonable(value) for name, value in vars(aggregate).items() if not name.startswith("_")
    }
