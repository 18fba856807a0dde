"""The catalogue view: every micro-credential with its standard elements and state."""

from __future__ import annotations

from typing import Any

from ledger.domain.esco import same_skill
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.values import CredentialSpecification
from ledger.policy import RevalidationRegime
from projections.dialect import Dialect, uuid_text
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
    "esco_skills",
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
        _json([list(uris) for uris in spec.esco_skills]),
        search,
    )


def _skill_rows(credential_id: Any, spec: CredentialSpecification) -> list[tuple[Any, ...]]:
    """One row per (outcome, skill): what the search by skill reads, each skill in the
    one form two URIs of it compare by (``same_skill``)."""
    return [
        (credential_id, index, same_skill(uri))
        for index, uris in enumerate(spec.esco_skills)
        for uri in uris
    ]


class CatalogueView(View):
    """The catalogue, and beside it ``proj_catalogue_skills``: the ESCO skills of each
    credential's learning outcomes, one row each, for the search by skill (the
    catalogue row holds them too, lined up with the outcomes, for the answers)."""

    name = "catalogue"
    description = "every micro-credential with its standard elements and state"
    tables = ("proj_catalogue", "proj_catalogue_skills")

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_catalogue ("
            "credential_id {uuid} PRIMARY KEY, provider_id {uuid} NOT NULL, code TEXT NOT NULL, "
            "title TEXT NOT NULL, learning_outcomes TEXT NOT NULL, workload_ects TEXT NOT NULL, "
            "assessment_type TEXT NOT NULL, participation_form TEXT NOT NULL, "
            "quality_assurance TEXT NOT NULL, field_of_study TEXT NOT NULL, "
            "nqf_level INTEGER, eqf_level INTEGER, prerequisites TEXT, supervision TEXT, "
            "assessment_setting TEXT, stackability TEXT, further_information TEXT, "
            "language TEXT, esco_skills TEXT NOT NULL, search_text TEXT NOT NULL, "
            "stacking_rule TEXT, "
            "state TEXT NOT NULL, review_flagged {bool} NOT NULL, decision_reference TEXT, "
            "defined_at {ts} NOT NULL, updated_at {ts} NOT NULL, position {bigint} NOT NULL"
            ") {without_rowid}",
            "CREATE TABLE IF NOT EXISTS {s}proj_catalogue_skills ("
            "credential_id {uuid} NOT NULL, outcome_index INTEGER NOT NULL, "
            "skill_uri TEXT NOT NULL, PRIMARY KEY (credential_id, outcome_index, skill_uri)"
            ") {without_rowid}",
        ]

    def index_statements(self) -> list[str]:
        return [
            "CREATE INDEX IF NOT EXISTS proj_catalogue_provider "
            "ON {s}proj_catalogue (provider_id, title)",
            "CREATE INDEX IF NOT EXISTS proj_catalogue_level ON {s}proj_catalogue (nqf_level)",
            "CREATE INDEX IF NOT EXISTS proj_catalogue_field ON {s}proj_catalogue (field_of_study)",
            "CREATE INDEX IF NOT EXISTS proj_catalogue_skill "
            "ON {s}proj_catalogue_skills (skill_uri, credential_id)",
        ]

    def __init__(self, dialect: Dialect) -> None:
        columns = ", ".join(SPEC_COLUMNS)
        self._insert = dialect.q(
            "INSERT INTO {s}proj_catalogue (credential_id, provider_id, code, "
            + columns
            + ", search_text, stacking_rule, state, review_flagged, defined_at, updated_at, "
            "position) VALUES (" + ",".join("?" * (len(SPEC_COLUMNS) + 10)) + ")"
        )
        self._amend = dialect.q(
            "UPDATE {s}proj_catalogue SET "
            + ", ".join(f"{c} = ?" for c in SPEC_COLUMNS)
            + ", search_text = lower(code) || ' ' || ?, updated_at = ?, position = ? "
            "WHERE credential_id = ?"
        )
        self._insert_skill = dialect.q(
            "INSERT INTO {s}proj_catalogue_skills (credential_id, outcome_index, skill_uri) "
            "VALUES (?, ?, ?)"
        )
        self._forget_skills = dialect.q(
            "DELETE FROM {s}proj_catalogue_skills WHERE credential_id = ?"
        )
        self._method_changed = dialect.q(
            "UPDATE {s}proj_catalogue SET assessment_type = ?, "
            "search_text = search_text || ' ' || ?, "
            "review_flagged = CASE WHEN state = 'defined' THEN review_flagged ELSE ? END, "
            "state = CASE WHEN state = 'defined' THEN state ELSE 'revalidation_required' END, "
            "updated_at = ?, position = ? WHERE credential_id = ?"
        )
        self._change_state = dialect.q(
            "UPDATE {s}proj_catalogue SET state = ?, decision_reference = ?, "
            "review_flagged = ?, updated_at = ?, position = ? WHERE credential_id = ?"
        )
        self._withdraw = dialect.q(
            "UPDATE {s}proj_catalogue SET state = 'withdrawn', decision_reference = ?, "
            "updated_at = ?, position = ? WHERE credential_id = ?"
        )
        super().__init__(dialect)

    def build_handlers(self) -> dict[type, Handler]:
        return {
            _event(MicroCredential, "Defined"): self.defined,
            _event(MicroCredential, "Amended"): self.amended,
            _event(MicroCredential, "AssessmentMethodChanged"): self.assessment_method_changed,
            _event(MicroCredential, "Accredited"): self.accredited,
            _event(MicroCredential, "Revalidated"): self.accredited,
            _event(MicroCredential, "Withdrawn"): self.withdrawn,
        }

    def defined(self, e: Any, n: LogRecord, ops: Ops, ctx: PageContext) -> None:
        d = self.d
        ts = d.to_ts(e.timestamp)
        rule = e.stacking_rule
        ctx.credential_providers[e.originator_id] = e.provider_id
        *spec, search = _spec_values(e.specification)
        ops.insert(
            self._insert,
            (
                d.to_uuid(n.originator_id),
                d.to_uuid(e.provider_id),
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
                d.to_bool(False),
                ts,
                ts,
                n.id,
            ),
        )
        for row in _skill_rows(d.to_uuid(n.originator_id), e.specification):
            ops.insert(self._insert_skill, row)

    def amended(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        credential_id = d.to_uuid(n.originator_id)
        ops.update(
            self._amend,
            (*_spec_values(e.specification), d.to_ts(e.timestamp), n.id, credential_id),
        )
        # Updates, not inserts: they must run in event order, after this credential's
        # earlier rows (a page's inserts all run before its updates) are forgotten.
        ops.update(self._forget_skills, (credential_id,))
        for row in _skill_rows(credential_id, e.specification):
            ops.update(self._insert_skill, row)

    def assessment_method_changed(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ops.update(
            self._method_changed,
            (
                e.assessment_type,
                e.assessment_type.lower(),
                d.to_bool(e.regime is RevalidationRegime.FLEXIBLE),
                d.to_ts(e.timestamp),
                n.id,
                d.to_uuid(n.originator_id),
            ),
        )

    def accredited(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        """Accredited, or revalidated: the same change."""
        d = self.d
        ops.update(
            self._change_state,
            (
                "accredited",
                e.decision_reference,
                d.to_bool(False),
                d.to_ts(e.timestamp),
                n.id,
                d.to_uuid(n.originator_id),
            ),
        )

    def withdrawn(self, e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
        d = self.d
        ops.update(
            self._withdraw,
            (e.decision_reference, d.to_ts(e.timestamp), n.id, d.to_uuid(n.originator_id)),
        )
