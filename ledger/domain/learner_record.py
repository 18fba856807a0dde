"""A learner's record of awards, known only by a pseudonymous id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import ids, limits, stacking, text
from ledger.domain.assessment import check_assessment
from ledger.domain.audit import AuditedAggregate, require_actor
from ledger.domain.status import AwardStatus, award_status
from ledger.domain.values import Assessment, AwardRoute, RevocationReason, StackingRule
from ledger.errors import (
    AwardAlreadyRevoked,
    AwardNotFound,
    InvalidTransition,
    MissingStandardElement,
    NotYourLearner,
    PersonalDataErased,
    ReasonRequired,
)

NOT_YOUR_LEARNER = (
    "this provider holds no award on this learner's record, so it may not handle the "
    "learner's personal data"
)


@dataclass(frozen=True)
class AwardTerms:
    """What an award certifies, copied from the micro-credential when it is issued so
    that the award keeps saying what it said even if the definition changes later."""

    micro_credential_id: UUID
    provider_id: UUID
    title: str
    workload_ects: Decimal
    nqf_level: int | None
    eqf_level: int | None


@dataclass
class Award:
    award_id: UUID
    terms: AwardTerms
    provider_reference: str
    assessment: Assessment | None
    issued_on: date
    issued_at: datetime
    expires_on: date | None
    route: AwardRoute
    components: tuple[UUID, ...] = ()
    revoked_at: datetime | None = None
    revocation_category: RevocationReason | None = None
    """Public: what the status API and the verification page say about why."""
    revocation_note: str | None = None
    """Private to the issuing provider and the authority: written by people, it says more
    than the public should read (a case number, what was found). Kept in the log forever
    like every event, so never the learner's personal data."""
    revoked_by: str | None = None
    history: list[str] = field(default_factory=list)
    imported_from: str | None = None
    """The earlier register this award was imported from (None: issued in this one)."""

    def status_at(self, at: datetime) -> AwardStatus:
        """The status from this award's own events (the issuer's standing aside)."""
        return award_status(
            at=at, issued_on=self.issued_on, revoked_at=self.revoked_at, expires_on=self.expires_on
        )


class LearnerRecord(AuditedAggregate):
    """Opened on a learner's first award; never closed. Personal data lives here only
    as ciphertext whose key is kept outside the log (crypto-shredding)."""

    @staticmethod
    def create_id(learner_id: str, **_: Any) -> UUID:
        return ids.learner_record_id(learner_id)

    @classmethod
    def open(cls, *, learner_id: str, actor: str) -> LearnerRecord:
        require_actor(actor)
        text.check_line(learner_id, "learner_id")
        if not learner_id.strip():
            msg = "a pseudonymous learner id is required"
            raise MissingStandardElement(msg)
        if len(learner_id.strip()) > limits.LEARNER_ID_MAX:
            msg = f"a learner id is at most {limits.LEARNER_ID_MAX} characters"
            raise MissingStandardElement(msg)
        return cls(learner_id=learner_id.strip(), actor=actor)

    @event("Opened")
    def __init__(self, *, learner_id: str, actor: str) -> None:
        self.learner_id = learner_id
        self.awards: dict[UUID, Award] = {}
        self.personal_data: bytes | None = None
        self.personal_data_erased = False

    # --- commands -------------------------------------------------------------------
    def issue(
        self,
        *,
        award_id: UUID,
        terms: AwardTerms,
        provider_reference: str,
        assessment: Assessment,
        issued_on: date,
        expires_on: date | None,
        actor: str,
        imported_from: str | None = None,
    ) -> None:
        self._check_new_award(award_id, provider_reference)
        check_assessment(assessment, issued_on)
        self.trigger_event(
            self.AwardIssued,
            award_id=award_id,
            terms=terms,
            provider_reference=provider_reference.strip(),
            assessment=assessment,
            issued_on=issued_on,
            expires_on=expires_on,
            actor=actor,
            imported_from=imported_from,
        )

    def recognise_prior_learning(
        self,
        *,
        award_id: UUID,
        terms: AwardTerms,
        provider_reference: str,
        assessment: Assessment,
        evidence: str,
        issued_on: date,
        expires_on: date | None,
        actor: str,
    ) -> None:
        """RPL: the award is granted by validating non-formal or informal learning; it
        still records how that learning was assessed (rule 1)."""
        self._check_new_award(award_id, provider_reference)
        check_assessment(assessment, issued_on)
        text.check_free_text(evidence, "evidence")
        if not evidence.strip():
            msg = "recognition of prior learning needs a description of the evidence validated"
            raise ReasonRequired(msg)
        self.trigger_event(
            self.PriorLearningRecognised,
            award_id=award_id,
            terms=terms,
            provider_reference=provider_reference.strip(),
            assessment=assessment,
            evidence=evidence.strip(),
            issued_on=issued_on,
            expires_on=expires_on,
            actor=actor,
        )

    def revoke(
        self,
        *,
        award_id: UUID,
        category: RevocationReason,
        note: str | None,
        actor: str,
        with_stacked: bool = False,
    ) -> None:
        """Rule 5: the reason is the category (public); the note (private) is required
        with ``other``, which on its own tells neither the public nor the authority why.
        ``with_stacked`` (the national policy's choice): the stacked awards built from
        this one, still unrevoked, are revoked with it, as ``component_revoked``."""
        award = self.award(award_id)
        if award.revoked_at is not None:
            assert award.revocation_category is not None
            msg = (
                f"award {award_id} was already revoked on {award.revoked_at.isoformat()} "
                f"({award.revocation_category.value})"
            )
            raise AwardAlreadyRevoked(msg)
        try:
            category = RevocationReason(category)
        except ValueError:
            known = ", ".join(r.value for r in RevocationReason)
            msg = f"a revocation needs a reason category (rule 5), one of: {known}"
            raise ReasonRequired(msg) from None
        text.check_free_text(note, "note")
        note = note.strip() if note else None
        if category is RevocationReason.OTHER and not note:
            msg = "a revocation for another reason (category other) needs a note saying why"
            raise ReasonRequired(msg)
        self.trigger_event(
            self.AwardRevoked, award_id=award_id, category=category, note=note or None, actor=actor
        )
        if with_stacked:
            for stacked in stacking.unrevoked_stacked_on(self.awards, award_id):
                self.trigger_event(
                    self.AwardRevoked,
                    award_id=stacked.award_id,
                    category=RevocationReason.COMPONENT_REVOKED,
                    note=f"its component {award_id} was revoked",
                    actor=actor,
                )

    def status_of(self, award_id: UUID, at: datetime) -> AwardStatus:
        """An award's status from this record's events: its own, and for a stacked award
        whether a component was revoked by then (the issuer's standing aside)."""
        return stacking.status_of(self.awards, self.award(award_id), at)

    def stack(
        self,
        *,
        award_id: UUID,
        terms: AwardTerms,
        rule: StackingRule,
        provider_reference: str,
        component_award_ids: tuple[UUID, ...],
        issued_on: date,
        at: datetime,
        expires_on: date | None,
        actor: str,
    ) -> None:
        """Rule 6: only valid awards of this learner, and the target's rule must hold.
        Each micro-credential counts once, however many of its awards are given; and
        components already stacked into the same target, by a stacked award that still
        stands, do not stack into it again (that would be a second award for one
        achievement)."""
        self._check_new_award(award_id, provider_reference)
        components = stacking.valid_components(self.awards, component_award_ids, at)
        stacking.check_not_stacked_already(
            self.awards, terms.micro_credential_id, component_award_ids, at
        )
        total = stacking.check_stacking_rule(rule, components)
        self.trigger_event(
            self.AwardsStacked,
            award_id=award_id,
            terms=terms,
            provider_reference=provider_reference.strip(),
            component_award_ids=component_award_ids,
            total_ects=total,
            issued_on=issued_on,
            expires_on=expires_on,
            actor=actor,
        )

    def record_personal_data(
        self, *, ciphertext: bytes, actor: str, acting_provider: UUID | None = None
    ) -> None:
        self.check_personal_data_custodian(acting_provider)
        if self.personal_data_erased:
            msg = "this learner's personal data was erased; it is not recorded again"
            raise PersonalDataErased(msg)
        self.trigger_event(self.PersonalDataRecorded, ciphertext=ciphertext, actor=actor)

    def erase_personal_data(self, *, reason: str, actor: str) -> None:
        if self.personal_data_erased:
            msg = "this learner's personal data was already erased"
            raise PersonalDataErased(msg)
        text.check_free_text(reason, "reason")
        if not reason.strip():
            msg = "an erasure needs a reason (for example the learner's request reference)"
            raise ReasonRequired(msg)
        self.trigger_event(self.PersonalDataErased, reason=reason.strip(), actor=actor)

    # --- queries --------------------------------------------------------------------
    def check_personal_data_custodian(self, acting_provider: UUID | None) -> None:
        """The learner owns the record and acts through a provider that awarded them
        (any award of its own, revoked or expired included) or through the authority
        (``None``); no other provider may record or read their personal data."""
        if acting_provider is None:
            return
        if not any(a.terms.provider_id == acting_provider for a in self.awards.values()):
            raise NotYourLearner(NOT_YOUR_LEARNER)

    def award(self, award_id: UUID) -> Award:
        try:
            return self.awards[award_id]
        except KeyError:
            msg = f"no award {award_id} on this learner's record"
            raise AwardNotFound(msg) from None

    def _check_new_award(self, award_id: UUID, provider_reference: str) -> None:
        text.check_line(provider_reference, "provider_reference")
        if not provider_reference.strip():
            msg = "the provider's own reference for the award is required"
            raise MissingStandardElement(msg)
        if len(provider_reference) > limits.REFERENCE_MAX:
            msg = f"a provider reference is at most {limits.REFERENCE_MAX} characters"
            raise MissingStandardElement(msg)
        if award_id in self.awards:
            msg = f"award {award_id} is already on this learner's record"
            raise InvalidTransition(msg)

    # --- events ---------------------------------------------------------------------
    # Declared explicitly (rather than with @event on a method) because applying them
    # needs the event's own timestamp: an award is issued or revoked at that instant.
    class AwardIssued(Aggregate.Event):
        award_id: UUID
        terms: AwardTerms
        provider_reference: str
        assessment: Assessment
        issued_on: date
        expires_on: date | None
        actor: str
        # The earlier register it was imported from: a field with a default, not a new
        # class version, so that stored events read as None with no upcaster and the
        # views keep decoding this, the most frequent event, the fast way.
        imported_from: str | None = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LearnerRecord)
            aggregate._add_award(self, self.assessment, AwardRoute.COURSE)
            aggregate.awards[self.award_id].imported_from = self.imported_from

    class PriorLearningRecognised(Aggregate.Event):
        award_id: UUID
        terms: AwardTerms
        provider_reference: str
        assessment: Assessment
        evidence: str
        issued_on: date
        expires_on: date | None
        actor: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LearnerRecord)
            aggregate._add_award(self, self.assessment, AwardRoute.PRIOR_LEARNING)

    class AwardsStacked(Aggregate.Event):
        award_id: UUID
        terms: AwardTerms
        provider_reference: str
        component_award_ids: tuple[UUID, ...]
        total_ects: Decimal
        issued_on: date
        expires_on: date | None
        actor: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LearnerRecord)
            aggregate._add_award(self, None, AwardRoute.STACKED)
            aggregate.awards[self.award_id].components = tuple(self.component_award_ids)

    class AwardRevoked(Aggregate.Event):
        """Version 2 replaced the free-text ``reason``, which the public saw, by a
        ``category`` (public) and a ``note`` (private). A version-1 event reads as
        category ``other`` with its text as the note, so that the text is never shown
        publicly again."""

        class_version = 2

        award_id: UUID
        category: RevocationReason
        note: str | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["category"] = RevocationReason.OTHER
            state["note"] = state.pop("reason")

        @property
        def reason(self) -> str:
            """The audit trail's "why" (the authority's, private): category and note."""
            return f"{self.category.value}: {self.note}" if self.note else self.category.value

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LearnerRecord)
            award = aggregate.awards[self.award_id]
            award.revoked_at = self.timestamp
            award.revocation_category = self.category
            award.revocation_note = self.note
            award.revoked_by = self.actor

    class PersonalDataRecorded(Aggregate.Event):
        ciphertext: bytes
        actor: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LearnerRecord)
            aggregate.personal_data = self.ciphertext

    class PersonalDataErased(Aggregate.Event):
        reason: str
        actor: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, LearnerRecord)
            aggregate.personal_data = None
            aggregate.personal_data_erased = True

    def _add_award(
        self,
        issued: LearnerRecord.AwardIssued
        | LearnerRecord.PriorLearningRecognised
        | LearnerRecord.AwardsStacked,
        assessment: Assessment | None,
        route: AwardRoute,
    ) -> None:
        self.awards[issued.award_id] = Award(
            award_id=issued.award_id,
            terms=issued.terms,
            provider_reference=issued.provider_reference,
            assessment=assessment,
            issued_on=issued.issued_on,
            issued_at=issued.timestamp,
            expires_on=issued.expires_on,
            route=route,
        )
