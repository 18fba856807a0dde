"""Provider lifecycle and rule 3 (only an accredited provider, within its scope and
validity, issues)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.domain.provider import Provider, ProviderState
from ledger.domain.values import AccreditationScope, ProviderKind
from ledger.errors import (
    AccreditationExpired,
    ActorRequired,
    InvalidAccreditation,
    InvalidCode,
    InvalidCountry,
    InvalidTransition,
    MissingStandardElement,
    OutsideAccreditedScope,
    ProviderNotAccredited,
    ReasonRequired,
)
from tests.conftest import AUTHORITY, scope
from tests.unit.builders import TODAY, accredited_provider, registered_provider

NEXT_YEAR = TODAY + timedelta(days=365)


def state_of(provider: Provider) -> ProviderState:
    return provider.state


def suspend(provider: Provider) -> None:
    provider.suspend(
        reason="audit findings", decision_reference="QQI/SUS/1", actor=AUTHORITY, today=TODAY
    )


class TestRegistration:
    def test_a_registered_provider_is_not_yet_accredited(self) -> None:
        provider = registered_provider()
        assert provider.state is ProviderState.REGISTERED
        assert provider.scope is None

    def test_the_code_and_country_are_normalised(self) -> None:
        provider = Provider.register(
            code=" setu ", name=" SETU ", country="ie", kind=ProviderKind.UNIVERSITY, actor="a"
        )
        assert (provider.code, provider.name, provider.country) == ("SETU", "SETU", "IE")

    def test_the_id_is_derived_from_the_code_so_re_registering_names_the_same_provider(
        self,
    ) -> None:
        assert registered_provider("setu").id == registered_provider("SETU").id

    @pytest.mark.parametrize(("code", "name"), [("", "SETU"), ("SETU", "  ")])
    def test_a_provider_needs_a_code_and_a_name(self, code: str, name: str) -> None:
        with pytest.raises(MissingStandardElement):
            Provider.register(
                code=code, name=name, country="IE", kind=ProviderKind.OTHER, actor=AUTHORITY
            )

    @pytest.mark.parametrize("country", ["IRL", "1E", "ZZ", "EL", "UK", "XK", "I"])
    def test_the_country_is_an_iso_3166_country(self, country: str) -> None:
        """EL and UK are the EU's abbreviations, not ISO's (GR, GB); ZZ and XK are
        user-assigned codes no country holds in the standard."""
        with pytest.raises(InvalidCountry):
            Provider.register(
                code="SETU", name="SETU", country=country, kind=ProviderKind.OTHER, actor=AUTHORITY
            )

    @pytest.mark.parametrize("country", ["GR", "gb", " mt "])
    def test_a_country_is_stored_as_its_upper_case_iso_code(self, country: str) -> None:
        provider = Provider.register(
            code="SETU", name="SETU", country=country, kind=ProviderKind.OTHER, actor=AUTHORITY
        )
        assert provider.country == country.strip().upper()

    @pytest.mark.parametrize(
        "code", ["A/B", "A B", ".", "..", "-X", "X-", "ÄB", "A%2F", "A?B", "X" * 65]
    )
    def test_a_provider_code_follows_the_one_pattern_codes_have(self, code: str) -> None:
        """A code is part of every provider route: one with '/' or '%' could be registered
        and then never reached again."""
        with pytest.raises(InvalidCode):
            Provider.register(
                code=code, name="N", country="IE", kind=ProviderKind.OTHER, actor=AUTHORITY
            )

    @pytest.mark.parametrize("code", ["W1", "DA-102", "a.b_c", "X" * 64])
    def test_codes_of_letters_digits_and_inner_punctuation_are_accepted(self, code: str) -> None:
        provider = Provider.register(
            code=code, name="N", country="IE", kind=ProviderKind.OTHER, actor=AUTHORITY
        )
        assert provider.code == code.upper()

    def test_registration_records_who_registered(self) -> None:
        with pytest.raises(ActorRequired):
            Provider.register(code="X", name="X", country="IE", kind=ProviderKind.OTHER, actor=" ")


class TestAccreditation:
    def test_accreditation_sets_scope_validity_and_decision(self) -> None:
        provider = accredited_provider(valid_until=NEXT_YEAR)
        assert provider.state is ProviderState.ACCREDITED
        assert provider.scope == scope()
        assert provider.valid_until == NEXT_YEAR
        assert provider.decision_reference == "QQI/ACC/2026/17"

    @pytest.mark.parametrize(
        "bad_scope",
        [AccreditationScope(levels=(), fields=("0688 ICT",)), AccreditationScope((6,), ())],
    )
    def test_a_scope_needs_at_least_one_level_and_one_field(
        self, bad_scope: AccreditationScope
    ) -> None:
        provider = registered_provider()
        with pytest.raises(InvalidAccreditation):
            provider.accredit(
                scope=bad_scope,
                valid_until=NEXT_YEAR,
                decision_reference="D",
                actor="a",
                today=TODAY,
            )

    @pytest.mark.parametrize("days", [0, -1])
    def test_accreditation_must_be_valid_beyond_today(self, days: int) -> None:
        provider = registered_provider()
        with pytest.raises(InvalidAccreditation):
            provider.accredit(
                scope=scope(),
                valid_until=TODAY + timedelta(days=days),
                decision_reference="D",
                actor="a",
                today=TODAY,
            )

    def test_accreditation_needs_a_decision_reference(self) -> None:
        provider = registered_provider()
        with pytest.raises(ReasonRequired):
            provider.accredit(
                scope=scope(), valid_until=NEXT_YEAR, decision_reference=" ", actor="a", today=TODAY
            )
        assert provider.state is ProviderState.REGISTERED

    def test_an_accredited_provider_is_not_accredited_again_but_renewed(self) -> None:
        provider = accredited_provider()
        with pytest.raises(InvalidTransition, match="renew"):
            provider.accredit(
                scope=scope(), valid_until=NEXT_YEAR, decision_reference="D", actor="a", today=TODAY
            )


class TestSuspensionReinstatementRenewalWithdrawal:
    def test_suspend_then_reinstate(self) -> None:
        provider = accredited_provider()
        suspend(provider)
        assert provider.state is ProviderState.SUSPENDED
        assert provider.status_reason == "audit findings"
        provider.reinstate(
            reason="remedied", decision_reference="QQI/REI/1", actor=AUTHORITY, today=TODAY
        )
        assert state_of(provider) is ProviderState.ACCREDITED
        assert provider.status_reason is None

    def test_only_an_accredited_provider_is_suspended(self) -> None:
        provider = registered_provider()
        with pytest.raises(InvalidTransition):
            suspend(provider)

    def test_only_a_suspended_provider_is_reinstated(self) -> None:
        provider = accredited_provider()
        with pytest.raises(InvalidTransition):
            provider.reinstate(reason="r", decision_reference="d", actor=AUTHORITY, today=TODAY)

    @pytest.mark.parametrize(("reason", "decision"), [("", "D/1"), ("why", ""), (" ", " ")])
    def test_suspension_needs_a_reason_and_a_decision_reference(
        self, reason: str, decision: str
    ) -> None:
        provider = accredited_provider()
        with pytest.raises(ReasonRequired):
            provider.suspend(
                reason=reason, decision_reference=decision, actor=AUTHORITY, today=TODAY
            )
        assert provider.state is ProviderState.ACCREDITED

    def test_reinstatement_needs_a_reason(self) -> None:
        provider = accredited_provider()
        suspend(provider)
        with pytest.raises(ReasonRequired):
            provider.reinstate(reason="", decision_reference="D", actor=AUTHORITY, today=TODAY)

    def test_renewal_extends_validity_and_may_change_the_scope(self) -> None:
        provider = accredited_provider()
        wider = AccreditationScope(levels=(5, 6, 7, 8), fields=("0688 ICT",))
        later = NEXT_YEAR + timedelta(days=365)
        provider.renew(
            valid_until=later,
            decision_reference="QQI/REN/1",
            actor=AUTHORITY,
            today=TODAY,
            scope=wider,
        )
        assert (provider.valid_until, provider.scope) == (later, wider)

    def test_renewal_keeps_the_scope_when_none_is_given(self) -> None:
        provider = accredited_provider()
        provider.renew(
            valid_until=NEXT_YEAR + timedelta(days=1),
            decision_reference="R",
            actor=AUTHORITY,
            today=TODAY,
        )
        assert provider.scope == scope()

    def test_a_suspended_provider_can_be_renewed_but_stays_suspended(self) -> None:
        provider = accredited_provider()
        suspend(provider)
        provider.renew(
            valid_until=NEXT_YEAR + timedelta(days=30),
            decision_reference="R",
            actor="a",
            today=TODAY,
        )
        assert provider.state is ProviderState.SUSPENDED

    def test_a_registration_without_accreditation_cannot_be_renewed(self) -> None:
        with pytest.raises(InvalidTransition):
            registered_provider().renew(
                valid_until=NEXT_YEAR, decision_reference="R", actor="a", today=TODAY
            )

    def test_renewal_must_reach_beyond_today_and_cite_a_decision(self) -> None:
        provider = accredited_provider()
        with pytest.raises(InvalidAccreditation):
            provider.renew(valid_until=TODAY, decision_reference="R", actor="a", today=TODAY)
        with pytest.raises(ReasonRequired):
            provider.renew(valid_until=NEXT_YEAR, decision_reference="", actor="a", today=TODAY)

    @pytest.mark.parametrize("suspended_first", [False, True])
    def test_withdrawal_is_final(self, suspended_first: bool) -> None:
        provider = accredited_provider()
        if suspended_first:
            suspend(provider)
        provider.withdraw(
            reason="closed", decision_reference="QQI/WD/1", actor=AUTHORITY, today=TODAY
        )
        assert provider.state is ProviderState.WITHDRAWN
        with pytest.raises(InvalidTransition):
            provider.withdraw(
                reason="again", decision_reference="QQI/WD/2", actor=AUTHORITY, today=TODAY
            )
        with pytest.raises(InvalidTransition):
            provider.reinstate(reason="r", decision_reference="d", actor=AUTHORITY, today=TODAY)
        with pytest.raises(InvalidTransition):
            provider.renew(valid_until=NEXT_YEAR, decision_reference="R", actor="a", today=TODAY)

    def test_withdrawal_needs_a_reason_and_a_decision_reference(self) -> None:
        provider = accredited_provider()
        with pytest.raises(ReasonRequired):
            provider.withdraw(reason="", decision_reference="D", actor=AUTHORITY, today=TODAY)
        with pytest.raises(ReasonRequired):
            provider.withdraw(reason="r", decision_reference="", actor=AUTHORITY, today=TODAY)

    def test_every_change_names_its_actor(self) -> None:
        provider = accredited_provider()
        with pytest.raises(ActorRequired):
            provider.suspend(reason="r", decision_reference="d", actor="", today=TODAY)
        assert provider.state is ProviderState.ACCREDITED
        assert len(provider.collect_events()) == 2


class TestMayIssue:
    """Rule 3, as the provider answers it."""

    def test_an_accredited_provider_issues_within_scope_and_validity(self) -> None:
        provider = accredited_provider(valid_until=NEXT_YEAR)
        provider.check_may_issue(level=6, field_of_study="0688 ICT", on=NEXT_YEAR)
        assert provider.is_accredited_on(NEXT_YEAR)

    def test_a_registered_provider_may_not_issue(self) -> None:
        with pytest.raises(ProviderNotAccredited):
            registered_provider().check_may_issue(level=6, field_of_study="0688 ICT", on=TODAY)

    def test_a_suspended_provider_may_not_issue(self) -> None:
        provider = accredited_provider()
        suspend(provider)
        with pytest.raises(ProviderNotAccredited, match="suspended"):
            provider.check_may_issue(level=6, field_of_study="0688 ICT", on=TODAY)
        assert not provider.is_accredited_on(TODAY)

    def test_a_withdrawn_provider_may_not_issue(self) -> None:
        provider = accredited_provider()
        provider.withdraw(reason="closed", decision_reference="D", actor=AUTHORITY, today=TODAY)
        with pytest.raises(ProviderNotAccredited):
            provider.check_may_issue(level=6, field_of_study="0688 ICT", on=TODAY)

    def test_an_expired_accreditation_may_not_issue(self) -> None:
        provider = accredited_provider(valid_until=NEXT_YEAR)
        with pytest.raises(AccreditationExpired):
            provider.check_may_issue(
                level=6, field_of_study="0688 ICT", on=NEXT_YEAR + timedelta(days=1)
            )
        assert not provider.is_accredited_on(NEXT_YEAR + timedelta(days=1))

    @pytest.mark.parametrize(
        ("level", "field"), [(4, "0688 ICT"), (8, "0688 ICT"), (6, "0912 Medicine")]
    )
    def test_outside_the_accredited_levels_or_fields_may_not_issue(
        self, level: int, field: str
    ) -> None:
        with pytest.raises(OutsideAccreditedScope):
            accredited_provider().check_may_issue(level=level, field_of_study=field, on=TODAY)

    def test_a_credential_without_a_level_only_needs_the_field_in_scope(self) -> None:
        accredited_provider().check_may_issue(
            level=None, field_of_study="0413 Management", on=TODAY
        )
