"""The catalogue view: every micro-credential with its standard elements and state."""

from __future__ import annotations

from typing import Any

from ledger.domain.micro_credential import MicroCredential
from ledger.domain.values import CredentialSpecification
from ledger.policy import RevalidationRegime
from projections.dialect import uuid_text
from projections.views.base import Handler, LogRecord, Ops, PageContext, View, _event, _json

SPEC_COLUMNS = (
    "title",
    "learning_outcomes",
    "workload_ects",
    "assessment_type",
    "participation_form",
    "quality_assurance",
    "field_of_study",
    "nqf_level",
    "eqf_level",
    "prerequisites",
    "supervision",
    "assessment_setting",
    "stackability",
    "further_information",
    "language",
)


def _spec_values(spec: CredentialSpecification) -> tuple[Any, ...]:
    """The specification's columns, then its search words (lower case)."""
    outcomes = list(spec.learning_outcomes)
    search = " ".join(
        [
            spec.title,
            spec.field_of_study,
            spec.assessment_type,
            *outcomes,
            spec.further_information or "",
        ]
    ).lower()
    return (
        spec.title,
        _json(outcomes),
        str(spec.workload_ects),
        spec.assessment_type,
        spec.participation_form.value,
        spec.quality_assurance,
        spec.field_of_study,
        spec.nqf_level,
        spec.eqf_level,
        spec.prerequisites,
        None if spec.supervision is None else spec.supervision.value,
        None if spec.assessment_setting is None else spec.assessment_setting.value,
        spec.stackability,
        spec.further_information,
        spec.language,
        search,
    )


class CatalogueView(View):
    name = "catalogue"
    description = "every micro-credential with its standard elements and state"
    tables = ("proj_catalogue",)

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_catalogue ("
            "credential_id {uuid} PRIMARY KEY, provider_id {uuid} NOT NULL, code TEXT NOT NULL, "
            "title TEXT NOT NULL, learning_outcomes TEXT NOT NULL, workload_ects TEXT NOT NULL, "
            "assessment_type TEXT NOT NULL, participation_form TEXT NOT NULL, "
            "quality_assurance TEXT NOT NULL, field_of_study TEXT NOT NULL, "
            "nqf_level INTEGER, eqf_level INTEGER, prerequisites TEXT, supervision TEXT, "
            "assessment_setting TEXT, stackability TEXT, further_information TEXT, "
            "language TEXT, search_text TEXT NOT NULL, stacking_rule TEXT, "
            "state TEXT NOT NULL, review_flagged {bool} NOT NULL, decision_reference TEXT, "
            "defined_at {ts} NOT NULL, updated_at {ts} NOT NULL, position {bigint} NOT NULL"
            ") {without_rowid}"
        ]

    def index_statements(self) -> list[str]:
        return [
            "CREATE INDEX IF NOT EXISTS proj_catalogue_provider "
            "ON {s}proj_catalogue (provider_id, title)",
            "CREATE INDEX IF NOT EXISTS proj_catalogue_level ON {s}proj_catalogue (nqf_level)",
            "CREATE INDEX IF NOT EXISTS proj_catalogue_field ON {s}proj_catalogue (field_of_study)",
        ]

    def build_handlers(self) -> dict[type, Handler]:
        d = self.d
        to_uuid, to_ts, to_bool = d.to_uuid, d.to_ts, d.to_bool
        columns = ", ".join(SPEC_COLUMNS)
        insert = d.q(
            "INSERT INTO {s}proj_catalogue (credential_id, provider_id, code, "
            + columns
            + ", search_text, stacking_rule, state, review_flagged, defined_at, updated_at, "
            "position) VALUES (" + ",".join("?" * (len(SPEC_COLUMNS) + 10)) + ")"
        )
        amend = d.q(
            "UPDATE {s}proj_catalogue SET "
            + ", ".join(f"{c} = ?" for c in SPEC_COLUMNS)
            + ", search_text = lower(code) || ' ' || ?, updated_at = ?, position = ? "
            "WHERE credential_id = ?"
        )
        method_changed = d.q(
            "UPDATE {s}proj_catalogue SET assessment_type = ?, "
            "search_text = search_text || ' ' || ?, "
            "review_flagged = CASE WHEN state = 'defined' THEN review_flagged ELSE ? END, "
            "state = CASE WHEN state = 'defined' THEN state ELSE 'revalidation_required' END, "
            "updated_at = ?, position = ? WHERE credential_id = ?"
        )
        change_state = d.q(
            "UPDATE {s}proj_catalogue SET state = ?, decision_reference = ?, "
            "review_flagged = ?, updated_at = ?, position = ? WHERE credential_id = ?"
        )
        withdraw = d.q(
            "UPDATE {s}proj_catalogue SET state = 'withdrawn', decision_reference = ?, "
            "updated_at = ?, position = ? WHERE credential_id = ?"
        )

        def defined(e: Any, n: LogRecord, ops: Ops, ctx: PageContext) -> None:
            ts = to_ts(e.timestamp)
            rule = e.stacking_rule
            ctx.credential_providers[e.originator_id] = e.provider_id
            *spec, search = _spec_values(e.specification)
            ops.insert(
                insert,
                (
                    to_uuid(n.originator_id),
                    to_uuid(e.provider_id),
                    e.code,
                    *spec,
                    e.code.lower() + " " + search,
                    None
                    if rule is None
                    else _json(
                        {
                            "required_components": [uuid_text(c) for c in rule.required_components],
                            "min_total_ects": str(rule.min_total_ects),
                        }
                    ),
                    "defined",
                    to_bool(False),
                    ts,
                    ts,
                    n.id,
                ),
            )

        def amended(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                amend,
                (
                    *_spec_values(e.specification),
                    to_ts(e.timestamp),
                    n.id,
                    to_uuid(n.originator_id),
                ),
            )

        def changed_method(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                method_changed,
                (
                    e.assessment_type,
                    e.assessment_type.lower(),
                    to_bool(e.regime is RevalidationRegime.FLEXIBLE),
                    to_ts(e.timestamp),
                    n.id,
                    to_uuid(n.originator_id),
                ),
            )

        def accredited(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                change_state,
                (
                    "accredited",
                    e.decision_reference,
                    to_bool(False),
                    to_ts(e.timestamp),
                    n.id,
                    to_uuid(n.originator_id),
                ),
            )

        def withdrawn(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                withdraw,
                (e.decision_reference, to_ts(e.timestamp), n.id, to_uuid(n.originator_id)),
            )

        return {
            _event(MicroCredential, "Defined"): defined,
            _event(MicroCredential, "Amended"): amended,
            _event(MicroCredential, "AssessmentMethodChanged"): changed_method,
            _event(MicroCredential, "Accredited"): accredited,
            _event(MicroCredential, "Revalidated"): accredited,
            _event(MicroCredential, "Withdrawn"): withdrawn,
        }
