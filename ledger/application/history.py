"""The `Ledger`'s queries that answer from the write model: an award's status at a
moment, any aggregate as it was, and complete histories for audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import errors
from ledger.application.base import LedgerBase, _aware, _not_found
from ledger.application.results import AwardStatusReport
from ledger.domain import event_types, stacking
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
        """The status of an award at ``at`` (now by default): "was this credential valid
        on the day we hired her?".

        Judged by the award's day of issue and the days the authority's decisions took
        effect, as the register knows them now (an award entered today, dated last
        month, was valid last month); a revocation counts from the moment it was
        entered. The report carries both the day of issue and the moment of entry. How
        the register itself stood at a moment is the audit's question
        (`aggregate_at`)."""
        moment = _aware(at) if at is not None else self.clock()
        location = self.locate_award(award_id)
        record = self._get(location.learner_record_id, LearnerRecord, errors.LearnerNotFound)
        award = record.award(award_id)
        provider = self._get(location.provider_id, Provider, errors.ProviderNotFound)
        credential = self._get(
            award.terms.micro_credential_id, MicroCredential, errors.MicroCredentialNotFound
        )
        standing = provider.standing_on(moment.date())
        status = record.status_of(award_id, moment)
        if status is AwardStatus.VALID:
            status = award_status(
                at=moment,
                revoked_at=None,
                expires_on=None,
                issuer_withdrawn=standing.state is ProviderState.WITHDRAWN,
                flag_withdrawn_issuer=self.policy.flags_withdrawn_issuer,
            )
        revoked = stacking.revoked_components(record.awards, award, moment)
        return AwardStatusReport(
            award, status, moment, provider, credential, standing, tuple(revoked)
        )

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
