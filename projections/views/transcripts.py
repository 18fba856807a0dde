"""The transcript view: a learner's awards, by learner record."""

from __future__ import annotations

from typing import Any

import orjson

from ledger.domain.learner_record import LearnerRecord
from projections.dialect import uuid_text
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

    def build_handlers(self) -> dict[type, Handler]:
        d = self.d
        to_uuid, to_date, to_ts, to_bool = d.to_uuid, d.to_date, d.to_ts, d.to_bool
        open_record = d.q(
            "INSERT INTO {s}proj_learners (learner_record_id, learner_id, opened_at, "
            "personal_data_recorded, personal_data_erased, position) VALUES (?,?,?,?,?,?)"
        )
        personal = d.q(
            "UPDATE {s}proj_learners SET personal_data_recorded = ?, personal_data_erased = ?, "
            "position = ? WHERE learner_record_id = ?"
        )
        insert = d.q(
            "INSERT INTO {s}proj_transcript (learner_record_id, award_id, micro_credential_id, "
            "provider_id, title, workload_ects, nqf_level, eqf_level, route, provider_reference, "
            "components, evidence, assessment, issued_on, issued_at, expires_on, "
            "issued_position, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        revoke = d.q(
            "UPDATE {s}proj_transcript SET revoked_at = ?, revocation_category = ?, "
            "revocation_note = ?, position = ? WHERE learner_record_id = ? AND award_id = ?"
        )
        dumps = orjson.dumps

        def opened(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.insert(
                open_record,
                (
                    to_uuid(n.originator_id),
                    e.learner_id,
                    to_ts(e.timestamp),
                    to_bool(False),
                    to_bool(False),
                    n.id,
                ),
            )

        def issued(route: str) -> Handler:
            def handle(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
                t = e.terms
                components = getattr(e, "component_award_ids", None)
                assessment = getattr(e, "assessment", None)
                ops.insert(
                    insert,
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
                        None if assessment is None else dumps(assessment).decode(),
                        to_date(e.issued_on),
                        to_ts(e.timestamp),
                        to_date(e.expires_on),
                        n.id,
                        n.id,
                    ),
                )

            return handle

        def revoked(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                revoke,
                (
                    to_ts(e.timestamp),
                    e.category.value,
                    e.note,
                    n.id,
                    to_uuid(n.originator_id),
                    to_uuid(e.award_id),
                ),
            )

        def recorded(_e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(personal, (to_bool(True), to_bool(False), n.id, to_uuid(n.originator_id)))

        def erased(_e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(personal, (to_bool(False), to_bool(True), n.id, to_uuid(n.originator_id)))

        return {
            _event(LearnerRecord, "Opened"): opened,
            _event(LearnerRecord, "AwardIssued"): issued("course"),
            _event(LearnerRecord, "PriorLearningRecognised"): issued("prior_learning"),
            _event(LearnerRecord, "AwardsStacked"): issued("stacked"),
            _event(LearnerRecord, "AwardRevoked"): revoked,
            _event(LearnerRecord, "PersonalDataRecorded"): recorded,
            _event(LearnerRecord, "PersonalDataErased"): erased,
        }
