"""The read side of the ledger, for the API and the CLI: typed answers from the views.

Construct one :class:`ReadModel` per process from the ``Ledger`` it already has (it
shares that ledger's connections), or from ``Settings``::

    read = ReadModel(ledger)
    status = read.credential_status(award_id)        # one primary-key read
    read.wait_for(receipt.position, timeout=2.0)      # read-your-writes

Every lookup is answered from the views (tables kept up to date from the event log by
the follower in :mod:`projections.follower`), except :meth:`ReadModel.credential_status_at`,
which reconstructs the past from the events on the write side.

Privacy: nothing the public status lookups return names the learner, not even the
pseudonymous learner id. Transcripts are keyed by the pseudonymous id and carry no
personal data. Audit data shows personal data only as the ciphertext in the log
(base64).
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

import orjson

from ledger.application import Ledger
from ledger.config import Settings
from ledger.domain import ids
from ledger.domain.accreditation import ProviderState, accredited_on
from ledger.domain.status import AwardStatus, award_status
from ledger.domain.text import check_line
from ledger.policy import NationalPolicy
from projections.dialect import Dialect, dialect_for
from projections.failures import ProjectionFailure, read_all
from projections.schema import ensure_views
from projections.views import TRACKING_PREFIX, VIEW_NAMES, tracked_positions

Status = Literal[
    "valid", "revoked", "expired", "issuer_withdrawn", "not_yet_issued", "component_revoked"
]

MAX_BATCH = 1000
MAX_PAGE = 1000


# --- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CredentialStatus:
    """What an employer sees: whether the award is valid and what it certifies.
    No learner data."""

    award_id: UUID
    status: Status
    """valid, revoked, expired, issuer_withdrawn (when the national policy flags awards
    of a withdrawn provider), or not_yet_issued (point-in-time answers only)."""
    title: str
    micro_credential_id: UUID
    provider_id: UUID
    provider_code: str | None
    provider_name: str | None
    provider_country: str | None
    """The awarding body's country (an EU mandatory element), ISO 3166 alpha-2."""
    provider_state: str | None
    """The provider's current accreditation state: registered, accredited, suspended, withdrawn."""
    nqf_level: int | None
    eqf_level: int | None
    workload_ects: Decimal
    learning_outcomes: tuple[str, ...]
    route: Literal["course", "prior_learning", "stacked"]
    components: tuple[UUID, ...]
    """The awards a stacked award was built from (empty otherwise)."""
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revocation_category: str | None
    """Why it was revoked, one of ``ledger.domain.values.RevocationReason``. The
    revocation's note is private and not part of this public answer."""
    revoked_by: str | None
    as_of: datetime
    """The moment the status was computed for (now, or the point in time asked)."""


@dataclass(frozen=True)
class ProviderEntry:
    provider_id: UUID
    code: str
    name: str
    country: str
    kind: str
    state: str
    """registered, accredited, suspended or withdrawn."""
    accredited_now: bool
    """Accredited and within the validity period today."""
    scope_levels: tuple[int, ...]
    scope_fields: tuple[str, ...]
    valid_until: date | None
    decision_reference: str | None
    status_reason: str | None
    registered_at: datetime
    updated_at: datetime
    website: str | None = None


@dataclass(frozen=True)
class StackingRuleEntry:
    required_components: tuple[UUID, ...]
    min_total_ects: Decimal


@dataclass(frozen=True)
class CatalogueEntry:
    """A micro-credential with its EU standard elements and its state."""

    credential_id: UUID
    provider_id: UUID
    code: str
    title: str
    learning_outcomes: tuple[str, ...]
    workload_ects: Decimal
    assessment_type: str
    participation_form: str
    quality_assurance: str
    field_of_study: str
    nqf_level: int | None
    eqf_level: int | None
    prerequisites: str | None
    supervision: str | None
    assessment_setting: str | None
    stackability: str | None
    further_information: str | None
    language: str | None
    stacking_rule: StackingRuleEntry | None
    state: str
    """defined, accredited, revalidation_required or withdrawn."""
    review_flagged: bool
    """Flexible policy: the assessment method changed and awaits the authority's review."""
    decision_reference: str | None
    defined_at: datetime
    updated_at: datetime


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    offset: int
    limit: int
    total: int
    next_offset: int | None
    """Offset of the next page, or ``None`` on the last page."""


@dataclass(frozen=True)
class TranscriptAward:
    award_id: UUID
    micro_credential_id: UUID
    provider_id: UUID
    title: str
    status: Status
    route: Literal["course", "prior_learning", "stacked"]
    workload_ects: Decimal
    nqf_level: int | None
    eqf_level: int | None
    provider_reference: str
    components: tuple[UUID, ...]
    evidence: str | None
    """For recognition of prior learning: the evidence validated."""
    assessment: dict[str, Any] | None
    """method, assessed_on, result, grade, supervision, identity_verified, accommodation."""
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    revocation_category: str | None
    revocation_note: str | None
    """Private (the transcript is the authority's read): what was written about why."""


@dataclass(frozen=True)
class Transcript:
    learner_id: str
    """The pseudonymous learner id."""
    opened_at: datetime
    personal_data_recorded: bool
    personal_data_erased: bool
    awards: list[TranscriptAward]
    """Every award, in issuing order (course, prior learning and stacked)."""

    @property
    def stacked(self) -> list[TranscriptAward]:
        return [a for a in self.awards if a.route == "stacked"]

    @property
    def prior_learning(self) -> list[TranscriptAward]:
        return [a for a in self.awards if a.route == "prior_learning"]


@dataclass(frozen=True)
class AuditFilter:
    """All given criteria must hold. Times are inclusive ``since`` and exclusive ``until``."""

    aggregate_id: UUID | None = None
    award_id: UUID | None = None
    provider_id: UUID | None = None
    actor: str | None = None
    event_type: str | None = None
    """As in the entries, e.g. ``LearnerRecord.AwardRevoked`` or ``Provider.Suspended``;
    a name without a dot (``AwardRevoked``) matches any aggregate type."""
    aggregate_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Refused when the filter is made, not when an export streaming it has begun.
        for name in ("actor", "event_type", "aggregate_type"):
            check_line(getattr(self, name), name)


@dataclass(frozen=True)
class AuditEntry:
    position: int
    """The event's global position in the log (its notification id)."""
    timestamp: datetime
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    event_type: str
    actor: str | None
    reason: str | None
    decision_reference: str | None
    provider_id: UUID | None
    award_id: UUID | None
    data: dict[str, Any]
    """The event's data as plain JSON values (UUIDs, dates and decimals as strings,
    bytes such as personal-data ciphertext as base64)."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO 8601 timestamp, ids as strings)."""
        return {
            "position": self.position,
            "timestamp": self.timestamp.isoformat(),
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id),
            "aggregate_version": self.aggregate_version,
            "event_type": self.event_type,
            "actor": self.actor,
            "reason": self.reason,
            "decision_reference": self.decision_reference,
            "provider_id": None if self.provider_id is None else str(self.provider_id),
            "award_id": None if self.award_id is None else str(self.award_id),
            "data": self.data,
        }


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_after: int | None
    """Pass as ``after`` for the next page; ``None`` when this page is the last."""


@dataclass(frozen=True)
class ViewLag:
    view: str
    position: int
    """The last log position applied to the view."""
    log_position: int
    """The last position in the log."""
    lag: int
    """How many positions the view is behind the log."""


AUDIT_CSV_COLUMNS = (
    "position",
    "timestamp",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "event_type",
    "actor",
    "reason",
    "decision_reference",
    "provider_id",
    "award_id",
    "data",
)


# --- waking: an embedded follower in this process registers here -----------------------
class _Progress:
    """Lets ``wait_for`` sleep until an in-process follower commits a page."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.wakers: list[Callable[[], None]] = []

    def committed(self) -> None:
        with self.condition:
            self.condition.notify_all()

    def wake_followers(self) -> None:
        for wake in list(self.wakers):
            wake()


_progress: dict[int, _Progress] = {}
_progress_lock = threading.Lock()


def progress_for(datastore: Any) -> _Progress:
    """The progress channel shared by the followers and readers of one datastore."""
    with _progress_lock:
        found = _progress.get(id(datastore))
        if found is None:
            found = _progress[id(datastore)] = _Progress()
        return found


# --- plain JSON from the stored (tagged) event state -----------------------------------
def plain(value: Any) -> Any:
    """The transcoder's tagged JSON as plain JSON values."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 2 and "_type_" in value and "_data_" in value:
        kind, data = value["_type_"], value["_data_"]
        if kind == "uuid_hex":
            return str(UUID(hex=data))
        if kind in ("tuple",):
            return [plain(v) for v in data]
        if kind == "enum":
            return plain(data[1])
        if kind == "dataclass":
            return {k: plain(v) for k, v in data[1].items()}
        return data  # datetime_iso, date_iso, decimal_str, bytes_b64: already strings
    return {k: plain(v) for k, v in value.items()}


# --- the read model --------------------------------------------------------------------
class ReadModel:
    """Typed, fast answers from the views. Thread-safe; one per process is enough."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        policy: NationalPolicy | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Share ``ledger``'s store. ``policy`` (default: the ledger's) decides whether
        awards of a withdrawn provider read ``issuer_withdrawn``; ``clock`` (default:
        the ledger's) decides what has expired."""
        self.ledger = ledger
        self.policy = policy or ledger.policy
        self.clock = clock or ledger.clock
        self.d: Dialect = dialect_for(ledger)
        ensure_views(ledger, self.d)
        self._progress = progress_for(self.d.datastore)
        self._owns_ledger = False

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ReadModel:
        """A read model with a ledger of its own (closed by :meth:`close`)."""
        model = cls(Ledger(settings or Settings.from_env()))
        model._owns_ledger = True
        return model

    def close(self) -> None:
        if self._owns_ledger:
            self.ledger.close()

    # --- credential status ---------------------------------------------------------------
    _STATUS_SELECT = (
        "SELECT s.award_id, s.micro_credential_id, s.provider_id, s.title, s.workload_ects, "
        "s.nqf_level, s.eqf_level, s.route, s.components, s.issued_on, s.expires_on, "
        "s.revoked_at, s.revocation_category, s.revoked_by, p.code AS provider_code, "
        "p.name AS provider_name, p.country AS provider_country, p.state AS provider_state, "
        "c.learning_outcomes "
        "FROM {s}proj_credential_status s "
        "LEFT JOIN {s}proj_providers p ON p.provider_id = s.provider_id "
        "LEFT JOIN {s}proj_catalogue c ON c.credential_id = s.micro_credential_id "
    )

    def credential_status(self, award_id: UUID) -> CredentialStatus | None:
        """The award's current status and what it certifies, or ``None`` if the view
        has no such award (unknown id, or not yet projected: see :meth:`wait_for`).
        One primary-key read."""
        d = self.d
        with d.read() as c:
            c.execute(d.q(self._STATUS_SELECT + "WHERE s.award_id = ?"), (d.to_uuid(award_id),))
            row = c.fetchone()
        return None if row is None else self._status(row, self.clock())

    def credential_statuses(self, award_ids: Sequence[UUID]) -> dict[UUID, CredentialStatus]:
        """Many awards at once (at most 1,000); unknown ids are absent from the result."""
        if len(award_ids) > MAX_BATCH:
            msg = f"at most {MAX_BATCH} award ids per request, got {len(award_ids)}"
            raise ValueError(msg)
        if not award_ids:
            return {}
        d = self.d
        now = self.clock()
        found: dict[UUID, CredentialStatus] = {}
        unique = list(dict.fromkeys(award_ids))
        with d.read() as c:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                c.execute(
                    d.q(self._STATUS_SELECT + f"WHERE s.award_id IN ({marks})"),
                    [d.to_uuid(a) for a in chunk],
                )
                for row in c.fetchall():
                    status = self._status(row, now)
                    found[status.award_id] = status
        return found

    def credential_status_at(self, award_id: UUID, at: datetime) -> CredentialStatus:
        """The award's status as it was at ``at``, reconstructed from the events on the
        write side ("was this credential valid on the day we hired her?"). Raises
        ``ledger.errors.AwardNotFound`` for an unknown award."""
        report = self.ledger.award_status(award_id, at=at)
        award, provider, credential = report.award, report.provider, report.credential
        return CredentialStatus(
            award_id=award.award_id,
            status=report.status.value,
            title=award.terms.title,
            micro_credential_id=award.terms.micro_credential_id,
            provider_id=award.terms.provider_id,
            provider_code=provider.code,
            provider_name=provider.name,
            provider_country=provider.country,
            provider_state=provider.state.value,
            nqf_level=award.terms.nqf_level,
            eqf_level=award.terms.eqf_level,
            workload_ects=award.terms.workload_ects,
            learning_outcomes=tuple(credential.specification.learning_outcomes),
            route=award.route.value,
            components=tuple(award.components),
            issued_on=award.issued_on,
            expires_on=award.expires_on,
            revoked_at=award.revoked_at if report.status is AwardStatus.REVOKED else None,
            revocation_category=(
                award.revocation_category.value
                if report.status is AwardStatus.REVOKED and award.revocation_category
                else None
            ),
            revoked_by=award.revoked_by if report.status is AwardStatus.REVOKED else None,
            as_of=report.at,
        )

    def _compute_status(
        self, revoked_at: Any, expires_on: date | None, provider_state: str | None, now: datetime
    ) -> Status:
        # The view holds the present: a revocation it has recorded has happened, whatever
        # this reader's clock says.
        status = award_status(
            at=now,
            revoked_at=now if revoked_at is not None else None,
            expires_on=expires_on,
            issuer_withdrawn=provider_state == ProviderState.WITHDRAWN.value,
            flag_withdrawn_issuer=self.policy.flags_withdrawn_issuer,
        )
        return status.value

    def _status(self, row: Any, now: datetime) -> CredentialStatus:
        d = self.d
        expires_on = d.from_date(row["expires_on"])
        revoked_at = d.from_ts(row["revoked_at"])
        outcomes = row["learning_outcomes"]
        components = row["components"]
        award_id = d.from_uuid(row["award_id"])
        assert award_id is not None
        return CredentialStatus(
            award_id=award_id,
            status=self._compute_status(revoked_at, expires_on, row["provider_state"], now),
            title=row["title"],
            micro_credential_id=d.from_uuid(row["micro_credential_id"]),
            provider_id=d.from_uuid(row["provider_id"]),
            provider_code=row["provider_code"],
            provider_name=row["provider_name"],
            provider_country=row["provider_country"],
            provider_state=row["provider_state"],
            nqf_level=row["nqf_level"],
            eqf_level=row["eqf_level"],
            workload_ects=Decimal(row["workload_ects"]),
            learning_outcomes=tuple(orjson.loads(outcomes)) if outcomes else (),
            route=row["route"],
            components=_uuids(components),
            issued_on=d.from_date(row["issued_on"]),
            expires_on=expires_on,
            revoked_at=revoked_at,
            revocation_category=row["revocation_category"],
            revoked_by=row["revoked_by"],
            as_of=now,
        )

    # --- provider register ---------------------------------------------------------------
    def provider(self, provider_id: UUID) -> ProviderEntry | None:
        """One provider by id, or ``None``."""
        d = self.d
        with d.read() as c:
            c.execute(
                d.q("SELECT * FROM {s}proj_providers WHERE provider_id = ?"),
                (d.to_uuid(provider_id),),
            )
            row = c.fetchone()
        return None if row is None else self._provider(row, self.clock().date())

    def provider_by_code(self, code: str) -> ProviderEntry | None:
        """One provider by its code (case-insensitive), or ``None``."""
        return self.provider(ids.provider_id(code))

    def providers(
        self, *, state: str | None = None, offset: int = 0, limit: int = 100
    ) -> Page[ProviderEntry]:
        """The provider register, ordered by code, optionally only one state."""
        check_line(state, "state")
        limit = _limit(limit)
        where, params = ("WHERE state = ?", [state]) if state else ("", [])
        d = self.d
        with d.read() as c:
            c.execute(d.q("SELECT COUNT(*) AS n FROM {s}proj_providers " + where), params)
            total = int(c.fetchone()["n"])
            c.execute(
                d.q("SELECT * FROM {s}proj_providers " + where + " ORDER BY code LIMIT ? OFFSET ?"),
                [*params, limit, max(offset, 0)],
            )
            rows = c.fetchall()
        today = self.clock().date()
        return _page([self._provider(r, today) for r in rows], offset, limit, total)

    def _provider(self, row: Any, today: date) -> ProviderEntry:
        d = self.d
        valid_until = d.from_date(row["valid_until"])
        levels, fields = row["scope_levels"], row["scope_fields"]
        return ProviderEntry(
            provider_id=d.from_uuid(row["provider_id"]),
            code=row["code"],
            name=row["name"],
            country=row["country"],
            kind=row["kind"],
            state=row["state"],
            accredited_now=accredited_on(ProviderState(row["state"]), valid_until, today),
            scope_levels=tuple(orjson.loads(levels)) if levels else (),
            scope_fields=tuple(orjson.loads(fields)) if fields else (),
            valid_until=valid_until,
            decision_reference=row["decision_reference"],
            status_reason=row["status_reason"],
            registered_at=d.from_ts(row["registered_at"]),
            updated_at=d.from_ts(row["updated_at"]),
            website=row["website"],
        )

    # --- catalogue -----------------------------------------------------------------------
    def micro_credential(self, credential_id: UUID) -> CatalogueEntry | None:
        """One micro-credential by id, or ``None``."""
        d = self.d
        with d.read() as c:
            c.execute(
                d.q("SELECT * FROM {s}proj_catalogue WHERE credential_id = ?"),
                (d.to_uuid(credential_id),),
            )
            row = c.fetchone()
        return None if row is None else self._catalogue(row)

    def catalogue(
        self,
        *,
        provider_id: UUID | None = None,
        level: int | None = None,
        field_of_study: str | None = None,
        text: str | None = None,
        state: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[CatalogueEntry]:
        """Search the catalogue: by provider, NQF level, field of study (exact), state,
        and free text (every word must appear in the title, code, field, assessment
        type, learning outcomes or further information; case-insensitive). Ordered by
        title."""
        for value, name in ((field_of_study, "field_of_study"), (text, "text"), (state, "state")):
            check_line(value, name)
        limit = _limit(limit)
        d = self.d
        clauses: list[str] = []
        params: list[Any] = []
        if provider_id is not None:
            clauses.append("provider_id = ?")
            params.append(d.to_uuid(provider_id))
        if level is not None:
            clauses.append("nqf_level = ?")
            params.append(level)
        if field_of_study:
            clauses.append("field_of_study = ?")
            params.append(field_of_study)
        if state:
            clauses.append("state = ?")
            params.append(state)
        for word in (text or "").lower().split():
            clauses.append("search_text LIKE ? ESCAPE '!'")
            params.append("%" + _like_escape(word) + "%")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        with d.read() as c:
            c.execute(d.q("SELECT COUNT(*) AS n FROM {s}proj_catalogue " + where), params)
            total = int(c.fetchone()["n"])
            c.execute(
                d.q(
                    "SELECT * FROM {s}proj_catalogue "
                    + where
                    + " ORDER BY title, credential_id LIMIT ? OFFSET ?"
                ),
                [*params, limit, max(offset, 0)],
            )
            rows = c.fetchall()
        return _page([self._catalogue(r) for r in rows], offset, limit, total)

    def _catalogue(self, row: Any) -> CatalogueEntry:
        d = self.d
        rule = row["stacking_rule"]
        stacking: StackingRuleEntry | None = None
        if rule:
            raw = orjson.loads(rule)
            stacking = StackingRuleEntry(
                tuple(UUID(c) for c in raw["required_components"]), Decimal(raw["min_total_ects"])
            )
        return CatalogueEntry(
            credential_id=d.from_uuid(row["credential_id"]),
            provider_id=d.from_uuid(row["provider_id"]),
            code=row["code"],
            title=row["title"],
            learning_outcomes=tuple(orjson.loads(row["learning_outcomes"])),
            workload_ects=Decimal(row["workload_ects"]),
            assessment_type=row["assessment_type"],
            participation_form=row["participation_form"],
            quality_assurance=row["quality_assurance"],
            field_of_study=row["field_of_study"],
            nqf_level=row["nqf_level"],
            eqf_level=row["eqf_level"],
            prerequisites=row["prerequisites"],
            supervision=row["supervision"],
            assessment_setting=row["assessment_setting"],
            stackability=row["stackability"],
            further_information=row["further_information"],
            language=row["language"],
            stacking_rule=stacking,
            state=row["state"],
            review_flagged=bool(row["review_flagged"]),
            decision_reference=row["decision_reference"],
            defined_at=d.from_ts(row["defined_at"]),
            updated_at=d.from_ts(row["updated_at"]),
        )

    # --- transcript ----------------------------------------------------------------------
    def transcript(self, learner_id: str) -> Transcript | None:
        """The learner's awards (each with its current status), by the pseudonymous
        learner id; ``None`` if the ledger has no record for that learner."""
        check_line(learner_id, "learner_id")
        d = self.d
        record_id = d.to_uuid(ids.learner_record_id(learner_id))
        with d.read() as c:
            c.execute(
                d.q("SELECT * FROM {s}proj_learners WHERE learner_record_id = ?"), (record_id,)
            )
            learner = c.fetchone()
            if learner is None:
                return None
            c.execute(
                d.q(
                    "SELECT t.*, p.state AS provider_state FROM {s}proj_transcript t "
                    "LEFT JOIN {s}proj_providers p ON p.provider_id = t.provider_id "
                    "WHERE t.learner_record_id = ? ORDER BY t.issued_position"
                ),
                (record_id,),
            )
            rows = c.fetchall()
        now = self.clock()
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
                    status=self._compute_status(revoked_at, expires_on, row["provider_state"], now),
                    route=row["route"],
                    workload_ects=Decimal(row["workload_ects"]),
                    nqf_level=row["nqf_level"],
                    eqf_level=row["eqf_level"],
                    provider_reference=row["provider_reference"],
                    components=_uuids(components),
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

    # --- audit trail ---------------------------------------------------------------------
    def audit(
        self, filters: AuditFilter | None = None, *, after: int = 0, limit: int = 100
    ) -> AuditPage:
        """Audit entries matching ``filters``, in log order, after position ``after``
        (the cursor: pass the previous page's ``next_after``), at most ``limit``
        (1..1000) of them."""
        limit = _limit(limit)
        entries = self._audit_rows(filters or AuditFilter(), after, limit + 1)
        more = len(entries) > limit
        entries = entries[:limit]
        return AuditPage(entries, entries[-1].position if more and entries else None)

    def iter_audit(
        self,
        filters: AuditFilter | None = None,
        *,
        after: int = 0,
        batch: int = 1000,
        up_to: int | None = None,
    ) -> Iterator[AuditEntry]:
        """Every matching entry after ``after`` (and up to position ``up_to``, when
        given), in log order, read in batches."""
        cursor = after
        while True:
            rows = self._audit_rows(filters or AuditFilter(), cursor, _limit(batch), up_to)
            yield from rows
            if len(rows) < batch:
                return
            cursor = rows[-1].position

    def audit_count(
        self, filters: AuditFilter | None = None, *, after: int = 0, up_to: int | None = None
    ) -> int:
        """How many entries `iter_audit` gives for the same arguments: an export says it
        beforehand, so that a reader can tell a cut export from a whole one."""
        clauses, params = self._audit_where(filters or AuditFilter(), after, up_to)
        with self.d.read() as c:
            c.execute(
                self.d.q("SELECT COUNT(*) AS n FROM {s}proj_audit WHERE " + " AND ".join(clauses)),
                params,
            )
            row = c.fetchone()
        return int(row["n"])

    def audit_position(self) -> int:
        """The log position the audit view has reached: an export fixed at it stays the
        same snapshot while new events arrive."""
        return self.positions()["audit"]

    def audit_jsonl(
        self, filters: AuditFilter | None = None, *, after: int = 0, up_to: int | None = None
    ) -> Iterator[str]:
        """The matching entries as JSON lines (UTF-8 text, one object per line, each
        ending with a newline)."""
        for entry in self.iter_audit(filters, after=after, up_to=up_to):
            yield orjson.dumps(entry.to_json()).decode() + "\n"

    def audit_csv(
        self, filters: AuditFilter | None = None, *, after: int = 0, up_to: int | None = None
    ) -> Iterator[str]:
        """The matching entries as CSV text: a header row, then one row per event (ISO
        8601 timestamps, ``data`` as a JSON cell, RFC 4180 quoting, CRLF line ends).
        Encode as UTF-8 (a byte-order mark first helps some spreadsheets)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_CSV_COLUMNS)
        yield buffer.getvalue()
        for entry in self.iter_audit(filters, after=after, up_to=up_to):
            buffer.seek(0)
            buffer.truncate()
            row = entry.to_json()
            row["data"] = orjson.dumps(entry.data).decode()
            writer.writerow(["" if row[k] is None else row[k] for k in AUDIT_CSV_COLUMNS])
            yield buffer.getvalue()

    @property
    def _audit_select(self) -> str:
        """The audit rows with each event's stored state, read from the log by position."""
        recorder: Any = self.ledger.recorder
        name: str = recorder.events_table_name
        events = '"' + name.replace('"', '""') + '"'
        return (
            "SELECT a.*, e.state FROM {s}proj_audit a JOIN {s}"
            + events
            + " e ON e.{log_position} = a.position WHERE "
        )

    def _stored_json(self, state: bytes) -> bytes:
        """An event's stored state as the transcoder's JSON (decrypted and decompressed
        when the store is configured so)."""
        mapper = self.ledger.mapper
        if mapper.cipher is not None:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor is not None:
            state = mapper.compressor.decompress(state)
        return state

    def _audit_rows(
        self, f: AuditFilter, after: int, limit: int, up_to: int | None = None
    ) -> list[AuditEntry]:
        d = self.d
        clauses, params = self._audit_where(f, after, up_to)
        params.append(limit)
        with d.read() as c:
            c.execute(
                d.q(self._audit_select + " AND ".join(clauses) + " ORDER BY position LIMIT ?"),
                params,
            )
            rows = c.fetchall()
        return [
            AuditEntry(
                position=int(r["position"]),
                timestamp=d.from_ts(r["timestamp"]),
                aggregate_type=r["aggregate_type"],
                aggregate_id=d.from_uuid(r["aggregate_id"]),
                aggregate_version=int(r["aggregate_version"]),
                event_type=r["event_type"],
                actor=r["actor"],
                reason=r["reason"],
                decision_reference=r["decision_reference"],
                provider_id=d.from_uuid(r["provider_id"]),
                award_id=d.from_uuid(r["award_id"]),
                data=plain(orjson.loads(self._stored_json(r["state"]))),
            )
            for r in rows
        ]

    def _audit_where(
        self, f: AuditFilter, after: int, up_to: int | None
    ) -> tuple[list[str], list[Any]]:
        """The audit view's WHERE clauses (joined with AND) and their parameters."""
        d = self.d
        clauses = ["position > ?"]
        params: list[Any] = [after]
        if up_to is not None:
            clauses.append("position <= ?")
            params.append(up_to)
        for column, value in (
            ("aggregate_id", d.to_uuid(f.aggregate_id)),
            ("award_id", d.to_uuid(f.award_id)),
            ("provider_id", d.to_uuid(f.provider_id)),
            ("actor", f.actor),
            ("aggregate_type", f.aggregate_type),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if f.event_type:
            if "." in f.event_type:
                clauses.append("event_type = ?")
                params.append(f.event_type)
            else:
                clauses.append("event_type LIKE ? ESCAPE '!'")
                params.append("%." + _like_escape(f.event_type))
        if f.since is not None:
            clauses.append("timestamp >= ?")
            params.append(d.to_ts(f.since))
        if f.until is not None:
            clauses.append("timestamp < ?")
            params.append(d.to_ts(f.until))
        return clauses, params

    # --- positions, lag, read-your-writes -------------------------------------------------
    def log_position(self) -> int:
        """The last position in the event log (0 when empty)."""
        return int(self.ledger.recorder.max_notification_id() or 0)

    def positions(self) -> dict[str, int]:
        """Each view's last applied log position."""
        found = tracked_positions(self.d, [TRACKING_PREFIX + v for v in VIEW_NAMES])
        return {v: found.get(TRACKING_PREFIX + v, 0) for v in VIEW_NAMES}

    def lag(self) -> dict[str, ViewLag]:
        """Each view's position and how far it is behind the log (for /readyz, /metrics)."""
        positions = self.positions()
        log = self.log_position()
        return {v: ViewLag(v, p, log, max(log - p, 0)) for v, p in positions.items()}

    def projection_failures(self) -> dict[str, ProjectionFailure]:
        """The views that cannot apply an event (where, why), by view name: empty when
        all are well (for /readyz, /metrics)."""
        return read_all(self.d)

    def wait_for(
        self, position: int | None, timeout: float = 5.0, views: Sequence[str] | None = None
    ) -> bool:
        """Block until every view in ``views`` (default: all) has applied the log up to
        ``position`` (a command's ``Receipt.position``), or ``timeout`` seconds pass.
        True when reached. ``None`` (the command wrote nothing) is reached at once.
        Wakes an embedded follower in this process so it does not wait for its poll."""
        if position is None or position <= 0:
            return True
        wanted = list(views or VIEW_NAMES)
        deadline = time.monotonic() + timeout
        progress = self._progress
        delay = 0.002
        while True:
            positions = self.positions()
            if min(positions[v] for v in wanted) >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            progress.wake_followers()
            with progress.condition:
                progress.condition.wait(min(delay, remaining))
            delay = min(delay * 2, 0.05)


def _like_escape(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _uuids(raw: str | None) -> tuple[UUID, ...]:
    return tuple(UUID(x) for x in orjson.loads(raw)) if raw else ()


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _page(items: list[T], offset: int, limit: int, total: int) -> Page[T]:
    offset = max(offset, 0)
    following = offset + len(items)
    return Page(items, offset, limit, total, following if following < total else None)


__all__ = [
    "AUDIT_CSV_COLUMNS",
    "AuditEntry",
    "AuditFilter",
    "AuditPage",
    "CatalogueEntry",
    "CredentialStatus",
    "Page",
    "ProviderEntry",
    "ReadModel",
    "StackingRuleEntry",
    "Transcript",
    "TranscriptAward",
    "ViewLag",
]
