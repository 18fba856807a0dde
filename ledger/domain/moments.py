"""Moments and positions the ledger can answer about.

A query may name any moment a calendar can write, but the ledger compares moments in
UTC: ``0001-01-01T00:00:00+14:00`` is a valid ISO 8601 date-time whose UTC instant lies
before year 1, and Python cannot represent it (an ``OverflowError`` deep in a query, a
500). Log positions and versions are 64-bit integers in both stores. Both are refused at
the edge with a message instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ledger.errors import InvalidMoment

MAX_POSITION = 2**63 - 1
"""The largest log position or aggregate version a store can hold (a signed 64-bit
integer in SQLite and PostgreSQL)."""


def utc_moment(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive one is read as UTC), or `InvalidMoment` if its UTC
    instant falls outside the calendar's years 1 to 9999."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    try:
        return aware.astimezone(UTC)
    except OverflowError:
        msg = (
            f"{moment.isoformat()} is outside the years 1 to 9999 once converted to UTC; "
            "give a moment within them"
        )
        raise InvalidMoment(msg) from None
