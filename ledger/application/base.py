"""What every part of the `Ledger` shares: the attributes its constructor sets, and
loading and saving aggregates (as they are now or as they were at a moment)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

from ledger import errors
from ledger.application.results import Receipt
from ledger.config import Settings
from ledger.domain import ids, text
from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.infrastructure.recorder import AwardLocation, LedgerRecorder, SideEffects
from ledger.infrastructure.turns import IssuanceTurns
from ledger.policy import NationalPolicy

TAggregate = TypeVar("TAggregate", bound=Aggregate)

# One logger for the whole application, under the name it has always logged as.
logger = logging.getLogger("ledger.application")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """A moment to compare with event times; a naive one is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _reference(provider_reference: str) -> str:
    """The provider's own reference for an award, which names the award."""
    if not provider_reference.strip():
        msg = "the provider's own reference for the award is required"
        raise errors.MissingStandardElement(msg)
    return provider_reference


def _not_found(
    missing: type[errors.NotFound], aggregate_id: UUID, at: datetime | None = None
) -> errors.NotFound:
    what = missing.__name__.removesuffix("NotFound").lower() or "object"
    when = f" at {at.isoformat()}" if at else ""
    return missing(f"no {what} with id {aggregate_id} in the ledger{when}")


@dataclass
class _Batch:
    """Aggregates touched by one command, saved together."""

    records: dict[UUID, LearnerRecord] = field(default_factory=dict)
    locations: list[AwardLocation] = field(default_factory=list)
    new_keys: list[tuple[UUID, bytes]] = field(default_factory=list)
    without_record: set[UUID] = field(default_factory=set)
    """Learners known (read in this command) to have no record yet."""
    record_ids: dict[str, UUID] = field(default_factory=dict)
    """Learner id -> record id, for the learners read in this command."""


class LedgerBase(Application[UUID]):
    """The state and helpers the `Ledger`'s parts (its mixins) share; the `Ledger`
    class itself sets the attributes in its constructor."""

    settings: Settings
    policy: NationalPolicy
    clock: Callable[[], datetime]
    ledger_recorder: LedgerRecorder
    issuance_turns: IssuanceTurns
    batch_retries: int
    """Batches of this instance that lost a race and retried (for the metrics)."""
    retry_listeners: list[Callable[[], None]]
    """Called once for each such retry (the API counts them)."""
    _counting_retries: threading.Lock

    # --- reading aggregates -----------------------------------------------------------
    def get_provider(
        self, provider_id: UUID, *, at: datetime | None = None, version: int | None = None
    ) -> Provider:
        return self._get(provider_id, Provider, errors.ProviderNotFound, at=at, version=version)

    def get_micro_credential(
        self, credential_id: UUID, *, at: datetime | None = None, version: int | None = None
    ) -> MicroCredential:
        return self._get(
            credential_id, MicroCredential, errors.MicroCredentialNotFound, at=at, version=version
        )

    def get_learner_record(
        self, learner_id: str, *, at: datetime | None = None, version: int | None = None
    ) -> LearnerRecord:
        text.check_line(learner_id, "learner_id")
        return self._get(
            ids.learner_record_id(learner_id),
            LearnerRecord,
            errors.LearnerNotFound,
            at=at,
            version=version,
        )

    def _located(self, provider_id: UUID, reference: str) -> AwardLocation | None:
        text.check_line(reference, "provider_reference")
        return self.ledger_recorder.locate_awards_by_reference(provider_id, [reference]).get(
            reference
        )

    def locate_award(self, award_id: UUID) -> AwardLocation:
        location = self.ledger_recorder.locate_awards([award_id]).get(award_id)
        if location is None:
            msg = f"no award {award_id} in the ledger"
            raise errors.AwardNotFound(msg)
        return location

    def _today(self) -> date:
        return self.clock().date()

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(list(self.events.get(aggregate_id, limit=1)))

    def _get(
        self,
        aggregate_id: UUID,
        kind: type[TAggregate],
        missing: type[errors.NotFound],
        *,
        at: datetime | None = None,
        version: int | None = None,
    ) -> TAggregate:
        aggregate: Aggregate | None
        try:
            if at is None:
                aggregate = self.repository.get(aggregate_id, version=version)
            else:
                aggregate = self._project_until(aggregate_id, _aware(at))
        except AggregateNotFoundError:
            aggregate = None
        if aggregate is None or not isinstance(aggregate, kind):
            raise _not_found(missing, aggregate_id, at)
        return aggregate

    @staticmethod
    def _loaded(
        loaded: dict[UUID, Aggregate],
        aggregate_id: UUID,
        kind: type[TAggregate],
        missing: type[errors.NotFound],
    ) -> TAggregate:
        """An aggregate read with others in one query, as `_get` would give it."""
        aggregate = loaded.get(aggregate_id)
        if not isinstance(aggregate, kind):
            raise _not_found(missing, aggregate_id)
        return aggregate

    def _project_until(self, aggregate_id: UUID, at: datetime) -> Aggregate | None:
        aggregate: Aggregate | None = None
        for stored in self.events.get(aggregate_id):
            domain_event = cast(Aggregate.Event, stored)
            if domain_event.timestamp > at:
                break
            aggregate = cast(Aggregate, domain_event.mutate(aggregate))
        return aggregate

    @staticmethod
    def _check_owner(credential: MicroCredential, provider_id: UUID) -> None:
        if credential.provider_id != provider_id:
            msg = f"micro-credential {credential.code} belongs to another provider"
            raise errors.NotYourObject(msg)

    def _record_for(
        self, learner_id: str, batch: _Batch, actor: str, located: AwardLocation | None
    ) -> LearnerRecord:
        """The learner's record, opened in this batch if it has none yet."""
        text.check_line(learner_id, "learner_id")
        record_id = batch.record_ids.get(learner_id)
        if record_id is None and learner_id.strip():
            record_id = ids.learner_record_id(learner_id)
        if record_id is None:
            msg = "a pseudonymous learner id is required"
            raise errors.MissingStandardElement(msg)
        if located is not None and located.learner_record_id != record_id:
            msg = "this provider reference already names an award of another learner"
            raise errors.ProviderReferenceConflict(msg)
        if record_id in batch.records:
            return batch.records[record_id]
        try:
            if record_id in batch.without_record:
                raise AggregateNotFoundError(record_id)
            record = cast(LearnerRecord, self.repository.get(record_id))
        except AggregateNotFoundError:
            record = LearnerRecord.open(learner_id=learner_id, actor=actor)
        batch.records[record_id] = record
        return record

    # --- saving -----------------------------------------------------------------------
    def _save(self, *aggregates: Aggregate) -> Receipt:
        return Receipt(aggregates[0].id, self._save_with(*aggregates))

    def _save_batch(self, batch: _Batch, *, shared_turn: bool = False) -> int | None:
        pending = [r for r in batch.records.values() if r.pending_events]
        if not pending:
            return None
        return self._save_with(
            *pending,
            side_effects=SideEffects(
                award_locations=batch.locations, new_keys=batch.new_keys, shared_turn=shared_turn
            ),
        )

    def _save_with(
        self, *aggregates: Aggregate, side_effects: SideEffects | None = None
    ) -> int | None:
        try:
            recordings: list[Recording[UUID]] = self.save(*aggregates, side_effects=side_effects)
        except IntegrityError as error:
            msg = (
                "another request changed the same record at the same moment; nothing was "
                "written, please retry"
            )
            raise errors.ConcurrentUpdate(msg) from error
        positions = [r.notification.id for r in recordings if r.notification.id is not None]
        return max(positions) if positions else None
