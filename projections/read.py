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

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.application import Ledger
from ledger.config import Settings
from ledger.policy import NationalPolicy
from projections.dialect import Dialect
from projections.failures import ProjectionFailure, read_all
from projections.queries import audit as audit_queries
from projections.queries import positions as position_queries
from projections.queries import registers as register_queries
from projections.queries import status as status_queries
from projections.queries import transcripts as transcript_queries
from projections.results import (
    AUDIT_CSV_COLUMNS,
    AuditEntry,
    AuditFilter,
    AuditPage,
    CatalogueEntry,
    CredentialStatus,
    Page,
    ProviderEntry,
    StackingRuleEntry,
    Status,
    Transcript,
    TranscriptAward,
    ViewLag,
)
from projections.store import ViewStore


class ReadModel:
    """Typed, fast answers from the views. Thread-safe; one per process is enough."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        policy: NationalPolicy | None = None,
        clock: Callable[[], datetime] | None = None,
        store: ViewStore | None = None,
    ) -> None:
        """Share ``ledger``'s store. ``policy`` (default: the ledger's) decides whether
        awards of a withdrawn provider read ``issuer_withdrawn``; ``clock`` (default:
        the ledger's) decides what has expired. ``store``: the views' store this
        process shares with its followers (default: one of this read model's own,
        whose :meth:`wait_for` then wakes no follower). A read replica's store
        (`ViewStore.on_replica`) is only read: its views are the primary's, replicated
        by PostgreSQL; the rest (``ledger``, the policy, the clock) is the primary's."""
        self.ledger = ledger
        self.policy = policy or ledger.policy
        self.clock = clock or ledger.clock
        self.store = store or ViewStore(ledger)
        self.d: Dialect = self.store.dialect
        if not self.store.read_only:
            self.store.ensure_views()
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
    def credential_status(self, award_id: UUID) -> CredentialStatus | None:
        """The award's current status and what it certifies, or ``None`` if the view
        has no such award (unknown id, or not yet projected: see :meth:`wait_for`).
        One primary-key read."""
        return status_queries.credential_status(self, award_id)

    def credential_statuses(self, award_ids: Sequence[UUID]) -> dict[UUID, CredentialStatus]:
        """Many awards at once (at most 1,000); unknown ids are absent from the result."""
        return status_queries.credential_statuses(self, award_ids)

    def credential_status_at(self, award_id: UUID, at: datetime) -> CredentialStatus:
        """The award's status as it was at ``at``, reconstructed from the events on the
        write side ("was this credential valid on the day we hired her?"). Raises
        ``ledger.errors.AwardNotFound`` for an unknown award."""
        return status_queries.credential_status_at(self, award_id, at)

    def revoked_awards(self, provider_id: UUID, at: datetime | None = None) -> dict[UUID, datetime]:
        """The provider's awards revoked by ``at`` (default: at all), and when: the bits
        of its status lists."""
        return status_queries.revoked_awards(self, provider_id, at)

    def awards_after(self, after: UUID | None, limit: int) -> list[tuple[UUID, str | None]]:
        """Every award in pages by id, with its provider's code (see the query)."""
        return status_queries.awards_after(self, after, limit)

    def status_statement(self, condition: str) -> str:
        """The status lookup's statement for this store, rows chosen by ``condition``
        (SQL with ``?`` placeholders, e.g. ``s.award_id = ANY(?)``), for a reader that
        runs it on connections of its own; :meth:`status_of_row` makes the answers."""
        return self.d.q(status_queries.STATUS_SELECT + "WHERE " + condition)

    def status_of_row(self, row: Any) -> CredentialStatus:
        """A row of :meth:`status_statement` (a mapping by column) as the answer now."""
        return status_queries.status_of_row(self, row, self.clock())

    # --- provider register ---------------------------------------------------------------
    def provider(self, provider_id: UUID) -> ProviderEntry | None:
        """One provider by id, or ``None``."""
        return register_queries.provider(self, provider_id)

    def provider_by_code(self, code: str) -> ProviderEntry | None:
        """One provider by its code (case-insensitive), or ``None``."""
        return register_queries.provider_by_code(self, code)

    def providers(
        self, *, state: str | None = None, offset: int = 0, limit: int = 100
    ) -> Page[ProviderEntry]:
        """The provider register, ordered by code, optionally only one state."""
        return register_queries.providers(self, state=state, offset=offset, limit=limit)

    # --- catalogue -----------------------------------------------------------------------
    def micro_credential(self, credential_id: UUID) -> CatalogueEntry | None:
        """One micro-credential by id, or ``None``."""
        return register_queries.micro_credential(self, credential_id)

    def catalogue(
        self,
        *,
        provider_id: UUID | None = None,
        level: int | None = None,
        field_of_study: str | None = None,
        text: str | None = None,
        state: str | None = None,
        skill: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[CatalogueEntry]:
        """Search the catalogue: by provider, NQF level, field of study (exact), state,
        ESCO skill (a URI one of its learning outcomes is tagged with) and free text
        (every word must appear in the title, code, field, assessment type, learning
        outcomes or further information; case-insensitive). Ordered by title."""
        return register_queries.catalogue(
            self,
            provider_id=provider_id,
            level=level,
            field_of_study=field_of_study,
            text=text,
            state=state,
            skill=skill,
            offset=offset,
            limit=limit,
        )

    # --- transcript ----------------------------------------------------------------------
    def transcript(self, learner_id: str) -> Transcript | None:
        """The learner's awards (each with its current status), by the pseudonymous
        learner id; ``None`` if the ledger has no record for that learner."""
        return transcript_queries.transcript(self, learner_id)

    # --- audit trail ---------------------------------------------------------------------
    def issuance_position(self, award_id: UUID) -> int | None:
        """The log position of the award's issuance event (``None``: not yet projected)."""
        return audit_queries.first_position(self, award_id)

    def audit(
        self, filters: AuditFilter | None = None, *, after: int = 0, limit: int = 100
    ) -> AuditPage:
        """Audit entries matching ``filters``, in log order, after position ``after``
        (the cursor: pass the previous page's ``next_after``), at most ``limit``
        (1..1000) of them."""
        return audit_queries.audit(self, filters, after=after, limit=limit)

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
        return audit_queries.iter_audit(self, filters, after=after, batch=batch, up_to=up_to)

    def audit_count(
        self, filters: AuditFilter | None = None, *, after: int = 0, up_to: int | None = None
    ) -> int:
        """How many entries `iter_audit` gives for the same arguments: an export says it
        beforehand, so that a reader can tell a cut export from a whole one."""
        return audit_queries.audit_count(self, filters, after=after, up_to=up_to)

    def audit_position(self) -> int:
        """The log position the audit view has reached: an export fixed at it stays the
        same snapshot while new events arrive."""
        return self.positions()["audit"]

    def audit_jsonl(
        self, filters: AuditFilter | None = None, *, after: int = 0, up_to: int | None = None
    ) -> Iterator[str]:
        """The matching entries as JSON lines (UTF-8 text, one object per line, each
        ending with a newline)."""
        return audit_queries.audit_jsonl(self, filters, after=after, up_to=up_to)

    def audit_csv(
        self, filters: AuditFilter | None = None, *, after: int = 0, up_to: int | None = None
    ) -> Iterator[str]:
        """The matching entries as CSV text: a header row, then one row per event (ISO
        8601 timestamps, ``data`` as a JSON cell, RFC 4180 quoting, CRLF line ends).
        Encode as UTF-8 (a byte-order mark first helps some spreadsheets)."""
        return audit_queries.audit_csv(self, filters, after=after, up_to=up_to)

    # --- positions, lag, read-your-writes -------------------------------------------------
    def log_position(self) -> int:
        """The last position in the event log (0 when empty)."""
        return position_queries.log_position(self)

    def positions(self) -> dict[str, int]:
        """Each view's last applied log position."""
        return position_queries.positions(self)

    def lag(self) -> dict[str, ViewLag]:
        """Each view's position and how far it is behind the log (for /readyz, /metrics)."""
        return position_queries.lag(self)

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
        return position_queries.wait_for(self, self.store.progress, position, timeout, views)


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
    "Status",
    "Transcript",
    "TranscriptAward",
    "ViewLag",
]
