"""The credential status view: what each award certifies and whether it is revoked."""

from __future__ import annotations

from typing import Any

from ledger.domain.learner_record import LearnerRecord
from projections.dialect import Dialect, uuid_text
from projections.views.base import Handler, LogRecord, Ops, PageContext, View, _event, _json


class CredentialStatusView(View):
    """award id -> what it certifies, when it was issued, whether and why revoked (the
    reason's category: this view serves the public, and the note is not in it).
    Status itself (valid / expired / issuer withdrawn) depends on the clock and on
    the provider's current state, so it is computed when read. A stacked award records
    the first of its components to be revoked (directly or through a stacked component),
    found through ``proj_stack_components``: it then reads ``component_revoked``."""

    name = "credential_status"
    description = "award id -> status and what the award certifies"
    tables = ("proj_credential_status", "proj_stack_components")

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_credential_status ("
            "award_id {uuid} PRIMARY KEY, micro_credential_id {uuid} NOT NULL, "
            "provider_id {uuid} NOT NULL, title TEXT NOT NULL, workload_ects TEXT NOT NULL, "
            "nqf_level INTEGER, eqf_level INTEGER, route TEXT NOT NULL, components TEXT, "
            "issued_on {date} NOT NULL, issued_at {ts} NOT NULL, expires_on {date}, "
            "revoked_at {ts}, revocation_category TEXT, revoked_by TEXT, "
            "component_revoked {uuid}, position {bigint} NOT NULL) {without_rowid}",
            "CREATE TABLE IF NOT EXISTS {s}proj_stack_components ("
            "component_id {uuid} NOT NULL, stacked_id {uuid} NOT NULL, "
            "PRIMARY KEY (component_id, stacked_id)) {without_rowid}",
        ]

    def index_statements(self) -> list[str]:
        return [
            # The revoked awards of one issuer: the bits its status lists set (a small
            # part of the table, so a partial index).
            "CREATE INDEX IF NOT EXISTS proj_credential_status_revoked "
            "ON {s}proj_credential_status (provider_id, revoked_at) "
            "WHERE revoked_at IS NOT NULL",
        ]

    def __init__(self, dialect: Dialect) -> None:
        self._insert = dialect.q(
            "INSERT INTO {s}proj_credential_status (award_id, micro_credential_id, provider_id, "
            "title, workload_ects, nqf_level, eqf_level, route, components, issued_on, "
            "issued_at, expires_on, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        self._revoke = dialect.q(
            "UPDATE {s}proj_credential_status SET revoked_at = ?, revocation_category = ?, "
            "revoked_by = ?, position = ? WHERE award_id = ?"
        )
        self._stacked_on = dialect.q(
            "INSERT INTO {s}proj_stack_components (component_id, stacked_id) VALUES (?,?)"
        )
        # Every stacked award built on the revoked one, through any depth of stacking.
        self._component_revoked = dialect.q(
            "UPDATE {s}proj_credential_status SET component_revoked = ?, position = ? "
            "WHERE component_revoked IS NULL AND award_id IN ("
            "WITH RECURSIVE up(id) AS ("
            "SELECT stacked_id FROM {s}proj_stack_components WHERE component_id = ? "
            "UNION SELECT c.stacked_id FROM {s}proj_stack_components c "
            "JOIN up ON c.component_id = up.id) SELECT id FROM up)"
        )
        super().__init__(dialect)

    def build_handlers(self) -> dict[type, Handler]:
        return {
            _event(LearnerRecord, "AwardIssued"): self.course_award_issued,
            _event(LearnerRecord, "PriorLearningRecognised"): self.prior_learning_recognised,
            _event(LearnerRecord, "AwardsStacked"): self.awards_stacked,
            _event(LearnerRecord, "AwardRevoked"): self.award_revoked,
        }

    def course_award_issued(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._issued("course", e, n, ops)

    def prior_learning_recognised(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._issued("prior_learning", e, n, ops)

    def awards_stacked(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._issued("stacked", e, n, ops)
        stacked = self.d.to_uuid(e.award_id)
        for component in e.component_award_ids:
            ops.insert(self._stacked_on, (self.d.to_uuid(component), stacked))

    def _issued(self, route: str, e: Any, n: LogRecord, ops: Ops) -> None:
        d = self.d
        t = e.terms
        components = getattr(e, "component_award_ids", None)
        ops.insert(
            self._insert,
            (
                d.to_uuid(e.award_id),
                d.to_uuid(t.micro_credential_id),
                d.to_uuid(t.provider_id),
                t.title,
                str(t.workload_ects),
                t.nqf_level,
                t.eqf_level,
                route,
                None if components is None else _json([uuid_text(c) for c in components]),
                d.to_date(e.issued_on),
                d.to_ts(e.timestamp),
                d.to_date(e.expires_on),
                n.id,
            ),
        )

    def award_revoked(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        # The public view: the category, never the note (private, in the transcript and
        # the audit trail).
        d = self.d
        ops.update(
            self._revoke,
            (d.to_ts(e.timestamp), e.category.value, e.actor, n.id, d.to_uuid(e.award_id)),
        )
        revoked = d.to_uuid(e.award_id)
        ops.update(self._component_revoked, (revoked, n.id, revoked))
