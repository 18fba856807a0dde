"""The provider register view: every provider, its accreditation state and scope."""

from __future__ import annotations

from typing import Any

from ledger.domain.provider import Provider
from projections.dialect import Dialect
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

    def __init__(self, dialect: Dialect) -> None:
        self._insert = dialect.q(
            "INSERT INTO {s}proj_providers (provider_id, code, name, country, kind, state, "
            "registered_at, updated_at, website, position) VALUES (?,?,?,?,?,?,?,?,?,?)"
        )
        self._accredit = dialect.q(
            "UPDATE {s}proj_providers SET state = ?, scope_levels = ?, scope_fields = ?, "
            "valid_until = ?, decision_reference = ?, status_reason = NULL, updated_at = ?, "
            "position = ? WHERE provider_id = ?"
        )
        self._renew = dialect.q(
            "UPDATE {s}proj_providers SET scope_levels = ?, scope_fields = ?, valid_until = ?, "
            "decision_reference = ?, updated_at = ?, position = ? WHERE provider_id = ?"
        )
        self._change_state = dialect.q(
            "UPDATE {s}proj_providers SET state = ?, decision_reference = ?, "
            "status_reason = ?, updated_at = ?, position = ? WHERE provider_id = ?"
        )
        super().__init__(dialect)

    def build_handlers(self) -> dict[type, Handler]:
        return {
            _event(Provider, "Registered"): self.registered,
            _event(Provider, "Accredited"): self.accredited,
            _event(Provider, "Renewed"): self.renewed,
            _event(Provider, "Suspended"): self.suspended,
            _event(Provider, "Reinstated"): self.reinstated,
            _event(Provider, "Withdrawn"): self.withdrawn,
        }

    def registered(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ts = d.to_ts(e.timestamp)
        ops.insert(
            self._insert,
            (
                d.to_uuid(n.originator_id),
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

    def accredited(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ops.update(
            self._accredit,
            (
                "accredited",
                _json(list(e.scope.levels)),
                _json(list(e.scope.fields)),
                d.to_date(e.valid_until),
                e.decision_reference,
                d.to_ts(e.timestamp),
                n.id,
                d.to_uuid(n.originator_id),
            ),
        )

    def renewed(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ops.update(
            self._renew,
            (
                _json(list(e.scope.levels)),
                _json(list(e.scope.fields)),
                d.to_date(e.valid_until),
                e.decision_reference,
                d.to_ts(e.timestamp),
                n.id,
                d.to_uuid(n.originator_id),
            ),
        )

    def suspended(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._state_changed("suspended", e.reason, e, n, ops)

    def reinstated(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._state_changed("accredited", None, e, n, ops)

    def withdrawn(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._state_changed("withdrawn", e.reason, e, n, ops)

    def _state_changed(
        self, new_state: str, reason: str | None, e: Any, n: LogRecord, ops: Ops
    ) -> None:
        d = self.d
        ops.update(
            self._change_state,
            (
                new_state,
                e.decision_reference,
                reason,
                d.to_ts(e.timestamp),
                n.id,
                d.to_uuid(n.originator_id),
            ),
        )
