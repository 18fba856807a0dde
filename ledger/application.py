"""The `Ledger` application: one method per use case in the brief, and the queries
that answer from the write model (current and point-in-time state, full history).

It is the service layer: it loads aggregates, asks the domain to decide, and saves the
resulting events in one transaction. Rules live in the domain; this module only
orchestrates and translates storage conflicts into domain errors.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    Recording,
    Transcoder,
)
from eventsourcing.utils import resolve_topic

from ledger import errors, privacy
from ledger.award_index import award_references
from ledger.config import Settings
from ledger.domain import event_types, ids, text
from ledger.domain.learner_record import NOT_YOUR_LEARNER, Award, AwardTerms, LearnerRecord
from ledger.domain.micro_credential import MicroCredential, check_not_in_future
from ledger.domain.provider import Provider, ProviderState
from ledger.domain.status import AwardStatus, award_status
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    CredentialSpecification,
    ProviderKind,
    RevocationReason,
    StackingRule,
)
from ledger.infrastructure.erasure_journal import ErasureEntry, ErasureJournal
from ledger.infrastructure.recorder import (
    AwardLocation,
    LedgerRecorder,
    LedgerRecorderClass,
    SideEffects,
)
from ledger.infrastructure.store_setup import store_setup
from ledger.policy import NationalPolicy
from ledger.transcoding import OrjsonTranscoder

if TYPE_CHECKING:  # imported by PostgreSQL's recorder only: SQLite never loads psycopg
    from ledger.infrastructure.reliability import StoreMonitor

TAggregate = TypeVar("TAggregate", bound=Aggregate)

logger = logging.getLogger(__name__)

# A batch's first attempt shares its turn with other batches; each retry has the store
# to itself among batches (see `ledger.infrastructure.turns`), so a retry can only lose
# to another kind of write, such as a revocation of one of its learners' awards.
SAVE_ATTEMPTS = 5


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


class _AggregateEvents(ProcessingEvent[UUID]):
    """eventsourcing's ``ProcessingEvent``, collecting the ledger's own aggregates with a
    class check. The library's two runtime ``Protocol`` checks per object cost 9 µs on
    Python 3.11, about 8 % of the API's CPU per issued award (measured); anything else
    goes the library's way."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, Aggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            else:
                super().collect_events(obj)
        self.saved_kwargs.update(kwargs)


@dataclass(frozen=True)
class Receipt:
    """What a command wrote: the aggregate it concerned and the log position of its
    last event (``None`` when nothing new was written), which readers can wait for."""

    aggregate_id: UUID
    position: int | None


@dataclass(frozen=True)
class IssueRequest:
    learner_id: str
    micro_credential_id: UUID
    provider_reference: str
    assessment: Assessment
    issued_on: date | None = None


@dataclass(frozen=True)
class IssuedAward:
    award_id: UUID
    learner_id: str
    provider_reference: str
    created: bool
    """False when the same award had already been issued (an idempotent retry)."""


@dataclass(frozen=True)
class BatchReceipt:
    awards: list[IssuedAward]
    position: int | None


@dataclass(frozen=True)
class ItemFailure:
    index: int
    error: errors.LedgerError


class BatchRejected(errors.InvalidRequest):
    """At least one item of a batch was refused; nothing of the batch was written."""

    def __init__(self, failures: Sequence[ItemFailure]) -> None:
        self.failures = list(failures)
        super().__init__(
            f"{len(self.failures)} item(s) of the batch were refused; nothing was written"
        )


@dataclass(frozen=True)
class AwardStatusReport:
    """An award's status at a moment, and what it certifies."""

    award: Award
    status: AwardStatus
    at: datetime
    provider: Provider
    credential: MicroCredential


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


class Ledger(Application[UUID]):
    name = "Ledger"
    store_monitor: StoreMonitor | None = None
    """Whether PostgreSQL answers (``None`` on SQLite)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.policy: NationalPolicy = self.settings.policy
        self.clock = clock
        merged = {**self.settings.database.eventsourcing_env(), **(env or {})}
        with store_setup(self.settings):
            super().__init__(env=merged)  # creates the recorder's tables if missing
            filled = cast(LedgerRecorder, self.recorder).upgrade_award_index(
                award_references(self.recorder, self.mapper)
            )
        if filled:
            logger.info("the award index was upgraded: %d awards' references filled in", filled)
        self.ledger_recorder = cast(LedgerRecorder, self.recorder)
        self.issuance_turns = self.ledger_recorder.issuance_turns()
        self.batch_retries = 0
        """Batches of this instance that lost a race and retried (for the metrics)."""
        self.retry_listeners: list[Callable[[], None]] = []
        """Called once for each such retry (the API counts them)."""
        self._counting_retries = threading.Lock()

    def construct_recorder(self) -> ApplicationRecorder:
        # The recorder class of the configured store prepares that store before the
        # recorder creates its tables.
        recorder_class = cast(
            LedgerRecorderClass, resolve_topic(self.factory.env["APPLICATION_RECORDER_TOPIC"])
        )
        datastore = getattr(self.factory, "datastore", None)
        if datastore is not None:
            self.store_monitor = recorder_class.guard_store(datastore, self.settings.database)
        return super().construct_recorder()

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """eventsourcing's ``Application.save``, step for step, with `_AggregateEvents`
        collecting the events (the library builds its ``ProcessingEvent`` inline)."""
        processing_event = _AggregateEvents()
        processing_event.collect_events(*objs, **kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)
        return recordings

    # --- providers ------------------------------------------------------------------
    def register_provider(
        self,
        *,
        code: str,
        name: str,
        country: str,
        kind: ProviderKind,
        actor: str,
        website: str | None = None,
    ) -> Receipt:
        provider = Provider.register(
            code=code, name=name, country=country, kind=kind, actor=actor, website=website
        )
        if self._exists(provider.id):
            msg = f"a provider with code {provider.code} is already registered"
            raise errors.ProviderAlreadyRegistered(msg)
        try:
            return self._save(provider)
        except errors.ConcurrentUpdate:
            msg = f"a provider with code {provider.code} is already registered"
            raise errors.ProviderAlreadyRegistered(msg) from None

    def accredit_provider(
        self,
        provider_id: UUID,
        *,
        scope: AccreditationScope,
        valid_until: date,
        decision_reference: str,
        actor: str,
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.accredit(
            scope=scope,
            valid_until=valid_until,
            decision_reference=decision_reference,
            actor=actor,
            today=self._today(),
        )
        return self._save(provider)

    def suspend_provider(
        self, provider_id: UUID, *, reason: str, decision_reference: str, actor: str
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.suspend(reason=reason, decision_reference=decision_reference, actor=actor)
        return self._save(provider)

    def reinstate_provider(
        self, provider_id: UUID, *, reason: str, decision_reference: str, actor: str
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.reinstate(reason=reason, decision_reference=decision_reference, actor=actor)
        return self._save(provider)

    def renew_provider(
        self,
        provider_id: UUID,
        *,
        valid_until: date,
        decision_reference: str,
        actor: str,
        scope: AccreditationScope | None = None,
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.renew(
            valid_until=valid_until,
            decision_reference=decision_reference,
            actor=actor,
            today=self._today(),
            scope=scope,
        )
        return self._save(provider)

    def withdraw_provider(
        self, provider_id: UUID, *, reason: str, decision_reference: str, actor: str
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.withdraw(reason=reason, decision_reference=decision_reference, actor=actor)
        return self._save(provider)

    # --- micro-credentials ----------------------------------------------------------
    def define_micro_credential(
        self,
        *,
        provider_id: UUID,
        code: str,
        specification: CredentialSpecification,
        actor: str,
        stacking_rule: StackingRule | None = None,
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.check_may_define()
        if stacking_rule is not None:
            for component in stacking_rule.required_components:
                self.get_micro_credential(component)
        credential = MicroCredential.define(
            provider_id=provider_id,
            code=code,
            specification=specification,
            stacking_rule=stacking_rule,
            policy=self.policy,
            actor=actor,
        )
        if self._exists(credential.id):
            msg = f"provider {provider.code} already defined a micro-credential with code {code!r}"
            raise errors.MicroCredentialAlreadyDefined(msg)
        try:
            return self._save(credential)
        except errors.ConcurrentUpdate:
            msg = f"provider {provider.code} already defined a micro-credential with code {code!r}"
            raise errors.MicroCredentialAlreadyDefined(msg) from None

    def amend_micro_credential(
        self,
        credential_id: UUID,
        *,
        changes: dict[str, Any],
        reason: str,
        actor: str,
        acting_provider: UUID | None = None,
    ) -> Receipt:
        credential = self._own_credential(credential_id, acting_provider)
        credential.amend(changes=changes, reason=reason, policy=self.policy, actor=actor)
        return self._save(credential)

    def change_assessment_method(
        self,
        credential_id: UUID,
        *,
        assessment_type: str,
        reason: str,
        actor: str,
        acting_provider: UUID | None = None,
    ) -> Receipt:
        credential = self._own_credential(credential_id, acting_provider)
        credential.change_assessment_method(
            assessment_type=assessment_type, reason=reason, policy=self.policy, actor=actor
        )
        return self._save(credential)

    def accredit_micro_credential(
        self, credential_id: UUID, *, decision_reference: str, actor: str
    ) -> Receipt:
        credential = self.get_micro_credential(credential_id)
        provider = self.get_provider(credential.provider_id)
        provider.check_may_issue(
            level=credential.specification.nqf_level,
            field_of_study=credential.specification.field_of_study,
            on=self._today(),
        )
        credential.accredit(decision_reference=decision_reference, actor=actor)
        return self._save(credential)

    def revalidate_micro_credential(
        self, credential_id: UUID, *, decision_reference: str, actor: str
    ) -> Receipt:
        credential = self.get_micro_credential(credential_id)
        credential.revalidate(decision_reference=decision_reference, actor=actor)
        return self._save(credential)

    def withdraw_micro_credential(
        self, credential_id: UUID, *, reason: str, decision_reference: str, actor: str
    ) -> Receipt:
        credential = self.get_micro_credential(credential_id)
        credential.withdraw(reason=reason, decision_reference=decision_reference, actor=actor)
        return self._save(credential)

    # --- awards ---------------------------------------------------------------------
    def issue_award(self, *, provider_id: UUID, request: IssueRequest, actor: str) -> BatchReceipt:
        return self.issue_awards(provider_id=provider_id, requests=[request], actor=actor)

    def issue_awards(
        self, *, provider_id: UUID, requests: Sequence[IssueRequest], actor: str
    ) -> BatchReceipt:
        """Issue a batch of awards, all or nothing. Re-sending an award the provider
        already issued (same provider reference, learner and credential) returns it
        again and writes nothing: providers retry freely."""
        self.policy.check_batch_size(len(requests))
        for attempt in range(SAVE_ATTEMPTS):
            try:
                with self.issuance_turns.turn(exclusive=attempt > 0) as shared_in_save:
                    return self._issue_once(provider_id, requests, actor, shared_in_save)
            except errors.ConcurrentUpdate:
                if attempt == SAVE_ATTEMPTS - 1:
                    raise
                with self._counting_retries:
                    self.batch_retries += 1
                for listener in self.retry_listeners:
                    listener()
                logger.info("a batch of %d awards lost a race; it retries alone", len(requests))
        raise AssertionError("unreachable")  # pragma: no cover

    def _issue_once(
        self, provider_id: UUID, requests: Sequence[IssueRequest], actor: str, shared_turn: bool
    ) -> BatchReceipt:
        today = self._today()
        references = [r.provider_reference.strip() for r in requests]
        # A reference no text may hold is refused with its item below, by the domain;
        # it is not looked up (PostgreSQL text cannot even carry U+0000).
        existing = self.ledger_recorder.locate_awards_by_reference(
            provider_id,
            (ref for ref in references if ref and not text.has_control(ref)),
        )
        credential_ids = {r.micro_credential_id for r in requests}
        batch, loaded = self._batch_with_records_of(
            (r.learner_id for r in requests), also=[provider_id, *credential_ids]
        )
        provider = self._loaded(loaded, provider_id, Provider, errors.ProviderNotFound)
        results: list[IssuedAward] = []
        failures: list[ItemFailure] = []
        # Awards issued earlier in this batch are located too: one reference used twice
        # in a batch for two learners is a conflict, not a storage race to retry.
        issued_here: dict[str, AwardLocation] = {}
        for index, (request, reference) in enumerate(zip(requests, references, strict=True)):
            try:
                if not reference:
                    msg = "the provider's own reference for the award is required"
                    raise errors.MissingStandardElement(msg)
                credential = self._loaded(
                    loaded,
                    request.micro_credential_id,
                    MicroCredential,
                    errors.MicroCredentialNotFound,
                )
                self._check_owner(credential, provider_id)
                located = existing.get(reference) or issued_here.get(reference)
                record = self._record_for(request.learner_id, batch, actor, located)
                if located is not None and located.award_id in record.awards:
                    results.append(self._replayed(record, located.award_id, request))
                    continue
                issued_on = request.issued_on or today
                self._check_may_issue(provider, credential, request.assessment, issued_on)
                award_id = ids.new_award_id()
                record.issue(
                    award_id=award_id,
                    terms=self._terms(credential),
                    provider_reference=request.provider_reference,
                    assessment=request.assessment,
                    issued_on=issued_on,
                    expires_on=self.policy.expiry_for(issued_on),
                    actor=actor,
                )
                location = AwardLocation(award_id, record.id, provider_id, reference)
                batch.locations.append(location)
                issued_here[reference] = location
                results.append(IssuedAward(award_id, record.learner_id, reference, True))
            except errors.LedgerError as error:
                failures.append(ItemFailure(index, error))
        if failures:
            raise BatchRejected(failures)
        receipt = self._save_batch(batch, shared_turn=shared_turn)
        return BatchReceipt(results, receipt)

    def recognise_prior_learning(
        self, *, provider_id: UUID, request: IssueRequest, evidence: str, actor: str
    ) -> BatchReceipt:
        provider = self.get_provider(provider_id)
        credential = self.get_micro_credential(request.micro_credential_id)
        self._check_owner(credential, provider_id)
        reference = _reference(request.provider_reference).strip()
        located = self._located(provider_id, reference)
        batch = _Batch()
        record = self._record_for(request.learner_id, batch, actor, located)
        if located is not None and located.award_id in record.awards:
            return BatchReceipt([self._replayed(record, located.award_id, request)], None)
        issued_on = request.issued_on or self._today()
        self._check_may_issue(
            provider, credential, request.assessment, issued_on, through_course=False
        )
        award_id = ids.new_award_id()
        record.recognise_prior_learning(
            award_id=award_id,
            terms=self._terms(credential),
            provider_reference=request.provider_reference,
            assessment=request.assessment,
            evidence=evidence,
            issued_on=issued_on,
            expires_on=self.policy.expiry_for(issued_on),
            actor=actor,
        )
        batch.locations.append(AwardLocation(award_id, record.id, provider_id, reference))
        position = self._save_batch(batch)
        return BatchReceipt([IssuedAward(award_id, record.learner_id, reference, True)], position)

    def stack_awards(
        self,
        *,
        provider_id: UUID,
        learner_id: str,
        target_credential_id: UUID,
        component_award_ids: Sequence[UUID],
        provider_reference: str,
        actor: str,
    ) -> BatchReceipt:
        """Rule 6: combine a learner's valid awards into a larger credential."""
        provider = self.get_provider(provider_id)
        target = self.get_micro_credential(target_credential_id)
        self._check_owner(target, provider_id)
        if target.stacking_rule is None:
            msg = (
                f"micro-credential {target.code} is not built from other credentials (it has no "
                "stacking rule)"
            )
            raise errors.NotAStackedCredential(msg)
        target.check_may_issue(self.policy)
        today = self._today()
        provider.check_may_issue(
            level=target.specification.nqf_level,
            field_of_study=target.specification.field_of_study,
            on=today,
        )
        reference = _reference(provider_reference).strip()
        # The index first: an award it names is on the record read after it.
        located = self._located(provider_id, reference)
        record = self.get_learner_record(learner_id)
        if located is not None:
            existing = record.awards.get(located.award_id)
            if existing is not None and existing.terms.micro_credential_id == target_credential_id:
                replayed = IssuedAward(
                    located.award_id, learner_id, existing.provider_reference, False
                )
                return BatchReceipt([replayed], None)
            msg = f"reference {provider_reference!r} already names another award of this provider"
            raise errors.ProviderReferenceConflict(msg)
        award_id = ids.new_award_id()
        record.stack(
            award_id=award_id,
            terms=self._terms(target),
            rule=target.stacking_rule,
            provider_reference=provider_reference,
            component_award_ids=tuple(component_award_ids),
            issued_on=today,
            at=self.clock(),
            expires_on=self.policy.expiry_for(today),
            actor=actor,
        )
        batch = _Batch(records={record.id: record})
        batch.locations.append(AwardLocation(award_id, record.id, provider_id, reference))
        position = self._save_batch(batch)
        stacked = IssuedAward(award_id, learner_id, reference, True)
        return BatchReceipt([stacked], position)

    def revoke_award(
        self,
        award_id: UUID,
        *,
        category: RevocationReason,
        note: str | None = None,
        actor: str,
        acting_provider: UUID | None = None,
    ) -> Receipt:
        """Rule 5: a revocation needs a reason and an actor; the award stays in history.
        The reason is a ``category`` (public); the ``note`` is private to the issuing
        provider and the authority, and required with ``other``. ``acting_provider`` is
        the provider a provider key acts for; ``None`` is the authority."""
        location = self.locate_award(award_id)
        if acting_provider is not None and location.provider_id != acting_provider:
            msg = f"award {award_id} was issued by another provider"
            raise errors.NotYourObject(msg)
        record = self._get(location.learner_record_id, LearnerRecord, errors.LearnerNotFound)
        record.revoke(award_id=award_id, category=category, note=note, actor=actor)
        return self._save(record)

    # --- learners' personal data ----------------------------------------------------
    def record_personal_data(
        self,
        learner_id: str,
        data: dict[str, str],
        *,
        actor: str,
        acting_provider: UUID | None = None,
    ) -> Receipt:
        """Record (or replace) a learner's personal data, encrypted with their key.
        ``acting_provider`` is the provider a provider key acts for (it must hold an
        award on the record; see `LearnerRecord.check_personal_data_custodian`);
        ``None`` is the authority."""
        unknown = sorted(set(data) - set(privacy.PERSONAL_FIELDS))
        if unknown:
            msg = (
                f"unknown personal data fields: {', '.join(unknown)} (known: "
                f"{', '.join(privacy.PERSONAL_FIELDS)})"
            )
            raise errors.MissingStandardElement(msg)
        for name, value in data.items():
            text.check_line(value, "personal_data", name)
        batch = _Batch()
        record = self._record_for(learner_id, batch, actor, None)
        # Before anything else, the erasure check included: a stranger learns nothing.
        record.check_personal_data_custodian(acting_provider)
        key = self.ledger_recorder.learner_key(record.id)
        if key is None:
            if self.ledger_recorder.learner_key_ever_existed(record.id):
                msg = "this learner's personal data was erased; it is not recorded again"
                raise errors.PersonalDataErased(msg)
            key = privacy.new_key()
            batch.new_keys.append((record.id, key))
        record.record_personal_data(
            ciphertext=privacy.encrypt(key, record.id, dict(data)),
            actor=actor,
            acting_provider=acting_provider,
        )
        batch.records[record.id] = record
        return Receipt(record.id, self._save_batch(batch))

    def read_personal_data(
        self, learner_id: str, *, acting_provider: UUID | None = None
    ) -> dict[str, Any] | None:
        """The learner's personal data, or ``None`` if there is none or it was erased.
        The same people may read it as may record it."""
        try:
            record = self.get_learner_record(learner_id)
        except errors.LearnerNotFound:
            if acting_provider is not None:  # a stranger is told no more than "not yours"
                raise errors.NotYourLearner(NOT_YOUR_LEARNER) from None
            raise
        record.check_personal_data_custodian(acting_provider)
        if record.personal_data is None:
            return None
        key = self.ledger_recorder.learner_key(record.id)
        if key is None:
            return None
        return privacy.decrypt(key, record.id, record.personal_data)

    def personal_data_fingerprint(
        self, learner_id: str, request: bytes, *, acting_provider: UUID | None = None
    ) -> str:
        """What a side table (the API's idempotency records) may keep to recognise a
        request that carries this learner's personal data: an HMAC under a key derived
        from the learner's own key, destroyed by erasure with it. While the learner has
        no key yet, a stand-in of the record id only (no personal data in it). Refuses
        as `record_personal_data` would: another provider's learner, an erased one."""
        record_id = ids.learner_record_id(learner_id)
        try:
            record: LearnerRecord | None = self.get_learner_record(learner_id)
        except errors.LearnerNotFound:
            record = None
        if record is None:
            if acting_provider is not None:
                raise errors.NotYourLearner(NOT_YOUR_LEARNER)
        else:
            record.check_personal_data_custodian(acting_provider)
        key = self.ledger_recorder.learner_key(record_id)
        if key is None:
            if self.ledger_recorder.learner_key_ever_existed(record_id):
                msg = "this learner's personal data was erased; it is not recorded again"
                raise errors.PersonalDataErased(msg)
            return privacy.keyless_fingerprint(record_id)
        return privacy.keyed_fingerprint(key, record_id, request)

    def erase_learner(self, learner_id: str, *, reason: str, actor: str) -> Receipt:
        """Crypto-shred the learner's personal data: the key goes, in the same
        transaction as the event that records the erasure."""
        record = self.get_learner_record(learner_id)
        record.erase_personal_data(reason=reason, actor=actor)
        position = self._save_with(record, side_effects=SideEffects(erased_keys=[record.id]))
        self._journal_erasure(record, position)
        try:
            self.ledger_recorder.purge_erased_keys()
        except Exception:  # best effort: the key is already unreadable through the ledger
            logger.warning("could not purge old versions of erased learner keys", exc_info=True)
        return Receipt(record.id, position)

    def _journal_erasure(self, record: LearnerRecord, position: int | None) -> None:
        path = self.settings.erasure_journal_path
        if path is None:
            return
        entry = ErasureEntry(record.learner_id, record.id, self.clock(), position)
        try:
            ErasureJournal(path).append(entry)
        except OSError:
            # The erasure has committed and stands (answering an error now would make a
            # retry fail as "already erased"); what is lost is the guard against a
            # restore bringing this key back, which an operator must hear about.
            logger.error(
                "erasure of learner record %s committed but could not be journalled in %s;"
                " add it by hand before any restore",
                record.id,
                path,
                exc_info=True,
            )

    def reapply_erasures(self, *, actor: str) -> list[ErasureEntry]:
        """Erase again every learner the journal names whose key is readable in this
        store (a backup from before their erasure was restored). Returns those erased."""
        path = self.settings.erasure_journal_path
        if path is None:
            return []
        erased: list[ErasureEntry] = []
        for entry in ErasureJournal(path).entries():
            if self.ledger_recorder.learner_key(entry.learner_record_id) is None:
                continue  # erased here too, or the backup predates the learner's data
            self.erase_learner(
                entry.learner_id,
                reason=(
                    "re-applied from the erasure journal after a restore (first erased "
                    f"{entry.erased_at.isoformat()}, log position {entry.position})"
                ),
                actor=actor,
            )
            erased.append(entry)
        return erased

    # --- queries --------------------------------------------------------------------
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

    def find_award(self, provider_id: UUID, provider_reference: str) -> UUID | None:
        """The id of the provider's award with this reference of its own, if any: award
        ids are random, so this is how a provider's reference leads to its award."""
        location = self._located(provider_id, provider_reference.strip())
        return None if location is None else location.award_id

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

    def award_status(self, award_id: UUID, *, at: datetime | None = None) -> AwardStatusReport:
        """The status of an award as it was at ``at`` (now by default), reconstructed
        from the events: "was this credential valid on the day we hired her?"."""
        moment = _aware(at) if at is not None else self.clock()
        location = self.locate_award(award_id)
        try:
            record: LearnerRecord | None = self._get(
                location.learner_record_id, LearnerRecord, errors.LearnerNotFound, at=moment
            )
        except errors.LearnerNotFound:
            record = None  # the learner's record itself was opened after that moment
        if record is None or award_id not in record.awards:
            # The award exists now but had not been issued yet at that moment.
            current = self._get(location.learner_record_id, LearnerRecord, errors.LearnerNotFound)
            award = current.award(award_id)
            status = AwardStatus.NOT_YET_ISSUED
        else:
            award = record.awards[award_id]
            status = award.status_at(moment)
        provider = self._get_at_or_first(location.provider_id, Provider, moment)
        credential = self._get_at_or_first(award.terms.micro_credential_id, MicroCredential, moment)
        if status is AwardStatus.VALID:
            status = award_status(
                at=moment,
                revoked_at=None,
                expires_on=None,
                issuer_withdrawn=provider.state is ProviderState.WITHDRAWN,
                flag_withdrawn_issuer=self.policy.flags_withdrawn_issuer,
            )
        return AwardStatusReport(award, status, moment, provider, credential)

    def check_audit_filter(
        self,
        *,
        provider_id: UUID | None = None,
        event_type: str | None = None,
        aggregate_type: str | None = None,
    ) -> None:
        """Refuse an audit query naming what the ledger never recorded (an unknown
        provider, event or aggregate type): it would match nothing and look like an
        empty history."""
        if event_type is not None:
            event_types.check_event_type(event_type)
        if aggregate_type is not None:
            event_types.check_aggregate_type(aggregate_type)
        if provider_id is not None and not self._exists(provider_id):
            raise _not_found(errors.ProviderNotFound, provider_id)

    def provider_award(self, award_id: UUID, *, acting_provider: UUID) -> AwardStatusReport:
        """An award as its issuing provider reads it (with the revocation's private
        note): only the provider that issued it."""
        if self.locate_award(award_id).provider_id != acting_provider:
            msg = f"award {award_id} was issued by another provider"
            raise errors.NotYourObject(msg)
        return self.award_status(award_id)

    def history(self, aggregate_id: UUID) -> list[Any]:
        """Every event of one aggregate, oldest first: its complete audit history."""
        events = list(self.events.get(aggregate_id))
        if not events:
            msg = f"nothing in the ledger has id {aggregate_id}"
            raise errors.NotFound(msg)
        return events

    def aggregate_at(
        self, aggregate_id: UUID, *, at: datetime | None = None, version: int | None = None
    ) -> Aggregate:
        """Any aggregate as it was at a time or version."""
        return self._get(aggregate_id, Aggregate, errors.NotFound, at=at, version=version)

    # --- helpers --------------------------------------------------------------------
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

    def _get_at_or_first(
        self, aggregate_id: UUID, kind: type[TAggregate], at: datetime
    ) -> TAggregate:
        """The aggregate at ``at`` or, if it did not yet exist then, as first recorded."""
        try:
            return self._get(aggregate_id, kind, errors.NotFound, at=at)
        except errors.NotFound:
            return self._get(aggregate_id, kind, errors.NotFound, version=1)

    def _own_credential(self, credential_id: UUID, acting_provider: UUID | None) -> MicroCredential:
        credential = self.get_micro_credential(credential_id)
        if acting_provider is not None:
            self._check_owner(credential, acting_provider)
        return credential

    @staticmethod
    def _check_owner(credential: MicroCredential, provider_id: UUID) -> None:
        if credential.provider_id != provider_id:
            msg = f"micro-credential {credential.code} belongs to another provider"
            raise errors.NotYourObject(msg)

    def _check_may_issue(
        self,
        provider: Provider,
        credential: MicroCredential,
        assessment: Assessment,
        on: date,
        *,
        through_course: bool = True,
    ) -> None:
        """Rules 1, 3 and 4 across the provider and the credential. Prior learning is
        validated by its own method (a portfolio review, a challenge test), so only a
        course award must use the credential's stated assessment method."""
        provider.check_may_issue(
            level=credential.specification.nqf_level,
            field_of_study=credential.specification.field_of_study,
            on=on,
        )
        credential.check_may_issue(self.policy)
        check_not_in_future(on, self._today())
        if through_course:
            credential.check_course_assessment(assessment)

    @staticmethod
    def _terms(credential: MicroCredential) -> AwardTerms:
        spec = credential.specification
        return AwardTerms(
            micro_credential_id=credential.id,
            provider_id=credential.provider_id,
            title=spec.title,
            workload_ects=spec.workload_ects,
            nqf_level=spec.nqf_level,
            eqf_level=spec.eqf_level,
        )

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

    def _batch_with_records_of(
        self, learner_ids: Iterable[str], *, also: Iterable[UUID] = ()
    ) -> tuple[_Batch, dict[UUID, Aggregate]]:
        """A batch holding these learners' existing records, and knowing which have none
        yet, with the aggregates named in ``also`` (the provider, its credentials): all
        read in one query rather than one per award (the issuance hot path)."""
        record_ids = {
            learner: ids.learner_record_id(learner) for learner in learner_ids if learner.strip()
        }
        wanted = set(record_ids.values())
        loaded: dict[UUID, Aggregate] = {}
        for aggregate_id, stored in self.ledger_recorder.select_events_of(
            wanted.union(also)
        ).items():
            aggregate: Aggregate | None = None
            for stored_event in stored:
                aggregate = self.mapper.to_domain_event(stored_event).mutate(aggregate)  # type: ignore[attr-defined]
            if aggregate is not None:
                loaded[aggregate_id] = aggregate
        batch = _Batch(record_ids=record_ids)
        for record_id in wanted:
            record = loaded.get(record_id)
            if isinstance(record, LearnerRecord):
                batch.records[record_id] = record
        batch.without_record = wanted - batch.records.keys()
        return batch, loaded

    @staticmethod
    def _replayed(record: LearnerRecord, award_id: UUID, request: IssueRequest) -> IssuedAward:
        existing = record.awards[award_id]
        if existing.terms.micro_credential_id != request.micro_credential_id:
            msg = (
                f"reference {request.provider_reference!r} already names an award of another "
                "micro-credential"
            )
            raise errors.ProviderReferenceConflict(msg)
        return IssuedAward(award_id, record.learner_id, existing.provider_reference, False)

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

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.issuance_turns.close()
        monitor = self.__dict__.pop("store_monitor", None)
        if monitor is not None:
            monitor.release()
        with contextlib.suppress(Exception):
            super().close()
