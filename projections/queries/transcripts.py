"""Transcripts: a learner's awards, by the pseudonymous learner id (the transcript
view, with each award's status as of now)."""

from __future__ import annotations

from decimal import Decimal

import orjson

from ledger.domain import ids
from ledger.domain.text import check_line
from projections.queries.common import ReadContext, uuids
from projections.queries.status import status_now
from projections.results import Transcript, TranscriptAward


def transcript(ctx: ReadContext, learner_id: str) -> Transcript | None:
    """The learner's awards (each with its current status), by the pseudonymous
    learner id; ``None`` if the ledger has no record for that learner."""
    check_line(learner_id, "learner_id")
    d = ctx.d
    record_id = d.to_uuid(ids.learner_record_id(learner_id))
    with d.read() as c:
        c.execute(d.q("SELECT * FROM {s}proj_learners WHERE learner_record_id = ?"), (record_id,))
        learner = c.fetchone()
        if learner is None:
            return None
        c.execute(
            d.q(
                "SELECT t.*, p.state AS provider_state, s.component_revoked "
                "FROM {s}proj_transcript t "
                "LEFT JOIN {s}proj_providers p ON p.provider_id = t.provider_id "
                # A stacked award's revoked component is the status view's to know.
                "LEFT JOIN {s}proj_credential_status s ON s.award_id = t.award_id "
                "WHERE t.learner_record_id = ? ORDER BY t.issued_position"
            ),
            (record_id,),
        )
        rows = c.fetchall()
    now = ctx.clock()
    awards = []
    for row in rows:
        expires_on = d.from_date(row["expires_on"])
        revoked_at = d.from_ts(row["revoked_at"])
        components = row["components"]
        assessment = row["assessment"]
        awards.append(
            TranscriptAward(
                award_id=d.from_uuid(row["award_id"]),
                micro_credential_id=d.from_uuid(row["micro_credential_id"]),
                provider_id=d.from_uuid(row["provider_id"]),
                title=row["title"],
                status=status_now(
                    ctx.policy,
                    revoked_at,
                    expires_on,
                    row["provider_state"],
                    now,
                    component_revoked=row["component_revoked"] is not None,
                ),
                route=row["route"],
                workload_ects=Decimal(row["workload_ects"]),
                nqf_level=row["nqf_level"],
                eqf_level=row["eqf_level"],
                provider_reference=row["provider_reference"],
                components=uuids(components),
                evidence=row["evidence"],
                assessment=orjson.loads(assessment) if assessment else None,
                issued_on=d.from_date(row["issued_on"]),
                expires_on=expires_on,
                revoked_at=revoked_at,
                revocation_category=row["revocation_category"],
                revocation_note=row["revocation_note"],
            )
        )
    return Transcript(
        learner_id=learner["learner_id"],
        opened_at=d.from_ts(learner["opened_at"]),
        personal_data_recorded=bool(learner["personal_data_recorded"]),
        personal_data_erased=bool(learner["personal_data_erased"]),
        awards=awards,
    )
