"""Any aggregate as it was at a time or version, reconstructed from its events, and its
full history: "was this credential valid on the day we hired her?"."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from ledger import errors
from ledger.application import Ledger
from ledger.domain.provider import Provider, ProviderState
from ledger.domain.status import AwardStatus
from ledger.domain.values import RevocationReason
from tests.conftest import AUTHORITY, THE_AUTHORITY, provider_principal
from tests.integration.scenario import issue_one, ready_to_issue


def day_before(award_day: date) -> datetime:
    """The last moment of the day before ``award_day``: an award is issued on a day, so
    before that day it was not yet issued (whenever it was entered that day)."""
    return datetime.combine(award_day, datetime.min.time(), UTC) - timedelta(microseconds=1)


def moment() -> datetime:
    """A time strictly between the events before and after it."""
    time.sleep(0.002)
    now = datetime.now(UTC)
    time.sleep(0.002)
    return now


def test_a_provider_as_it_was_at_a_time(ledger: Ledger) -> None:
    before_registration = moment()
    setup = ready_to_issue(ledger)
    while_accredited = moment()
    ledger.suspend_provider(
        setup.provider, reason="audit", decision_reference="S1", by=THE_AUTHORITY
    )
    while_suspended = moment()

    assert (
        ledger.get_provider(setup.provider, at=while_accredited).state is ProviderState.ACCREDITED
    )
    assert ledger.get_provider(setup.provider, at=while_suspended).state is ProviderState.SUSPENDED
    assert ledger.get_provider(setup.provider).state is ProviderState.SUSPENDED
    with pytest.raises(errors.ProviderNotFound):
        ledger.get_provider(setup.provider, at=before_registration)


def test_a_provider_as_it_was_at_a_version(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    ledger.suspend_provider(
        setup.provider, reason="audit", decision_reference="S1", by=THE_AUTHORITY
    )
    assert ledger.get_provider(setup.provider, version=1).state is ProviderState.REGISTERED
    assert ledger.get_provider(setup.provider, version=2).state is ProviderState.ACCREDITED
    assert ledger.get_provider(setup.provider, version=3).state is ProviderState.SUSPENDED
    assert isinstance(ledger.aggregate_at(setup.provider, version=1), Provider)


def test_a_micro_credential_and_a_learner_record_at_a_time(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    before_award = moment()
    issue_one(ledger, setup, "R1")
    ledger.amend_micro_credential(
        setup.credential,
        changes={"title": "Renamed"},
        reason="clarity",
        by=provider_principal(setup.provider, "p"),
    )
    assert ledger.get_micro_credential(setup.credential, at=before_award).specification.title == (
        "Data Analytics Fundamentals"
    )
    assert ledger.get_micro_credential(setup.credential).specification.title == "Renamed"
    with pytest.raises(errors.LearnerNotFound):
        ledger.get_learner_record("learner-0001", at=before_award)


def test_award_status_before_and_after_revocation(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    award_id = issue_one(ledger, setup, "R1")
    before_issue = day_before(ledger.award_status(award_id).award.issued_on)
    while_valid = moment()
    ledger.revoke_award(
        award_id,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="misconduct",
        by=THE_AUTHORITY,
    )
    after_revocation = moment()

    assert ledger.award_status(award_id, at=before_issue).status is AwardStatus.NOT_YET_ISSUED
    assert ledger.award_status(award_id, at=while_valid).status is AwardStatus.VALID
    revoked = ledger.award_status(award_id, at=after_revocation)
    assert revoked.status is AwardStatus.REVOKED
    assert revoked.award.revocation_category is RevocationReason.ACADEMIC_MISCONDUCT
    assert revoked.award.revocation_note == "misconduct"
    assert revoked.award.revoked_at is not None
    assert while_valid < revoked.award.revoked_at < after_revocation


def test_an_award_issued_later_to_an_existing_learner_was_not_yet_issued(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    issue_one(ledger, setup, "R1")
    second = issue_one(ledger, setup, "R2")
    between = day_before(ledger.award_status(second).award.issued_on)
    assert ledger.award_status(second, at=between).status is AwardStatus.NOT_YET_ISSUED
    assert ledger.award_status(second).status is AwardStatus.VALID


def test_the_status_report_judges_a_past_moment_by_what_the_register_knows_now(
    ledger: Ledger,
) -> None:
    """Point-in-time answers judge by days, with what the register knows now: the
    credential as it is today; the award's own terms say what it certified."""
    setup = ready_to_issue(ledger)
    award_id = issue_one(ledger, setup, "R1")
    then = moment()
    ledger.withdraw_micro_credential(
        setup.credential, reason="superseded", decision_reference="W", by=THE_AUTHORITY
    )
    report = ledger.award_status(award_id, at=then)
    assert report.credential.state.value == "withdrawn"
    assert report.award.terms.title == "Data Analytics Fundamentals"
    assert report.status is AwardStatus.VALID
    assert ledger.award_status(award_id).credential.state.value == "withdrawn"
    assert ledger.award_status(award_id).status is AwardStatus.VALID  # rule 4/5: awards stay


def test_history_is_every_event_oldest_first(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    ledger.suspend_provider(
        setup.provider, reason="audit", decision_reference="S1", by=THE_AUTHORITY
    )
    ledger.reinstate_provider(
        setup.provider, reason="ok", decision_reference="R1", by=THE_AUTHORITY
    )
    history = ledger.history(setup.provider)
    assert [type(e).__name__ for e in history] == [
        "Registered",
        "Accredited",
        "Suspended",
        "Reinstated",
    ]
    assert [e.originator_version for e in history] == [1, 2, 3, 4]
    assert history[2].reason == "audit"
    assert history[2].decision_reference == "S1"
    assert history[2].actor == AUTHORITY
    assert all(e.timestamp.tzinfo is not None for e in history)
    assert history == sorted(history, key=lambda e: e.timestamp)


def test_history_of_nothing_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(errors.NotFound):
        ledger.history(uuid4())


def test_a_moment_in_the_future_is_the_present(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    award_id = issue_one(ledger, setup, "R1")
    later = datetime.now(UTC) + timedelta(days=1)
    assert ledger.award_status(award_id, at=later).status is AwardStatus.VALID


def test_a_moment_without_a_timezone_is_read_as_utc(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    accredited = moment()
    award_id = issue_one(ledger, setup, "R1")
    before_issue = day_before(ledger.award_status(award_id).award.issued_on)
    naive = before_issue.replace(tzinfo=None)
    assert ledger.award_status(award_id, at=naive).status is AwardStatus.NOT_YET_ISSUED
    later_naive = accredited.replace(tzinfo=None)
    assert ledger.get_provider(setup.provider, at=later_naive).state is ProviderState.ACCREDITED
