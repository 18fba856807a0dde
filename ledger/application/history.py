"""The `Ledger`'s queries that answer from the write model: an award's status at a
moment, any aggregate as it was, and complete histories for audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import errors
from ledger.application.base import LedgerBase, TAggregate, _aware, _not_found
from ledger.application.results import AwardStatusReport
from ledger.domain import event_types
from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.principal import Principal
from ledger.domain.provider import Provider, ProviderState
from ledger.domain.status import AwardStatus, award_status


class HistoryQueries(LedgerBase):
    """Point-in-time state and audit history."""

    def find_award(self, provider_id: UUID, provider_reference: str) -> UUID | None:
        """The id of the provider's award with this reference of its own, if any: award
        ids are random, so this is how a provider's reference leads to its award."""
        location = self._located(provider_id, provider_reference.strip())
        return None if location is None else location.award_id

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

    def provider_award(self, award_id: UUID, *, by: Principal) -> AwardStatusReport:
        """An award as its issuing provider reads it (with the revocation's private
        note): only the provider that issued it."""
        if self.locate_award(award_id).provider_id != by.acting_provider:
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

    def _get_at_or_first(
        self, aggregate_id: UUID, kind: type[TAggregate], at: datetime
    ) -> TAggregate:
        """The aggregate at ``at`` or, if it did not yet exist then, as first recorded."""
        try:
            return self._get(aggregate_id, kind, errors.NotFound, at=at)
        except errors.NotFound:
            return self._get(aggregate_id, kind, errors.NotFound, version=1)
