"""The Ledger end to end on SQLite and PostgreSQL: the path from registering a provider
to an employer checking a revoked award, and the rules the application applies across
aggregates, taken from the configured national policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from ledger import errors
from ledger.application import BatchRejected, IssueRequest, Ledger
from ledger.domain.micro_credential import CredentialState
from ledger.domain.provider import ProviderState
from ledger.domain.status import AwardStatus
from ledger.domain.values import AwardRoute, ProviderKind, RevocationReason, StackingRule
from ledger.policy import FINLAND, IRELAND, WithdrawnIssuerRule
from tests.conftest import (
    AUTHORITY,
    THE_AUTHORITY,
    Clock,
    assessment,
    provider_principal,
    spec,
)
from tests.integration.scenario import (
    accredited_credential,
    accredited_provider,
    issue_one,
    ready_to_issue,
    request,
)

MakeLedger = Callable[..., Ledger]


def test_the_whole_flow_from_registration_to_an_employers_check(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    assert ledger.get_provider(setup.provider).state is ProviderState.ACCREDITED
    assert ledger.get_micro_credential(setup.credential).state is CredentialState.ACCREDITED

    award_id = issue_one(ledger, setup, "SETU-2026-0001")
    report = ledger.award_status(award_id)
    assert report.status is AwardStatus.VALID
    assert report.award.terms.title == "Data Analytics Fundamentals"
    assert report.provider.code == "SETU"
    assert report.credential.id == setup.credential

    ledger.revoke_award(
        award_id,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="plagiarism established",
        by=THE_AUTHORITY,
    )
    report = ledger.award_status(award_id)
    assert report.status is AwardStatus.REVOKED
    assert report.award.revocation_category is RevocationReason.ACADEMIC_MISCONDUCT
    assert report.award.revocation_note == "plagiarism established"
    assert report.award.revoked_by == AUTHORITY
    record = ledger.get_learner_record("learner-0001")
    assert award_id in record.awards  # rule 5: nothing is deleted


def test_an_unknown_award_or_provider_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(errors.AwardNotFound):
        ledger.award_status(uuid4())
    with pytest.raises(errors.ProviderNotFound):
        ledger.get_provider(uuid4())
    with pytest.raises(errors.LearnerNotFound):
        ledger.get_learner_record("nobody")


def test_a_provider_registers_once(ledger: Ledger) -> None:
    accredited_provider(ledger, "SETU")
    with pytest.raises(errors.ProviderAlreadyRegistered):
        accredited_provider(ledger, "setu")


def test_a_credential_code_is_defined_once_per_provider(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    with pytest.raises(errors.MicroCredentialAlreadyDefined):
        accredited_credential(ledger, setup.provider)


class TestRule3OnlyAnAccreditedProviderIssues:
    def test_a_suspended_provider_issues_nothing_until_reinstated(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        ledger.suspend_provider(
            setup.provider, reason="audit", decision_reference="S1", by=THE_AUTHORITY
        )
        with pytest.raises(BatchRejected) as refused:
            issue_one(ledger, setup, "R1")
        assert isinstance(refused.value.failures[0].error, errors.ProviderNotAccredited)
        ledger.reinstate_provider(
            setup.provider, reason="ok", decision_reference="R1", by=THE_AUTHORITY
        )
        issue_one(ledger, setup, "R1")

    def test_an_expired_accreditation_issues_nothing(self, ledger: Ledger, clock: Clock) -> None:
        setup = ready_to_issue(ledger)
        clock.advance(timedelta(days=3 * 365 + 1))
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=setup.provider,
                request=request(setup, "R1", taken=assessment(assessed_on=clock().date())),
                by=provider_principal(setup.provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.AccreditationExpired)

    def test_a_credential_outside_the_providers_scope_is_not_accredited(
        self, ledger: Ledger
    ) -> None:
        provider = accredited_provider(ledger)
        with pytest.raises(errors.OutsideAccreditedScope):
            accredited_credential(ledger, provider, nqf_level=9, eqf_level=7)

    def test_nothing_is_issued_under_a_credential_only_defined(self, ledger: Ledger) -> None:
        provider = accredited_provider(ledger)
        credential = ledger.define_micro_credential(
            provider_id=provider, code="NEW", specification=spec(), by=provider_principal(provider)
        ).aggregate_id
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=provider,
                request=IssueRequest("l-1", credential, "R1", assessment()),
                by=provider_principal(provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.MicroCredentialNotAccredited)

    def test_a_withdrawn_provider_defines_nothing_new(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        ledger.withdraw_provider(
            setup.provider, reason="closed", decision_reference="W", by=THE_AUTHORITY
        )
        with pytest.raises(errors.ProviderNotAccredited):
            accredited_credential(ledger, setup.provider, code="LATE")

    def test_the_assessment_must_be_the_stated_method(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=setup.provider,
                request=request(setup, "R1", taken=assessment(method="multiple choice quiz")),
                by=provider_principal(setup.provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.AssessmentMethodMismatch)

    def test_an_award_is_not_issued_in_the_future(self, ledger: Ledger) -> None:
        setup = ready_to_issue(ledger)
        tomorrow = date.today() + timedelta(days=1)
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=setup.provider,
                request=replace(request(setup, "R1"), issued_on=tomorrow),
                by=provider_principal(setup.provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.InvalidAssessment)


class TestTheLedgerTakesItsRulesFromThePolicy:
    def test_workload_bounds_come_from_the_policy(self, make_ledger: MakeLedger) -> None:
        ireland = make_ledger(IRELAND)
        provider = accredited_provider(ireland)
        with pytest.raises(errors.WorkloadOutOfBounds):
            accredited_credential(ireland, provider, workload_ects=Decimal(40))
        finland = make_ledger(FINLAND)
        accredited_credential(finland, provider, code="BIG", workload_ects=Decimal(40))

    def test_a_narrower_policy_narrows_the_ledger(self, make_ledger: MakeLedger) -> None:
        narrow = make_ledger(replace(IRELAND, name="narrow", max_ects=Decimal(10)))
        provider = accredited_provider(narrow)
        with pytest.raises(errors.WorkloadOutOfBounds, match="narrow"):
            accredited_credential(narrow, provider, workload_ects=Decimal("10.5"))

    def test_the_batch_size_comes_from_the_policy(self, make_ledger: MakeLedger) -> None:
        ledger = make_ledger(replace(IRELAND, max_batch_size=2))
        setup = ready_to_issue(ledger)
        requests = [request(setup, f"R{n}", f"l-{n}") for n in range(3)]
        with pytest.raises(errors.BatchTooLarge):
            ledger.issue_awards(
                provider_id=setup.provider, requests=requests, by=provider_principal(setup.provider)
            )

    def test_strict_policy_stops_issuance_after_an_assessment_change(
        self, make_ledger: MakeLedger
    ) -> None:
        ledger = make_ledger(IRELAND)
        setup = ready_to_issue(ledger)
        before = issue_one(ledger, setup, "BEFORE")
        ledger.change_assessment_method(
            setup.credential,
            assessment_type="online exam",
            reason="moved online",
            by=provider_principal(setup.provider),
        )
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=setup.provider,
                request=request(setup, "AFTER", "l-2", taken=assessment("online exam")),
                by=provider_principal(setup.provider),
            )
        assert isinstance(refused.value.failures[0].error, errors.RevalidationRequired)
        assert ledger.award_status(before).status is AwardStatus.VALID  # earlier awards stay
        ledger.revalidate_micro_credential(
            setup.credential, decision_reference="RV", by=THE_AUTHORITY
        )
        ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "AFTER", "l-2", taken=assessment("online exam")),
            by=provider_principal(setup.provider),
        )

    def test_flexible_policy_keeps_issuing_and_flags_the_change(
        self, make_ledger: MakeLedger
    ) -> None:
        ledger = make_ledger(FINLAND)
        setup = ready_to_issue(ledger)
        ledger.change_assessment_method(
            setup.credential,
            assessment_type="online exam",
            reason="moved online",
            by=provider_principal(setup.provider),
        )
        receipt = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "AFTER", taken=assessment("online exam")),
            by=provider_principal(setup.provider),
        )
        assert receipt.awards[0].created
        assert ledger.get_micro_credential(setup.credential).review_flagged

    def test_award_validity_comes_from_the_policy(
        self, make_ledger: MakeLedger, clock: Clock
    ) -> None:
        ledger = make_ledger(replace(IRELAND, award_validity_years=2))
        setup = ready_to_issue(ledger)
        award_id = issue_one(ledger, setup, "R1")
        report = ledger.award_status(award_id)
        assert report.award.expires_on == report.award.issued_on.replace(
            year=report.award.issued_on.year + 2
        )
        clock.advance(timedelta(days=2 * 366))
        assert ledger.award_status(award_id).status is AwardStatus.EXPIRED

    def test_what_a_withdrawn_issuer_means_comes_from_the_policy(
        self, make_ledger: MakeLedger
    ) -> None:
        stays = make_ledger(IRELAND)
        setup = ready_to_issue(stays)
        award_id = issue_one(stays, setup, "R1")
        stays.withdraw_provider(
            setup.provider, reason="closed", decision_reference="W", by=THE_AUTHORITY
        )
        assert stays.award_status(award_id).status is AwardStatus.VALID
        flags = make_ledger(
            replace(IRELAND, withdrawn_issuer=WithdrawnIssuerRule.FLAG_ISSUER_WITHDRAWN)
        )
        assert flags.award_status(award_id).status is AwardStatus.ISSUER_WITHDRAWN


@dataclass(frozen=True)
class Stackable:
    provider: UUID
    parts: list[UUID]
    awards: list[UUID]
    target: UUID


class TestStackingThroughTheLedger:
    """Rule 6, with components issued through the ledger."""

    @staticmethod
    def prepare(ledger: Ledger) -> Stackable:
        """Three 10-ECTS awards of learner-0001 and a 30-ECTS target built from them."""
        provider = accredited_provider(ledger)
        parts = [accredited_credential(ledger, provider, code=f"P{n}") for n in range(3)]
        target = accredited_credential(
            ledger,
            provider,
            code="HDIP",
            stacking_rule=StackingRule(
                required_components=tuple(parts), min_total_ects=Decimal(30)
            ),
            workload_ects=Decimal(30),
        )
        requests = [
            IssueRequest("learner-0001", part, f"P{n}-1", assessment())
            for n, part in enumerate(parts)
        ]
        receipt = ledger.issue_awards(
            provider_id=provider, requests=requests, by=provider_principal(provider)
        )
        return Stackable(provider, parts, [a.award_id for a in receipt.awards], target)

    @staticmethod
    def stack(
        ledger: Ledger, s: Stackable, awards: list[UUID], learner: str = "learner-0001"
    ) -> UUID:
        receipt = ledger.stack_awards(
            provider_id=s.provider,
            learner_id=learner,
            target_credential_id=s.target,
            component_award_ids=awards,
            provider_reference="HDIP-1",
            by=provider_principal(s.provider),
        )
        return receipt.awards[0].award_id

    def test_valid_awards_stack_into_the_target(self, ledger: Ledger) -> None:
        s = self.prepare(ledger)
        stacked = self.stack(ledger, s, s.awards)
        report = ledger.award_status(stacked)
        assert report.status is AwardStatus.VALID
        assert report.award.route is AwardRoute.STACKED
        assert report.award.components == tuple(s.awards)
        again = ledger.stack_awards(
            provider_id=s.provider,
            learner_id="learner-0001",
            target_credential_id=s.target,
            component_award_ids=s.awards,
            provider_reference="HDIP-1",
            by=provider_principal(s.provider),
        )
        assert not again.awards[0].created  # idempotent like issuance

    def test_a_revoked_component_does_not_stack(self, ledger: Ledger) -> None:
        s = self.prepare(ledger)
        ledger.revoke_award(
            s.awards[1],
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="misconduct",
            by=THE_AUTHORITY,
        )
        with pytest.raises(errors.AwardNotStackable, match="revoked"):
            self.stack(ledger, s, s.awards)

    def test_missing_components_do_not_meet_the_rule(self, ledger: Ledger) -> None:
        s = self.prepare(ledger)
        with pytest.raises(errors.StackingRuleNotMet):
            self.stack(ledger, s, s.awards[:2])

    def test_another_learners_awards_do_not_stack(self, ledger: Ledger) -> None:
        s = self.prepare(ledger)
        ledger.issue_award(
            provider_id=s.provider,
            request=IssueRequest("learner-0002", s.parts[0], "OTHER", assessment()),
            by=provider_principal(s.provider),
        )
        with pytest.raises(errors.AwardNotStackable, match="not on this learner"):
            self.stack(ledger, s, s.awards, learner="learner-0002")

    def test_only_a_credential_with_a_stacking_rule_is_a_target(self, ledger: Ledger) -> None:
        s = self.prepare(ledger)
        with pytest.raises(errors.NotAStackedCredential):
            ledger.stack_awards(
                provider_id=s.provider,
                learner_id="learner-0001",
                target_credential_id=s.parts[0],
                component_award_ids=s.awards,
                provider_reference="X",
                by=provider_principal(s.provider),
            )

    def test_an_expired_award_does_not_stack(self, make_ledger: MakeLedger, clock: Clock) -> None:
        ledger = make_ledger(replace(IRELAND, award_validity_years=1))
        s = self.prepare(ledger)
        clock.advance(timedelta(days=400))
        with pytest.raises(errors.AwardNotStackable, match="expired"):
            self.stack(ledger, s, s.awards)


def test_prior_learning_is_recognised_with_evidence(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    with pytest.raises(errors.ReasonRequired, match="evidence"):
        ledger.recognise_prior_learning(
            provider_id=setup.provider,
            request=request(setup, "RPL-1"),
            evidence=" ",
            by=provider_principal(setup.provider),
        )
    receipt = ledger.recognise_prior_learning(
        provider_id=setup.provider,
        request=request(setup, "RPL-1"),
        evidence="three years as a data analyst, portfolio reviewed",
        by=provider_principal(setup.provider),
    )
    report = ledger.award_status(receipt.awards[0].award_id)
    assert report.award.route is AwardRoute.PRIOR_LEARNING
    assert report.status is AwardStatus.VALID


def test_prior_learning_is_assessed_by_its_own_validation_method(ledger: Ledger) -> None:
    """A portfolio review validates prior learning; the course's exam method does not apply."""
    setup = ready_to_issue(ledger)
    receipt = ledger.recognise_prior_learning(
        provider_id=setup.provider,
        request=request(setup, "RPL-2", taken=assessment(method="portfolio review")),
        evidence="employer references and a work portfolio",
        by=provider_principal(setup.provider),
    )
    report = ledger.award_status(receipt.awards[0].award_id)
    assert report.award.assessment is not None
    assert report.award.assessment.method == "portfolio review"
    with pytest.raises(BatchRejected) as refused:
        ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R-course", taken=assessment(method="portfolio review")),
            by=provider_principal(setup.provider),
        )
    assert isinstance(refused.value.failures[0].error, errors.AssessmentMethodMismatch)


def test_an_accommodation_is_recorded_on_the_award(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    receipt = ledger.issue_award(
        provider_id=setup.provider,
        request=request(setup, "R1", taken=assessment(accommodation="extra time (dyslexia)")),
        by=provider_principal(setup.provider),
    )
    award = ledger.award_status(receipt.awards[0].award_id).award
    assert award.assessment is not None
    assert award.assessment.accommodation == "extra time (dyslexia)"
    assert ledger.get_micro_credential(setup.credential).state is CredentialState.ACCREDITED


class TestProviderScoping:
    """A provider key acts on its own credentials and awards only."""

    def test_a_provider_cannot_issue_under_anothers_credential(self, ledger: Ledger) -> None:
        mine = ready_to_issue(ledger, "SETU")
        other = accredited_provider(ledger, "ATU")
        with pytest.raises(BatchRejected) as refused:
            ledger.issue_award(
                provider_id=other,
                request=request(mine, "R1"),
                by=provider_principal(other, "provider:ATU"),
            )
        assert isinstance(refused.value.failures[0].error, errors.NotYourObject)

    def test_a_provider_cannot_revoke_anothers_award(self, ledger: Ledger) -> None:
        mine = ready_to_issue(ledger, "SETU")
        other = accredited_provider(ledger, "ATU")
        award_id = issue_one(ledger, mine, "R1")
        with pytest.raises(errors.NotYourObject):
            ledger.revoke_award(
                award_id,
                category=RevocationReason.OTHER,
                note="r",
                by=provider_principal(other, "provider:ATU"),
            )
        assert ledger.award_status(award_id).status is AwardStatus.VALID
        ledger.revoke_award(
            award_id,
            category=RevocationReason.OTHER,
            note="r",
            by=provider_principal(mine.provider),
        )
        assert ledger.award_status(award_id).status is AwardStatus.REVOKED

    def test_a_provider_cannot_amend_or_change_anothers_credential(self, ledger: Ledger) -> None:
        mine = ready_to_issue(ledger, "SETU")
        other = accredited_provider(ledger, "ATU")
        with pytest.raises(errors.NotYourObject):
            ledger.amend_micro_credential(
                mine.credential,
                changes={"title": "Mine now"},
                reason="r",
                by=provider_principal(other, "a"),
            )
        with pytest.raises(errors.NotYourObject):
            ledger.change_assessment_method(
                mine.credential,
                assessment_type="exam",
                reason="r",
                by=provider_principal(other, "a"),
            )
        assert ledger.get_micro_credential(mine.credential).version == 2

    def test_a_provider_cannot_stack_into_anothers_credential(self, ledger: Ledger) -> None:
        mine = ready_to_issue(ledger, "SETU")
        other = accredited_provider(ledger, "ATU")
        with pytest.raises(errors.NotYourObject):
            ledger.stack_awards(
                provider_id=other,
                learner_id="learner-0001",
                target_credential_id=mine.credential,
                component_award_ids=[],
                provider_reference="X",
                by=provider_principal(other, "provider:ATU"),
            )

    def test_a_provider_cannot_do_what_only_the_authority_does(self, ledger: Ledger) -> None:
        """The API refuses a provider key on the authority's routes first; the ledger
        refuses a provider all the same, on its own provider and credential too."""
        setup = ready_to_issue(ledger, "SETU")
        award_id = issue_one(ledger, setup, "R1")
        ledger.record_personal_data("learner-0001", {"name": "N"}, by=THE_AUTHORITY)
        own = provider_principal(setup.provider)
        refused = [
            lambda: ledger.register_provider(
                code="NEW", name="New", country="IE", kind=ProviderKind.OTHER, by=own
            ),
            lambda: ledger.suspend_provider(
                setup.provider, reason="r", decision_reference="D", by=own
            ),
            lambda: ledger.withdraw_provider(
                setup.provider, reason="r", decision_reference="D", by=own
            ),
            lambda: ledger.revalidate_micro_credential(
                setup.credential, decision_reference="D", by=own
            ),
            lambda: ledger.withdraw_micro_credential(
                setup.credential, reason="r", decision_reference="D", by=own
            ),
            lambda: ledger.erase_learner("learner-0001", reason="r", by=own),
        ]
        before = ledger.recorder.max_notification_id()
        for command in refused:
            with pytest.raises(errors.NotYourObject, match="only the national authority may"):
                command()
        assert ledger.recorder.max_notification_id() == before
        assert ledger.award_status(award_id).status is AwardStatus.VALID


def test_an_unknown_micro_credential_is_not_found(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    with pytest.raises(errors.MicroCredentialNotFound):
        accredited_credential(
            ledger, setup.provider, code="STACK", stacking_rule=StackingRule((uuid4(),))
        )
    with pytest.raises(BatchRejected) as refused:
        ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R1", credential=uuid4()),
            by=provider_principal(setup.provider, "p"),
        )
    assert isinstance(refused.value.failures[0].error, errors.MicroCredentialNotFound)


def test_prior_learning_sent_again_is_the_same_award(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    first = ledger.recognise_prior_learning(
        provider_id=setup.provider,
        request=request(setup, "RPL-1"),
        evidence="e",
        by=provider_principal(setup.provider, "p"),
    )
    high_water = ledger.recorder.max_notification_id()
    again = ledger.recognise_prior_learning(
        provider_id=setup.provider,
        request=request(setup, "RPL-1"),
        evidence="e",
        by=provider_principal(setup.provider, "p"),
    )
    assert again.awards[0].award_id == first.awards[0].award_id
    assert not again.awards[0].created
    assert ledger.recorder.max_notification_id() == high_water


def test_an_empty_reference_never_names_an_existing_award(ledger: Ledger) -> None:
    """A blank reference is refused, even where a placeholder reference exists."""
    setup = ready_to_issue(ledger)
    issue_one(ledger, setup, "-")
    with pytest.raises(errors.MissingStandardElement):
        ledger.recognise_prior_learning(
            provider_id=setup.provider,
            request=request(setup, ""),
            evidence="e",
            by=provider_principal(setup.provider, "p"),
        )
    with pytest.raises(errors.MissingStandardElement):
        ledger.stack_awards(
            provider_id=setup.provider,
            learner_id="learner-0001",
            target_credential_id=accredited_credential(
                ledger, setup.provider, code="T", stacking_rule=StackingRule()
            ),
            component_award_ids=[],
            provider_reference="",
            by=provider_principal(setup.provider, "p"),
        )


def test_save_records_aggregates_and_bare_events_as_eventsourcing_does(ledger: Ledger) -> None:
    """The ledger's save collects its aggregates without the library's Protocol checks;
    an object that is not an aggregate (here a bare event) still goes the library's way."""
    setup = ready_to_issue(ledger)
    provider = ledger.get_provider(setup.provider)
    provider.suspend(
        reason="inspection pending",
        decision_reference="D-1",
        actor=AUTHORITY,
        today=ledger.clock().date(),
    )
    suspended = provider.collect_events()
    credential = ledger.get_micro_credential(setup.credential)
    credential.withdraw(reason="replaced", decision_reference="D-2", actor=AUTHORITY)

    recordings = ledger.save(*suspended, credential, None)

    assert [type(r.domain_event).__name__ for r in recordings] == ["Suspended", "Withdrawn"]
    assert recordings[0].domain_event is suspended[0]
    assert ledger.get_provider(setup.provider).state is ProviderState.SUSPENDED
    assert ledger.get_micro_credential(setup.credential).state is CredentialState.WITHDRAWN
    assert credential.pending_events == []
    first, second = (r.notification.id for r in recordings)
    assert first is not None and second == first + 1
