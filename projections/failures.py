"""Views that cannot apply an event: said loudly, where every process sees it.

A follower that fails to apply an event retries it (with backoff), but no longer in
silence: it logs an ERROR naming the view, the log position and the reason, and records
the same in the ``projection_failures`` table of the views' store, so that ``/readyz``
(503) and ``/metrics`` (``ledger_projection_stalled``) of every API process say so too,
whether the follower runs embedded in an API process or as ``ledger project``. The row
goes when the view gets past that position.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.text import visible

if TYPE_CHECKING:  # the dialect makes this table: a runtime import would be a cycle
    from projections.dialect import Dialect

log = logging.getLogger("ledger.projections")

TABLE_STATEMENT = (
    "CREATE TABLE IF NOT EXISTS {s}projection_failures ("
    "view_name TEXT PRIMARY KEY, position {bigint} NOT NULL, reason TEXT NOT NULL, "
    "first_failed_at {ts} NOT NULL, last_failed_at {ts} NOT NULL, attempts INTEGER NOT NULL)"
)
_RECORD = (
    "INSERT INTO {s}projection_failures (view_name, position, reason, first_failed_at, "
    "last_failed_at, attempts) VALUES (?,?,?,?,?,1) ON CONFLICT (view_name) DO UPDATE SET "
    "first_failed_at = CASE WHEN projection_failures.position = excluded.position "
    "THEN projection_failures.first_failed_at ELSE excluded.first_failed_at END, "
    "attempts = CASE WHEN projection_failures.position = excluded.position "
    "THEN projection_failures.attempts + 1 ELSE 1 END, "
    "position = excluded.position, reason = excluded.reason, "
    "last_failed_at = excluded.last_failed_at"
)
MAX_REASON = 500


@dataclass(frozen=True)
class ProjectionFailure:
    view: str
    position: int
    """The log position of the event the view cannot apply (it has applied all before)."""
    reason: str
    first_failed_at: datetime
    last_failed_at: datetime
    attempts: int
    """Failed attempts at this position so far."""

    def describe(self) -> str:
        return (
            f"view {self.view} cannot apply the event at log position {self.position}: "
            f"{self.reason} ({self.attempts} attempt(s) since {self.first_failed_at.isoformat()})"
        )


class ProjectionStalled(Exception):
    """A view cannot apply the event at ``position``; it has applied everything before
    it, and the follower retries (with backoff) until it can. Logged as an ERROR and
    recorded for ``/readyz`` and ``/metrics`` (``projections.failures``)."""

    def __init__(self, views: Sequence[str], position: int, reason: str):
        self.views = tuple(views)
        self.position = position
        self.reason = reason
        super().__init__(
            f"view {', '.join(self.views)} cannot apply the event at log position "
            f"{position}: {reason}"
        )


def reason_of(error: BaseException) -> str:
    """One line a person can read (and a terminal cannot be fooled by)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return visible(line)[:MAX_REASON]


def report(
    d: Dialect, views: Sequence[str], position: int, error: BaseException, *, record: bool = True
) -> ProjectionStalled:
    """Say that ``views`` cannot apply the event at ``position``: an ERROR log line and
    (with ``record``) the table's row, when the database takes it; the exception for
    the caller."""
    reason = reason_of(error)
    log.error(
        "view %s cannot apply the event at log position %d: %s; it stays behind "
        "that event (and retries) until it can",
        ", ".join(views),
        position,
        reason,
        exc_info=error,
    )
    if not record:
        return ProjectionStalled(views, position, reason)
    try:
        _record(d, dict.fromkeys(views, position), reason)
    except Exception:  # the database itself may be what failed
        log.warning("could not record the projection failure", exc_info=True)
    return ProjectionStalled(views, position, reason)


def create_table(d: Dialect, cursor: Any) -> None:
    cursor.execute(d.q(TABLE_STATEMENT))


def _record(d: Dialect, views: dict[str, int], reason: str) -> None:
    """Record (or count again) each view's failure at its position; own transaction."""
    now = d.to_ts(datetime.now(UTC))
    with d.write() as c:
        for view, position in views.items():
            c.execute(d.q(_RECORD), (view, position, reason, now, now))


def clear(d: Dialect, cursor: Any, views: list[str]) -> None:
    """In the transaction of the page that took the views past their failure."""
    for view in views:
        cursor.execute(d.q("DELETE FROM {s}projection_failures WHERE view_name = ?"), (view,))


def read_all(d: Dialect) -> dict[str, ProjectionFailure]:
    with d.read() as c:
        c.execute(d.q("SELECT * FROM {s}projection_failures ORDER BY view_name"))
        rows = c.fetchall()
    return {
        r["view_name"]: ProjectionFailure(
            view=r["view_name"],
            position=int(r["position"]),
            reason=r["reason"],
            first_failed_at=d.from_ts(r["first_failed_at"]),
            last_failed_at=d.from_ts(r["last_failed_at"]),
            attempts=int(r["attempts"]),
        )
        for r in rows
    }
