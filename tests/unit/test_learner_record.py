"""A learner's record: issuing with an assessment (rule 1), revocation (rule 5),
stacking (rule 6), prior learning, and personal data that can be erased."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from ledger.domain import ids, stacking
from ledger.domain.learner_record import LearnerRecord
from ledger.domain.status import AwardStatus
from ledger.domain.values import AwardRoute, RevocationReason, StackingRule
from ledger.errors import (
    ActorRequired,
    AlreadyStacked,
    AwardAlreadyRevoked,
    AwardNotFound,
    AwardNotStackable,
    InvalidAssessment,
    InvalidTransition,
    MissingStandardElement,
    PersonalDataErased,
    ReasonRequired,
    StackingRuleNotMet,
)
from tests.conftest import AUTHORITY, PROVIDER_ACTOR, assessment
from tests.unit.builders import issue, open_record, terms

SETU = ids.provider_id("SETU")


def later() -> datetime:
    """A moment safely after anything issued in this test."""
    return datetime.now(UTC) + timedelta(seconds=1)


class TestOpening:
    def test_a_record_is_opened_for_a_pseudonymous_learner_id(self) -> None:
        record = open_record(" learner-0001 ")
        assert record.learner_id == "learner-0001"
        assert record.id == ids.learner_record_id("learner-0001")
        assert record.awards == {}

    @pytest.mark.parametrize("learner_id", ["", "   ", "x" * 129])
    def test_the_learner_id_is_required_and_short(self, learner_id: str) -> None:
        with pytest.raises(MissingStandardElement):
            LearnerRecord.open(learner_id=learner_id, actor=PROVIDER_ACTOR)

    def test_opening_names_its_actor(self) -> None:
        with pytest.raises(ActorRequired):
            LearnerRecord.open(learner_id="l", actor="")


class TestIssuing:
    def test_an_award_records_what_it_certifies_and_how_it_was_assessed(self) -> None:
        record = open_record()
        award_id = issue(record, "SETU-2026-0001")
        award = record.award(award_id)
        assert award.provider_reference == "SETU-2026-0001"
        assert award.assessment == assessment()
        assert award.route is AwardRoute.COURSE
        assert award.status_at(later()) is AwardStatus.VALID

    def test_an_assessment_after_the_issue_date_is_refused(self) -> None:
        record = open_record()
        with pytest.raises(InvalidAssessment, match="cannot be after"):
            record.issue(
                award_id=uuid4(),
                terms=terms(),
                provider_reference="R1",
                assessment=assessment(assessed_on=date(2026, 3, 2)),
                issued_on=date(2026, 3, 1),
                expires_on=None,
                actor=PROVIDER_ACTOR,
            )
        assert record.awards == {}

    def test_an_assessment_on_the_issue_date_is_fine(self) -> None:
        record = open_record()
        record.issue(
            award_id=uuid4(),
            terms=terms(),
            provider_reference="R1",
            assessment=assessment(assessed_on=date(2026, 3, 1)),
            issued_on=date(2026, 3, 1),
            expires_on=None,
            actor=PROVIDER_ACTOR,
        )
        assert len(record.awards) == 1

    @pytest.mark.parametrize("overrides", [{"method": " "}, {"result": ""}])
    def test_the_assessment_records_a_method_and_a_result_rule_1(
        self, overrides: dict[str, Any]
    ) -> None:
        record = open_record()
        with pytest.raises(InvalidAssessment):
            record.issue(
                award_id=uuid4(),
                terms=terms(),
                provider_reference="R1",
                assessment=assessment(**overrides),
                issued_on=date.today(),
                expires_on=None,
                actor=PROVIDER_ACTOR,
            )

    def test_an_accommodation_is_recorded_on_the_award_not_as_a_change_of_method(self) -> None:
        record = open_record()
        award_id = uuid4()
        record.issue(
            award_id=award_id,
            terms=terms(),
            provider_reference="R1",
            assessment=assessment(accommodation="extra time, screen reader"),
            issued_on=date.today(),
            expires_on=None,
            actor=PROVIDER_ACTOR,
        )
        held = record.award(award_id).assessment
        assert held is not None
        assert (held.method, held.accommodation) == (
            "practical project",
            "extra time, screen reader",
        )

    @pytest.mark.parametrize("reference", ["", "  ", "r" * 201])
    def test_the_providers_own_reference_is_required_and_bounded(self, reference: str) -> None:
        with pytest.raises(MissingStandardElement):
            issue(open_record(), reference)

    def test_the_same_award_is_not_added_twice(self) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        with pytest.raises(InvalidTransition):
            issue(record, "R1", award_id=award_id)

    def test_issuing_names_its_actor(self) -> None:
        record = open_record()
        with pytest.raises(ActorRequired):
            record.issue(
                award_id=uuid4(),
                terms=terms(),
                provider_reference="R1",
                assessment=assessment(),
                issued_on=date.today(),
                expires_on=None,
                actor="",
            )

    def test_an_unknown_award_is_not_found(self) -> None:
        with pytest.raises(AwardNotFound):
            open_record().award(uuid4())


class TestRevocation:
    """Rule 5: a reason and an actor; the award stays, shown as revoked, from when, why."""

    def test_a_revoked_award_stays_on_the_record_as_revoked_from_then(self) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        before = datetime.now(UTC)
        record.revoke(
            award_id=award_id,
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="  exam board case EB-2026-113  ",
            actor=AUTHORITY,
        )
        award = record.award(award_id)
        assert award.revocation_category is RevocationReason.ACADEMIC_MISCONDUCT
        assert award.revocation_note == "exam board case EB-2026-113"
        assert award.revoked_by == AUTHORITY
        assert award.revoked_at is not None and award.revoked_at >= before
        assert award.status_at(award.revoked_at) is AwardStatus.REVOKED
        assert award.status_at(award.revoked_at - timedelta(microseconds=1)) is AwardStatus.VALID
        # issued on a day: not yet issued before it, whenever it was entered that day
        day_before = datetime.combine(award.issued_on, datetime.min.time(), UTC) - timedelta(
            microseconds=1
        )
        assert award.status_at(day_before) is AwardStatus.NOT_YET_ISSUED

    @pytest.mark.parametrize("category", ["", "misbehaviour", None])
    def test_revocation_needs_a_reason_category_from_the_list(self, category: Any) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        with pytest.raises(ReasonRequired, match="rule 5"):
            record.revoke(award_id=award_id, category=category, note="n", actor=AUTHORITY)
        assert record.award(award_id).revoked_at is None

    @pytest.mark.parametrize("note", [None, "", "   "])
    def test_a_revocation_for_another_reason_needs_a_note(self, note: str | None) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        with pytest.raises(ReasonRequired, match="needs a note"):
            record.revoke(
                award_id=award_id, category=RevocationReason.OTHER, note=note, actor=AUTHORITY
            )
        assert record.award(award_id).revoked_at is None

    @pytest.mark.parametrize("note", [None, "", "   "])
    def test_a_category_other_than_other_is_reason_enough(self, note: str | None) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        record.revoke(
            award_id=award_id,
            category=RevocationReason.ISSUED_IN_ERROR,
            note=note,
            actor=AUTHORITY,
        )
        award = record.award(award_id)
        assert (award.revocation_category, award.revocation_note) == (
            RevocationReason.ISSUED_IN_ERROR,
            None,
        )

    def test_revocation_needs_an_actor(self) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        with pytest.raises(ActorRequired):
            record.revoke(
                award_id=award_id,
                category=RevocationReason.ACADEMIC_MISCONDUCT,
                note="misconduct",
                actor=" ",
            )

    def test_an_award_is_revoked_only_once(self) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        record.revoke(
            award_id=award_id,
            category=RevocationReason.ADMINISTRATIVE,
            note="first",
            actor=AUTHORITY,
        )
        with pytest.raises(AwardAlreadyRevoked, match="administrative"):
            record.revoke(
                award_id=award_id,
                category=RevocationReason.OTHER,
                note="second",
                actor=AUTHORITY,
            )

    def test_an_award_not_on_the_record_cannot_be_revoked(self) -> None:
        with pytest.raises(AwardNotFound):
            open_record().revoke(
                award_id=uuid4(),
                category=RevocationReason.OTHER,
                note="r",
                actor=AUTHORITY,
            )


class TestStacking:
    """Rule 6: only valid awards of the same learner, and the target's rule holds."""

    @pytest.fixture
    def components(self) -> tuple[LearnerRecord, list[UUID], list[UUID]]:
        """A record with three 10-ECTS awards of three different credentials."""
        record = open_record()
        credentials = [uuid4(), uuid4(), uuid4()]
        awards = [
            issue(record, f"R{n}", award_terms=terms(credential))
            for n, credential in enumerate(credentials)
        ]
        return record, credentials, awards

    @staticmethod
    def stack(
        record: LearnerRecord,
        component_ids: list[UUID],
        rule: StackingRule,
        at: datetime | None = None,
        target: UUID | None = None,
        reference: str = "STACK-1",
    ) -> UUID:
        award_id = uuid4()
        record.stack(
            award_id=award_id,
            terms=terms(target, workload=Decimal(30)),
            rule=rule,
            provider_reference=reference,
            component_award_ids=tuple(component_ids),
            issued_on=date.today(),
            at=at or later(),
            expires_on=None,
            actor=PROVIDER_ACTOR,
        )
        return award_id

    def test_three_valid_awards_stack_into_a_larger_credential(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, credentials, awards = components
        rule = StackingRule(required_components=tuple(credentials), min_total_ects=Decimal(30))
        stacked = record.award(self.stack(record, awards, rule))
        assert stacked.route is AwardRoute.STACKED
        assert stacked.components == tuple(awards)
        assert stacked.assessment is None
        assert record.collect_events()[-1].total_ects == Decimal(30)  # type: ignore[attr-defined]

    def test_a_required_component_missing_is_refused(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, credentials, awards = components
        rule = StackingRule(required_components=(*credentials, uuid4()))
        with pytest.raises(StackingRuleNotMet, match="requires components"):
            self.stack(record, awards, rule)

    def test_too_few_ects_is_refused(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, _, awards = components
        with pytest.raises(StackingRuleNotMet, match="20 ECTS"):
            self.stack(record, awards[:2], StackingRule(min_total_ects=Decimal(30)))

    def test_a_revoked_award_does_not_stack(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, _, awards = components
        record.revoke(
            award_id=awards[0],
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="misconduct",
            actor=AUTHORITY,
        )
        with pytest.raises(AwardNotStackable, match="revoked"):
            self.stack(record, awards, StackingRule())

    def test_an_expired_award_does_not_stack(self) -> None:
        record = open_record()
        expiring = issue(record, "OLD", expires_on=date.today() + timedelta(days=30))
        fresh = issue(record, "NEW")
        self.stack(record, [expiring, fresh], StackingRule(), at=later())
        record = open_record("learner-0002")
        expiring = issue(record, "OLD", expires_on=date.today() + timedelta(days=30))
        with pytest.raises(AwardNotStackable, match="expired"):
            self.stack(record, [expiring], StackingRule(), at=later() + timedelta(days=30))

    def test_another_learners_award_does_not_stack(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, _, awards = components
        someone_else = open_record("learner-0002")
        theirs = issue(someone_else, "THEIRS")
        with pytest.raises(AwardNotStackable, match="not on this learner's record"):
            self.stack(record, [*awards, theirs], StackingRule())

    @pytest.mark.parametrize("shape", ["empty", "repeated"])
    def test_components_are_named_at_least_once_and_at_most_once(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]], shape: str
    ) -> None:
        record, _, awards = components
        chosen = [] if shape == "empty" else [awards[0], awards[0]]
        with pytest.raises(AwardNotStackable):
            self.stack(record, chosen, StackingRule())

    def test_a_refused_stacking_records_nothing(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, _, awards = components
        version = record.version
        with pytest.raises(StackingRuleNotMet):
            self.stack(record, awards, StackingRule(min_total_ects=Decimal(31)))
        assert record.version == version
        assert len(record.awards) == 3

    def test_two_awards_of_one_credential_count_its_credits_once(self) -> None:
        """Two awards of one 10-ECTS credential are 10 ECTS towards a minimum, not 20."""
        record = open_record()
        credential = uuid4()
        first = issue(record, "R1", award_terms=terms(credential))
        again = issue(record, "R2", award_terms=terms(credential))
        with pytest.raises(StackingRuleNotMet, match="total 10 ECTS"):
            self.stack(record, [first, again], StackingRule(min_total_ects=Decimal(20)))
        other = issue(record, "R3", award_terms=terms(uuid4()))
        self.stack(record, [first, again, other], StackingRule(min_total_ects=Decimal(20)))
        assert record.collect_events()[-1].total_ects == Decimal(20)  # type: ignore[attr-defined]

    def test_the_same_components_do_not_stack_into_the_same_target_twice(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, _, awards = components
        target = uuid4()
        first = self.stack(record, awards, StackingRule(), target=target)
        with pytest.raises(AlreadyStacked, match=str(first)):
            self.stack(record, awards, StackingRule(), target=target, reference="STACK-2")
        with pytest.raises(AlreadyStacked, match=str(awards[1])):
            self.stack(record, awards[1:], StackingRule(), target=target, reference="STACK-3")
        self.stack(record, awards, StackingRule(), target=uuid4(), reference="OTHER-TARGET")

    def test_components_stack_again_once_the_stacked_award_no_longer_stands(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        """A revoked stacked award, or one whose component was revoked, may be replaced
        by a new stacking (from the components still valid)."""
        record, _, awards = components
        target = uuid4()
        first = self.stack(record, awards, StackingRule(), target=target)
        record.revoke(
            award_id=first, category=RevocationReason.ISSUED_IN_ERROR, note=None, actor=AUTHORITY
        )
        second = self.stack(record, awards, StackingRule(), target=target, reference="STACK-2")
        record.revoke(
            award_id=awards[0],
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="misconduct",
            actor=AUTHORITY,
        )
        third = self.stack(record, awards[1:], StackingRule(), target=target, reference="STACK-3")
        assert len({first, second, third}) == 3

    def test_a_stacked_award_with_a_revoked_component_is_not_plainly_valid(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        """By default (the flag policy) the stacked award reads component_revoked, names
        the component, and is not itself revoked: its provider decides."""
        record, _, awards = components
        stacked = self.stack(record, awards, StackingRule())
        assert record.status_of(stacked, later()) is AwardStatus.VALID
        record.revoke(
            award_id=awards[1],
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="case 7",
            actor=AUTHORITY,
        )
        assert record.status_of(stacked, later()) is AwardStatus.COMPONENT_REVOKED
        assert record.award(stacked).revoked_at is None
        assert stacking.revoked_components(record.awards, record.award(stacked), later()) == [
            awards[1]
        ]
        assert record.status_of(awards[0], later()) is AwardStatus.VALID

    def test_the_revoking_policy_revokes_stacked_awards_with_their_component(
        self, components: tuple[LearnerRecord, list[UUID], list[UUID]]
    ) -> None:
        record, _, awards = components
        stacked = self.stack(record, awards[:2], StackingRule())
        larger = self.stack(record, [stacked, awards[2]], StackingRule(), reference="STACK-2")
        record.collect_events()
        record.revoke(
            award_id=awards[0],
            category=RevocationReason.ISSUED_IN_ERROR,
            note=None,
            actor=AUTHORITY,
            with_stacked=True,
        )
        revoked = [e.award_id for e in record.collect_events()]  # type: ignore[attr-defined]
        assert revoked == [awards[0], stacked, larger]
        for award_id in (stacked, larger):
            award = record.award(award_id)
            assert award.revocation_category is RevocationReason.COMPONENT_REVOKED
            assert record.status_of(award_id, later()) is AwardStatus.REVOKED


class TestPriorLearning:
    def recognise(self, record: LearnerRecord, evidence: str) -> UUID:
        award_id = uuid4()
        record.recognise_prior_learning(
            award_id=award_id,
            terms=terms(),
            provider_reference="RPL-1",
            assessment=assessment(method="portfolio review"),
            evidence=evidence,
            issued_on=date.today(),
            expires_on=None,
            actor=PROVIDER_ACTOR,
        )
        return award_id

    def test_prior_learning_recognised_becomes_an_award_with_its_route(self) -> None:
        record = open_record()
        award = record.award(self.recognise(record, "portfolio of 3 years' work as analyst"))
        assert award.route is AwardRoute.PRIOR_LEARNING
        assert award.status_at(later()) is AwardStatus.VALID

    @pytest.mark.parametrize("evidence", ["", "  "])
    def test_prior_learning_needs_the_evidence_validated(self, evidence: str) -> None:
        record = open_record()
        with pytest.raises(ReasonRequired, match="evidence"):
            self.recognise(record, evidence)
        assert record.awards == {}


class TestPersonalData:
    def test_personal_data_is_recorded_as_ciphertext_and_erased(self) -> None:
        record = open_record()
        record.record_personal_data(ciphertext=b"\x00opaque", actor=PROVIDER_ACTOR)
        assert record.personal_data == b"\x00opaque"
        record.erase_personal_data(reason="GDPR request 2026-114", actor=AUTHORITY)
        assert record.personal_data is None
        assert record.personal_data_erased

    def test_erased_personal_data_cannot_be_recorded_again(self) -> None:
        record = open_record()
        record.erase_personal_data(reason="request", actor=AUTHORITY)
        with pytest.raises(PersonalDataErased):
            record.record_personal_data(ciphertext=b"x", actor=PROVIDER_ACTOR)

    def test_erasure_needs_a_reason_and_happens_once(self) -> None:
        record = open_record()
        with pytest.raises(ReasonRequired):
            record.erase_personal_data(reason=" ", actor=AUTHORITY)
        record.erase_personal_data(reason="request", actor=AUTHORITY)
        with pytest.raises(PersonalDataErased):
            record.erase_personal_data(reason="again", actor=AUTHORITY)

    def test_erasure_keeps_the_awards(self) -> None:
        record = open_record()
        award_id = issue(record, "R1")
        record.erase_personal_data(reason="request", actor=AUTHORITY)
        assert record.award(award_id).status_at(later()) is AwardStatus.VALID
