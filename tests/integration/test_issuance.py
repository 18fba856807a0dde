"""Issuing awards: idempotent for retries, all or nothing for batches, and a new
learner's record opened in the same transaction as the award."""

from __future__ import annotations

import pytest

from ledger import errors
from ledger.application import BatchRejected, Ledger
from ledger.domain import ids
from ledger.domain.principal import Principal
from tests.conftest import assessment, provider_principal
from tests.integration.scenario import accredited_credential, ready_to_issue, request
from tests.integration.store import RawStore


class TestIdempotency:
    def test_the_same_award_sent_again_is_the_same_award_and_nothing_is_written(
        self, ledger: Ledger
    ) -> None:
        setup = ready_to_issue(ledger)
        first = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "SETU-1"),
            by=provider_principal(setup.provider),
        )
        high_water = ledger.recorder.max_notification_id()
        assert first.position == high_water
        again = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "SETU-1"),
            by=provider_principal(setup.provider),
        )
        assert again.awards[0].award_id == first.awards[0].award_id
        assert (first.awards[0].created, again.awards[0].created) == (True, False)
        assert again.position is None
        assert ledger.recorder.max_notification_id() == high_water
        assert RawStore(ledger).award_index_rows() == 1

    def test_a_retried_batch_writes_only_what_is_new(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        ledger.issue_awards(
            provider_id=setup.provider,
            requests=[request(setup, "R1", "l-1")],
            by=provider_principal(setup.provider),
        )
        before = ledger.recorder.max_notification_id()
        receipt = ledger.issue_awards(
            provider_id=setup.provider,
            requests=[request(setup, "R1", "l-1"), request(setup, "R2", "l-2")],
            by=provider_principal(setup.provider),
        )
        assert [a.created for a in receipt.awards] == [False, True]
        assert before is not None
        assert ledger.recorder.max_notification_id() == before + 2  # l-2 opened + issued

    def test_the_retry_is_still_answered_after_the_provider_is_suspended(
        self, ledger: Ledger
    ) -> None:
        setup = ready_to_issue(ledger)
        first = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R1"),
            by=provider_principal(setup.provider),
        )
        ledger.suspend_provider(
            setup.provider, reason="audit", decision_reference="S", by=Principal.authority("a")
        )
        again = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R1"),
            by=provider_principal(setup.provider),
        )
        assert again.awards[0].award_id == first.awards[0].award_id

    def test_a_reference_reused_for_another_learner_is_refused(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R1", "l-1"),
            by=provider_principal(setup.provider),
        )
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=setup.provider,
                request=request(setup, "R1", "l-2"),
                by=provider_principal(setup.provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.ProviderReferenceConflict)

    def test_a_reference_reused_for_another_credential_is_refused(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        other = accredited_credential(ledger, setup.provider, code="OTHER")
        ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R1"),
            by=provider_principal(setup.provider),
        )
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=setup.provider,
                request=request(setup, "R1", credential=other),
                by=provider_principal(setup.provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.ProviderReferenceConflict)

    def test_one_reference_twice_in_a_batch_for_two_learners_is_a_conflict(
        self, ledger: Ledger
    ) -> None:
        setup = ready_to_issue(ledger)
        before = ledger.recorder.max_notification_id()
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_awards(
                provider_id=setup.provider,
                requests=[request(setup, "R1", "l-1"), request(setup, "R1", "l-2")],
                by=provider_principal(setup.provider),
            )
        assert [f.index for f in refused.value.failures] == [1]
        assert isinstance(refused.value.failures[0].error, errors.ProviderReferenceConflict)
        assert ledger.recorder.max_notification_id() == before

    def test_one_reference_twice_in_a_batch_for_the_same_learner_is_one_award(
        self, ledger: Ledger
    ) -> None:
        setup = ready_to_issue(ledger)
        receipt = ledger.issue_awards(
            provider_id=setup.provider,
            requests=[request(setup, "R1"), request(setup, "R1")],
            by=provider_principal(setup.provider),
        )
        assert [a.created for a in receipt.awards] == [True, False]
        assert len(ledger.get_learner_record("learner-0001").awards) == 1


class TestBatchesAreAllOrNothing:
    def test_one_bad_item_and_nothing_of_the_batch_is_written(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        store = RawStore(ledger)
        before = ledger.recorder.max_notification_id()
        events_before = len(store.stored_events())
        requests = [
            request(setup, "R1", "l-1"),
            request(setup, "R2", "l-2", taken=assessment(result="")),
            request(setup, "R3", "l-3"),
            request(setup, " ", "l-4"),
        ]
        with pytest.raises(BatchRejected, match="nothing was written") as refused:
            ledger.issue_awards(
                provider_id=setup.provider, requests=requests, by=provider_principal(setup.provider)
            )
        failures = refused.value.failures
        assert [f.index for f in failures] == [1, 3]
        assert isinstance(failures[0].error, errors.InvalidAssessment)
        assert isinstance(failures[1].error, errors.MissingStandardElement)
        assert ledger.recorder.max_notification_id() == before
        assert len(store.stored_events()) == events_before
        assert store.award_index_rows() == 0
        for learner in ("l-1", "l-3"):
            with pytest.raises(errors.LearnerNotFound):
                ledger.get_learner_record(learner)

    def test_an_empty_batch_is_refused(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        with pytest.raises(errors.MissingStandardElement):
            ledger.issue_awards(
                provider_id=setup.provider, requests=[], by=provider_principal(setup.provider)
            )

    def test_a_good_batch_is_written_in_one_transaction(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        before = ledger.recorder.max_notification_id() or 0
        requests = [request(setup, f"R{n}", f"l-{n % 3}") for n in range(6)]
        receipt = ledger.issue_awards(
            provider_id=setup.provider, requests=requests, by=provider_principal(setup.provider)
        )
        assert all(a.created for a in receipt.awards)
        assert receipt.position == before + 3 + 6  # three records opened, six awards
        assert RawStore(ledger).award_index_rows() == 6
        for award in receipt.awards:
            assert ledger.locate_award(award.award_id).learner_record_id == ids.learner_record_id(
                award.learner_id
            )


class TestANewLearnersRecordIsOpenedWithTheAward:
    def test_the_record_is_opened_in_the_same_transaction_as_the_award(
        self, ledger: Ledger
    ) -> None:
        setup = ready_to_issue(ledger)
        before = ledger.recorder.max_notification_id() or 0
        receipt = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R1", "new-learner"),
            by=provider_principal(setup.provider, "p"),
        )
        assert receipt.position == before + 2
        notifications = ledger.recorder.select_notifications(start=before + 1, limit=10)
        assert [n.topic.rsplit(".", 1)[-1] for n in notifications] == ["Opened", "AwardIssued"]
        assert {n.originator_id for n in notifications} == {ids.learner_record_id("new-learner")}

    def test_a_refused_first_award_opens_no_record(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        before = ledger.recorder.max_notification_id()
        with pytest.raises(BatchRejected):
            ledger.issue_award(
                provider_id=setup.provider,
                request=request(setup, "R1", "new-learner"),
                by=provider_principal(setup.provider, " "),
            )
        assert ledger.recorder.max_notification_id() == before
        with pytest.raises(errors.LearnerNotFound):
            ledger.get_learner_record("new-learner")
