"""The `Ledger`'s commands on awards: issuing them (in batches, all or nothing),
recognising prior learning, stacking, revoking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import errors
from ledger.application.base import LedgerBase, _Batch, _reference, logger
from ledger.application.results import (
    BatchReceipt,
    BatchRejected,
    IssuedAward,
    IssueRequest,
    ItemFailure,
    Receipt,
)
from ledger.domain import ids, text
from ledger.domain.learner_record import AwardTerms, LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.principal import Principal
from ledger.domain.provider import Provider
from ledger.domain.values import Assessment, RevocationReason
from ledger.infrastructure.recorder import AwardLocation

# A batch's first attempt shares its turn with other batches; each retry has the store
# to itself among batches (see `ledger.infrastructure.turns`), so a retry can only lose
# to another kind of write, such as a revocation of one of its learners' awards.
SAVE_ATTEMPTS = 5


class AwardIssuance(LedgerBase):
    """Writing awards onto learners' records."""

    def issue_award(
        self, *, provider_id: UUID, request: IssueRequest, by: Principal
    ) -> BatchReceipt:
        return self.issue_awards(provider_id=provider_id, requests=[request], by=by)

    def issue_awards(
        self,
        *,
        provider_id: UUID,
        requests: Sequence[IssueRequest],
        by: Principal,
        imported_from: str | None = None,
    ) -> BatchReceipt:
        """Issue a batch of awards, all or nothing. Re-sending an award the provider
        already issued (same provider reference, learner and credential) returns it
        again and writes nothing: providers retry freely.

        ``imported_from``: the earlier register the awards come from, in the authority's
        historical import. They are judged on their issue dates only: by no backdating
        bound, and from a provider or under a credential that may since have lost its
        accreditation."""
        if imported_from is not None:
            by.check_is_authority("import awards from an earlier register")
        self.policy.check_batch_size(len(requests))
        for attempt in range(SAVE_ATTEMPTS):
            try:
                with self.issuance_turns.turn(exclusive=attempt > 0) as shared_in_save:
                    return self._issue_once(
                        provider_id, requests, by.actor, shared_in_save, imported_from
                    )
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
        self,
        provider_id: UUID,
        requests: Sequence[IssueRequest],
        actor: str,
        shared_turn: bool,
        imported_from: str | None,
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
        # One AwardTerms per credential of the batch (frozen, of immutable values): the
        # awards of one credential certify the same terms.
        terms_of: dict[UUID, AwardTerms] = {}
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
                self._check_may_issue(
                    provider,
                    credential,
                    request.assessment,
                    issued_on,
                    historical=imported_from is not None,
                )
                terms = terms_of.get(credential.id)
                if terms is None:
                    terms = terms_of[credential.id] = self._terms(credential)
                award_id = ids.new_award_id()
                record.issue(
                    award_id=award_id,
                    terms=terms,
                    provider_reference=request.provider_reference,
                    assessment=request.assessment,
                    issued_on=issued_on,
                    expires_on=self.policy.expiry_for(issued_on),
                    actor=actor,
                    imported_from=imported_from,
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
        self, *, provider_id: UUID, request: IssueRequest, evidence: str, by: Principal
    ) -> BatchReceipt:
        provider = self.get_provider(provider_id)
        credential = self.get_micro_credential(request.micro_credential_id)
        self._check_owner(credential, provider_id)
        reference = _reference(request.provider_reference).strip()
        located = self._located(provider_id, reference)
        batch = _Batch()
        record = self._record_for(request.learner_id, batch, by.actor, located)
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
            actor=by.actor,
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
        by: Principal,
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
            actor=by.actor,
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
        by: Principal,
    ) -> Receipt:
        """Rule 5: a revocation needs a reason and an actor; the award stays in history.
        The reason is a ``category`` (public); the ``note`` is private to the issuing
        provider and the authority, and required with ``other``. A provider revokes only
        the awards it issued; the authority any."""
        location = self.locate_award(award_id)
        if not by.acts_for(location.provider_id):
            msg = f"award {award_id} was issued by another provider"
            raise errors.NotYourObject(msg)
        record = self._get(location.learner_record_id, LearnerRecord, errors.LearnerNotFound)
        record.revoke(
            award_id=award_id,
            category=category,
            note=note,
            actor=by.actor,
            with_stacked=self.policy.revokes_stacked_with_component,
        )
        return self._save(record)

    def _check_may_issue(
        self,
        provider: Provider,
        credential: MicroCredential,
        assessment: Assessment,
        on: date,
        *,
        through_course: bool = True,
        historical: bool = False,
    ) -> None:
        """Rules 1, 3 and 4 across the provider and the credential. Prior learning is
        validated by its own method (a portfolio review, a challenge test), so only a
        course award must use the credential's stated assessment method. The date is
        checked first: the standings are judged on it. A ``historical`` award (imported
        from an earlier register) is judged on its issue date alone."""
        self.policy.check_issue_date(on, self._today(), historical=historical)
        provider.check_may_issue(
            level=credential.specification.nqf_level,
            field_of_study=credential.specification.field_of_study,
            on=on,
            historical=historical,
        )
        credential.check_may_issue(self.policy, on, historical=historical)
        if through_course:
            credential.check_course_assessment(assessment, historical=historical)

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
