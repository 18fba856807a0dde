"""The transcript view: a learner's awards, by learner record."""

from __future__ import annotations

from typing import Any

import orjson

from ledger.domain.learner_record import LearnerRecord
from projections.dialect import Dialect, uuid_text
from projections.views.base import Handler, LogRecord, Ops, PageContext, View, _event, _json


class TranscriptView(View):
    """A learner's awards (course, prior learning, stacked), by the learner record id
    (derived from the pseudonymous learner id). Never any personal data: only whether
    some was recorded or erased."""

    name = "transcripts"
    description = "a learner's awards, stacked credentials and RPL"
    tables = ("proj_learners", "proj_transcript")

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_learners ("
            "learner_record_id {uuid} PRIMARY KEY, learner_id TEXT NOT NULL, "
            "opened_at {ts} NOT NULL, personal_data_recorded {bool} NOT NULL, "
            "personal_data_erased {bool} NOT NULL, position {bigint} NOT NULL) {without_rowid}",
            "CREATE TABLE IF NOT EXISTS {s}proj_transcript ("
            "learner_record_id {uuid} NOT NULL, award_id {uuid} NOT NULL, "
            "micro_credential_id {uuid} NOT NULL, provider_id {uuid} NOT NULL, "
            "title TEXT NOT NULL, workload_ects TEXT NOT NULL, nqf_level INTEGER, "
            "eqf_level INTEGER, route TEXT NOT NULL, provider_reference TEXT NOT NULL, "
            "components TEXT, evidence TEXT, assessment TEXT, issued_on {date} NOT NULL, "
            "issued_at {ts} NOT NULL, expires_on {date}, revoked_at {ts}, "
            "revocation_category TEXT, revocation_note TEXT, issued_position {bigint} NOT NULL, "
            "position {bigint} NOT NULL, "
            "PRIMARY KEY (learner_record_id, award_id)) {without_rowid}",
        ]

    def __init__(self, dialect: Dialect) -> None:
        self._open_record = dialect.q(
            "INSERT INTO {s}proj_learners (learner_record_id, learner_id, opened_at, "
            "personal_data_recorded, personal_data_erased, position) VALUES (?,?,?,?,?,?)"
        )
        self._personal = dialect.q(
            "UPDATE {s}proj_learners SET personal_data_recorded = ?, personal_data_erased = ?, "
            "position = ? WHERE learner_record_id = ?"
        )
        self._insert = dialect.q(
            "INSERT INTO {s}proj_transcript (learner_record_id, award_id, micro_credential_id, "
            "provider_id, title, workload_ects, nqf_level, eqf_level, route, provider_reference, "
            "components, evidence, assessment, issued_on, issued_at, expires_on, "
            "issued_position, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        self._revoke = dialect.q(
            "UPDATE {s}proj_transcript SET revoked_at = ?, revocation_category = ?, "
            "revocation_note = ?, position = ? WHERE learner_record_id = ? AND award_id = ?"
        )
        super().__init__(dialect)

    def build_handlers(self) -> dict[type, Handler]:
        return {
            _event(LearnerRecord, "Opened"): self.opened,
            _event(LearnerRecord, "AwardIssued"): self.course_award_issued,
            _event(LearnerRecord, "PriorLearningRecognised"): self.prior_learning_recognised,
            _event(LearnerRecord, "AwardsStacked"): self.awards_stacked,
            _event(LearnerRecord, "AwardRevoked"): self.award_revoked,
            _event(LearnerRecord, "PersonalDataRecorded"): self.personal_data_recorded,
            _event(LearnerRecord, "PersonalDataErased"): self.personal_data_erased,
        }

    def opened(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ops.insert(
            self._open_record,
            (
                d.to_uuid(n.originator_id),
                e.learner_id,
                d.to_ts(e.timestamp),
                d.to_bool(False),
                d.to_bool(False),
                n.id,
            ),
        )

    def course_award_issued(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._issued("course", e, n, ops)

    def prior_learning_recognised(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._issued("prior_learning", e, n, ops)

    def awards_stacked(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._issued("stacked", e, n, ops)

    def _issued(self, route: str, e: Any, n: LogRecord, ops: Ops) -> None:
        d = self.d
        to_uuid = d.to_uuid
        t = e.terms
        components = getattr(e, "component_award_ids", None)
        assessment = getattr(e, "assessment", None)
        ops.insert(
            self._insert,
            (
                to_uuid(n.originator_id),
                to_uuid(e.award_id),
                to_uuid(t.micro_credential_id),
                to_uuid(t.provider_id),
                t.title,
                str(t.workload_ects),
                t.nqf_level,
                t.eqf_level,
                route,
                e.provider_reference,
                None if components is None else _json([uuid_text(c) for c in components]),
                getattr(e, "evidence", None),
                None if assessment is None else orjson.dumps(assessment).decode(),
                d.to_date(e.issued_on),
                d.to_ts(e.timestamp),
                d.to_date(e.expires_on),
                n.id,
                n.id,
            ),
        )

    def award_revoked(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ops.update(
            self._revoke,
            (
                d.to_ts(e.timestamp),
                e.category.value,
                e.note,
                n.id,
                d.to_uuid(n.originator_id),
                d.to_uuid(e.award_id),
            ),
        )

    def personal_data_recorded(self, _e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._personal_data(recorded=True, erased=False, n=n, ops=ops)

    def personal_data_erased(self, _e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        self._personal_data(recorded=False, erased=True, n=n, ops=ops)

    def _personal_data(self, *, recorded: bool, erased: bool, n: LogRecord, ops: Ops) -> None:
        d = self.d
        ops.update(
            self._personal,
            (d.to_bool(recorded), d.to_bool(erased), n.id, d.to_uuid(n.originator_id)),
        )
