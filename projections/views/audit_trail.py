"""The audit trail view: one row per event, in log order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from projections.dialect import Dialect
from projections.views.base import LogRecord, Ops, PageContext, View


class AuditTrailView(View):
    """One row per event, in log order: who did what, when, why, and what it concerns.
    The event's data is not copied here: readers take it from the log itself, by
    position (it was a second copy of the log, most of this view's size and of the
    database's work in a rebuild)."""

    name = "audit"
    description = "one row per event: who did what, when, why"
    tables = ("proj_audit",)

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._topics: dict[str, tuple[str, str]] = {}
        self._insert = dialect.q(
            "INSERT INTO {s}proj_audit (position, timestamp, aggregate_type, aggregate_id, "
            "aggregate_version, event_type, actor, reason, decision_reference, provider_id, "
            "award_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        )

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_audit ("
            "position {bigint} PRIMARY KEY, timestamp {ts} NOT NULL, "
            "aggregate_type TEXT NOT NULL, aggregate_id {uuid} NOT NULL, "
            "aggregate_version INTEGER NOT NULL, event_type TEXT NOT NULL, actor TEXT, "
            "reason TEXT, decision_reference TEXT, provider_id {uuid}, award_id {uuid})"
        ]

    def index_statements(self) -> list[str]:
        return [
            f"CREATE INDEX IF NOT EXISTS proj_audit_{name} ON {{s}}proj_audit ({columns})"
            for name, columns in (
                ("aggregate", "aggregate_id, position"),
                ("award", "award_id, position"),
                ("provider", "provider_id, position"),
                ("actor", "actor, position"),
                ("type", "event_type, position"),
                ("time", "timestamp"),
            )
        ]

    def _topic(self, topic: str) -> tuple[str, str]:
        found = self._topics.get(topic)
        if found is None:
            qualname = topic.rpartition(":")[2]
            found = self._topics[topic] = (qualname.partition(".")[0], qualname)
        return found

    def apply(self, events: Iterable[tuple[Any, LogRecord]], ops: Ops, ctx: PageContext) -> None:
        d = self.d
        to_uuid, to_ts = d.to_uuid, d.to_ts
        insert = self._insert
        topic_of = self._topic
        for e, n in events:
            aggregate_type, event_type = topic_of(n.topic)
            award_id = getattr(e, "award_id", None)
            originator: Any = n.originator_id
            provider_id: Any
            if aggregate_type == "Provider":
                provider_id = originator
            elif aggregate_type == "MicroCredential":
                if event_type == "MicroCredential.Defined":
                    provider_id = e.provider_id
                    ctx.credential_providers[originator] = provider_id
                else:
                    provider_id = ctx.credential_provider(originator)
            elif award_id is not None:
                terms = getattr(e, "terms", None)
                provider_id = (
                    terms.provider_id if terms is not None else ctx.award_providers.get(award_id)
                )
            else:
                provider_id = None
            ops.insert(
                insert,
                (
                    n.id,
                    to_ts(e.timestamp),
                    aggregate_type,
                    to_uuid(n.originator_id),
                    n.originator_version,
                    event_type,
                    getattr(e, "actor", None),
                    getattr(e, "reason", None),
                    getattr(e, "decision_reference", None),
                    to_uuid(provider_id),
                    to_uuid(award_id),
                ),
            )
