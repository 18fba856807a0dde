"""The provider register view: every provider, its accreditation state and scope."""

from __future__ import annotations

from typing import Any

from ledger.domain.provider import Provider
from projections.views.base import Handler, LogRecord, Ops, PageContext, View, _event, _json


class ProviderRegisterView(View):
    name = "providers"
    description = "every provider with its accreditation state, scope and validity"
    tables = ("proj_providers",)

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_providers ("
            "provider_id {uuid} PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, "
            "country TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, "
            "scope_levels TEXT, scope_fields TEXT, valid_until {date}, "
            "decision_reference TEXT, status_reason TEXT, registered_at {ts} NOT NULL, "
            "updated_at {ts} NOT NULL, website TEXT, position {bigint} NOT NULL) {without_rowid}"
        ]

    def index_statements(self) -> list[str]:
        return [
            "CREATE INDEX IF NOT EXISTS proj_providers_code ON {s}proj_providers (code)",
        ]

    def build_handlers(self) -> dict[type, Handler]:
        d = self.d
        to_uuid, to_date, to_ts = d.to_uuid, d.to_date, d.to_ts
        insert = d.q(
            "INSERT INTO {s}proj_providers (provider_id, code, name, country, kind, state, "
            "registered_at, updated_at, website, position) VALUES (?,?,?,?,?,?,?,?,?,?)"
        )
        accredit = d.q(
            "UPDATE {s}proj_providers SET state = ?, scope_levels = ?, scope_fields = ?, "
            "valid_until = ?, decision_reference = ?, status_reason = NULL, updated_at = ?, "
            "position = ? WHERE provider_id = ?"
        )
        renew = d.q(
            "UPDATE {s}proj_providers SET scope_levels = ?, scope_fields = ?, valid_until = ?, "
            "decision_reference = ?, updated_at = ?, position = ? WHERE provider_id = ?"
        )
        change_state = d.q(
            "UPDATE {s}proj_providers SET state = ?, decision_reference = ?, "
            "status_reason = ?, updated_at = ?, position = ? WHERE provider_id = ?"
        )

        def registered(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ts = to_ts(e.timestamp)
            ops.insert(
                insert,
                (
                    to_uuid(n.originator_id),
                    e.code,
                    e.name,
                    e.country,
                    e.kind.value,
                    "registered",
                    ts,
                    ts,
                    getattr(e, "website", None),
                    n.id,
                ),
            )

        def accredited(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                accredit,
                (
                    "accredited",
                    _json(list(e.scope.levels)),
                    _json(list(e.scope.fields)),
                    to_date(e.valid_until),
                    e.decision_reference,
                    to_ts(e.timestamp),
                    n.id,
                    to_uuid(n.originator_id),
                ),
            )

        def renewed(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                renew,
                (
                    _json(list(e.scope.levels)),
                    _json(list(e.scope.fields)),
                    to_date(e.valid_until),
                    e.decision_reference,
                    to_ts(e.timestamp),
                    n.id,
                    to_uuid(n.originator_id),
                ),
            )

        def state(new_state: str, keeps_reason: bool) -> Handler:
            def handle(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
                ops.update(
                    change_state,
                    (
                        new_state,
                        e.decision_reference,
                        e.reason if keeps_reason else None,
                        to_ts(e.timestamp),
                        n.id,
                        to_uuid(n.originator_id),
                    ),
                )

            return handle

        return {
            _event(Provider, "Registered"): registered,
            _event(Provider, "Accredited"): accredited,
            _event(Provider, "Renewed"): renewed,
            _event(Provider, "Suspended"): state("suspended", True),
            _event(Provider, "Reinstated"): state("accredited", False),
            _event(Provider, "Withdrawn"): state("withdrawn", True),
        }
