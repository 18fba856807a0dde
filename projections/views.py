"""The views: their tables, and how each event changes them.

A view turns a decoded domain event into SQL operations appended to an ordered
:class:`Ops` list; the follower runs the operations of a whole page in one transaction,
consecutive operations with the same statement as one ``executemany``. No handler
reads the database: every change is a plain INSERT, or an UPDATE whose new values are
computed in SQL from the old ones, so a page costs a few bulk statements per table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.domain.values import CredentialSpecification
from ledger.policy import RevalidationRegime
from projections.dialect import Dialect, uuid_text

TRACKING_PREFIX = "projections."


class Ops:
    """The SQL of one view for one page.

    Plain INSERTs commute with each other and with every UPDATE of another row, and a
    row is always inserted (created) before any event updates it; so all inserts of a
    page run first, in bulk, one batch per statement (COPY on PostgreSQL,
    executemany on SQLite), then the UPDATEs in event order, consecutive ones with the
    same statement as one executemany."""

    __slots__ = ("inserts", "updates")

    def __init__(self) -> None:
        self.inserts: dict[str, list[Sequence[Any]]] = {}
        self.updates: list[tuple[str, list[Sequence[Any]]]] = []

    def insert(self, statement: str, params: Sequence[Any]) -> None:
        rows = self.inserts.get(statement)
        if rows is None:
            self.inserts[statement] = [params]
        else:
            rows.append(params)

    def update(self, statement: str, params: Sequence[Any]) -> None:
        updates = self.updates
        if updates and updates[-1][0] is statement:
            updates[-1][1].append(params)
        else:
            updates.append((statement, [params]))

    def run(self, cursor: Any, dialect: Dialect) -> None:
        for statement, rows in self.inserts.items():
            dialect.bulk_insert(cursor, statement, rows)
        for statement, rows in self.updates:
            if len(rows) == 1:
                cursor.execute(statement, rows[0])
            else:
                cursor.executemany(statement, rows)

    def __len__(self) -> int:
        return sum(len(r) for r in self.inserts.values()) + sum(len(r) for _, r in self.updates)


class LogRecord(Protocol):
    """A record of the log as handlers see it (eventsourcing's ``Notification``, or
    the follower's own row with the same fields)."""

    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> Any: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


@dataclass
class PageContext:
    """What handlers may need beyond the event itself, fetched before the page's
    transaction: the provider of each revoked award (from the ledger's award index)
    and of each micro-credential (remembered from its definition).

    Ids are keys as the events carry them (a ``UUID``, or the hex text of the views'
    decoder); providers are either form too, for ``Dialect.to_uuid``."""

    award_providers: dict[Any, Any] = field(default_factory=dict)
    credential_providers: dict[Any, Any] = field(default_factory=dict)
    resolve_credential_provider: Callable[[Any], Any] = lambda _cid: None

    def credential_provider(self, credential_id: Any) -> Any:
        found = self.credential_providers.get(credential_id)
        if found is None:
            found = self.resolve_credential_provider(credential_id)
            if found is not None:
                self.credential_providers[credential_id] = found
        return found


Handler = Callable[[Any, LogRecord, Ops, PageContext], None]


def _event(aggregate: type, name: str) -> type:
    """An aggregate's event class (declared by ``@event``, so invisible to mypy)."""
    found = getattr(aggregate, name)
    assert isinstance(found, type)
    return found


def tracked_positions(d: Dialect, tracking_names: Sequence[str]) -> dict[str, int]:
    """The tracking record of each named view that has one: the last log position its
    table holds."""
    with d.read() as c:
        c.execute(
            d.q(
                "SELECT application_name, notification_id FROM {tracking} "
                "WHERE application_name IN (" + ",".join("?" * len(tracking_names)) + ")"
            ),
            list(tracking_names),
        )
        return {r["application_name"]: int(r["notification_id"] or 0) for r in c.fetchall()}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class View:
    """One read model: its tables, indexes and event handlers."""

    name: str = ""
    description: str = ""
    tables: tuple[str, ...] = ()

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        self.tracking_name = TRACKING_PREFIX + self.name
        self.handlers: dict[type, Handler] = self.build_handlers()

    # --- schema ------------------------------------------------------------------------
    def create_statements(self) -> list[str]:
        raise NotImplementedError

    def index_statements(self) -> list[str]:
        return []

    def layout(self) -> str:
        """A fingerprint of the view's tables and indexes as this code creates them."""
        statements = (*self.create_statements(), *self.index_statements())
        text = "\n".join(self.d.q(statement) for statement in statements)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def create(self, cursor: Any, *, indexes: bool = True) -> None:
        for statement in self.create_statements():
            cursor.execute(self.d.q(statement))
        if indexes:
            self.create_indexes(cursor)

    def create_indexes(self, cursor: Any) -> None:
        for statement in self.index_statements():
            cursor.execute(self.d.q(statement))

    def drop(self, cursor: Any) -> None:
        for table in self.tables:
            cursor.execute(self.d.q("DROP TABLE IF EXISTS {s}" + table))

    # --- events ------------------------------------------------------------------------
    def build_handlers(self) -> dict[type, Handler]:
        return {}

    def apply(self, events: Iterable[tuple[Any, LogRecord]], ops: Ops, ctx: PageContext) -> None:
        handlers = self.handlers
        for event, notification in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event, notification, ops, ctx)


# --- credential status -------------------------------------------------------------------
class CredentialStatusView(View):
    """award id -> what it certifies, when it was issued, whether and why revoked (the
    reason's category: this view serves the public, and the note is not in it).
    Status itself (valid / expired / issuer withdrawn) depends on the clock and on
    the provider's current state, so it is computed when read."""

    name = "credential_status"
    description = "award id -> status and what the award certifies"
    tables = ("proj_credential_status",)

    def create_statements(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {s}proj_credential_status ("
            "award_id {uuid} PRIMARY KEY, micro_credential_id {uuid} NOT NULL, "
            "provider_id {uuid} NOT NULL, title TEXT NOT NULL, workload_ects TEXT NOT NULL, "
            "nqf_level INTEGER, eqf_level INTEGER, route TEXT NOT NULL, components TEXT, "
            "issued_on {date} NOT NULL, issued_at {ts} NOT NULL, expires_on {date}, "
            "revoked_at {ts}, revocation_category TEXT, revoked_by TEXT, "
            "position {bigint} NOT NULL) {without_rowid}"
        ]

    def build_handlers(self) -> dict[type, Handler]:
        d = self.d
        insert = d.q(
            "INSERT INTO {s}proj_credential_status (award_id, micro_credential_id, provider_id, "
            "title, workload_ects, nqf_level, eqf_level, route, components, issued_on, "
            "issued_at, expires_on, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        revoke = d.q(
            "UPDATE {s}proj_credential_status SET revoked_at = ?, revocation_category = ?, "
            "revoked_by = ?, position = ? WHERE award_id = ?"
        )
        to_uuid, to_date, to_ts = d.to_uuid, d.to_date, d.to_ts

        def issued(route: str) -> Handler:
            def handle(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
                t = e.terms
                components = getattr(e, "component_award_ids", None)
                ops.insert(
                    insert,
                    (
                        to_uuid(e.award_id),
                        to_uuid(t.micro_credential_id),
                        to_uuid(t.provider_id),
                        t.title,
                        str(t.workload_ects),
                        t.nqf_level,
                        t.eqf_level,
                        route,
                        None if components is None else _json([uuid_text(c) for c in components]),
                        to_date(e.issued_on),
                        to_ts(e.timestamp),
                        to_date(e.expires_on),
                        n.id,
                    ),
                )

            return handle

        # The public view: the category, never the note (private, in the transcript and
        # the audit trail).
        def revoked(e: Any, n: LogRecord, ops: Ops, _ctx: PageContext) -> None:
            ops.update(
                revoke, (to_ts(e.timestamp), e.category.value, e.actor, n.id, to_uuid(e.award_id))
            )

        return {
            _event(LearnerRecord, "AwardIssued"): issued("course"),
            _event(LearnerRecord, "PriorLearningRecognised"): issued("prior_learning"),
            _event(LearnerRecord, "AwardsStacked"): issued("stacked"),
            _event(LearnerRecord, "AwardRevoked"): revoked,
        }


# --- provider register -------------------------------------------------------------------
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


# --- micro-credential catalogue ----------------------------------------------------------
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


# --- learner transcript ------------------------------------------------------------------
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


# --- audit trail -------------------------------------------------------------------------
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


VIEW_CLASSES: tuple[type[View], ...] = (
    CredentialStatusView,
    ProviderRegisterView,
    CatalogueView,
    TranscriptView,
    AuditTrailView,
)
VIEW_NAMES: tuple[str, ...] = tuple(v.name for v in VIEW_CLASSES)
