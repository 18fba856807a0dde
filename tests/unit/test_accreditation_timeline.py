"""A provider's decisions take effect on a day, which may precede the day they are
recorded; its standing on a day, and what it may issue dated that day, follow the
decision in force that day (not its latest state)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import orjson
import pytest
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.accreditation import ProviderState, Standing
from ledger.domain.provider import Provider
from ledger.domain.values import AccreditationScope
from ledger.errors import (
    AccreditationExpired,
    InvalidAccreditation,
    InvalidTransition,
    MicroCredentialNotAccredited,
    OutsideAccreditedScope,
    ProviderNotAccredited,
)
from ledger.policy import IRELAND
from ledger.transcoding import OrjsonTranscoder
from tests.conftest import AUTHORITY, scope
from tests.unit.builders import TODAY, defined_credential, registered_provider

SINCE = date(2019, 9, 1)
"""The day an accreditation took effect, years before the register recorded it."""


def accredited_since(effective_on: date = SINCE) -> Provider:
    provider = registered_provider()
    provider.accredit(
        scope=scope(),
        valid_until=TODAY + timedelta(days=365),
        decision_reference="HEA/ACC/2019/3",
        actor=AUTHORITY,
        today=TODAY,
        effective_on=effective_on,
    )
    return provider


def may_issue_on(provider: Provider, on: date) -> None:
    provider.check_may_issue(level=6, field_of_study="0688 ICT", on=on)


def test_an_accreditation_recorded_today_can_take_effect_years_ago() -> None:
    provider = accredited_since()
    assert provider.standing_on(SINCE).standing is Standing.ACCREDITED
    before = provider.standing_on(SINCE - timedelta(days=1))
    assert (before.standing, before.state) == (Standing.NOT_REGISTERED, None)
    may_issue_on(provider, SINCE)


def test_nothing_is_issued_dated_before_the_provider_was_accredited() -> None:
    """The defect: an award dated 1999 from a provider accredited today was valid."""
    provider = accredited_since(TODAY)
    with pytest.raises(ProviderNotAccredited, match="not yet accredited on 1999-05-01"):
        may_issue_on(provider, date(1999, 5, 1))
    may_issue_on(provider, TODAY)


def test_an_award_dated_during_a_suspension_is_refused_even_after_reinstatement() -> None:
    provider = accredited_since()
    suspended_on, reinstated_on = date(2024, 3, 1), date(2024, 6, 1)
    provider.suspend(
        reason="audit",
        decision_reference="S/1",
        actor=AUTHORITY,
        today=TODAY,
        effective_on=suspended_on,
    )
    provider.reinstate(
        reason="remedied",
        decision_reference="R/1",
        actor=AUTHORITY,
        today=TODAY,
        effective_on=reinstated_on,
    )
    assert provider.state is ProviderState.ACCREDITED
    with pytest.raises(ProviderNotAccredited, match="was suspended on 2024-04-01"):
        may_issue_on(provider, date(2024, 4, 1))
    may_issue_on(provider, date(2024, 2, 29))
    may_issue_on(provider, reinstated_on)
    standing = provider.standing_on(date(2024, 4, 1))
    assert (standing.standing, standing.reason) == (Standing.NOT_ACCREDITED, "audit")


def test_the_scope_and_validity_in_force_on_the_day_apply() -> None:
    provider = accredited_since()
    provider.renew(
        valid_until=TODAY + timedelta(days=900),
        decision_reference="R/2",
        actor=AUTHORITY,
        today=TODAY,
        scope=AccreditationScope(levels=(6,), fields=("0413 Management",)),
        effective_on=date(2025, 1, 1),
    )
    may_issue_on(provider, date(2024, 12, 31))  # ICT was in scope then
    with pytest.raises(OutsideAccreditedScope):
        may_issue_on(provider, date(2025, 1, 1))


def test_a_historical_accreditation_may_have_run_out() -> None:
    provider = registered_provider()
    provider.accredit(
        scope=scope(),
        valid_until=date(2021, 8, 31),
        decision_reference="OLD/1",
        actor=AUTHORITY,
        today=TODAY,
        effective_on=SINCE,
        imported_from="the 2019 register",
    )
    provider.check_may_issue(
        level=6, field_of_study="0688 ICT", on=date(2020, 6, 1), historical=True
    )
    with pytest.raises(AccreditationExpired):
        provider.check_may_issue(
            level=6, field_of_study="0688 ICT", on=date(2022, 1, 1), historical=True
        )
    assert provider.standing_on(TODAY).standing is Standing.EXPIRED


def test_an_ordinary_accreditation_still_runs_beyond_today() -> None:
    with pytest.raises(InvalidAccreditation, match="beyond"):
        registered_provider().accredit(
            scope=scope(),
            valid_until=TODAY,
            decision_reference="D",
            actor=AUTHORITY,
            today=TODAY,
            effective_on=SINCE,
        )


@pytest.mark.parametrize(
    ("effective_on", "match"),
    [(TODAY + timedelta(days=1), "in the future"), (SINCE - timedelta(days=1), "before it")],
)
def test_a_decision_takes_effect_neither_in_the_future_nor_before_the_last(
    effective_on: date, match: str
) -> None:
    provider = accredited_since()
    version = provider.version
    with pytest.raises(InvalidAccreditation, match=match):
        provider.suspend(
            reason="r",
            decision_reference="S",
            actor=AUTHORITY,
            today=TODAY,
            effective_on=effective_on,
        )
    assert provider.version == version


def test_a_decision_stored_before_effective_dates_took_effect_the_day_it_was_recorded() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    provider = accredited_since()
    stored = [mapper.to_stored_event(e) for e in provider.collect_events()]
    old_state = orjson.loads(stored[1].state)
    del old_state["effective_on"]
    del old_state["class_version"]
    stored[1] = StoredEvent(
        originator_id=stored[1].originator_id,
        originator_version=stored[1].originator_version,
        topic=stored[1].topic,
        state=orjson.dumps(old_state),
    )
    events = [mapper.to_domain_event(s) for s in stored]
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)  # type: ignore[attr-defined]
    assert isinstance(replayed, Provider)
    recorded_on = events[1].timestamp.date()
    assert replayed.timeline.decisions[0].effective_on == recorded_on
    assert replayed.standing_on(recorded_on).accredited


def test_nothing_is_issued_under_a_credential_dated_before_its_accreditation() -> None:
    credential = defined_credential()
    credential.accredit(
        decision_reference="QQI/MC/9", actor=AUTHORITY, today=TODAY, effective_on=SINCE
    )
    credential.check_may_issue(IRELAND, SINCE)
    with pytest.raises(MicroCredentialNotAccredited, match="accredited from 2019-09-01"):
        credential.check_may_issue(IRELAND, SINCE - timedelta(days=1))
    with pytest.raises(InvalidTransition, match="takes effect by today"):
        defined_credential().accredit(
            decision_reference="D", actor=AUTHORITY, today=TODAY, effective_on=TODAY + timedelta(1)
        )


def test_before_any_decision_a_provider_is_registered_from_the_day_it_was_recorded() -> None:
    """The defect: "?at=" before the provider existed showed it as registered."""
    provider = registered_provider()
    registered_on = provider.created_on.date()
    assert provider.standing_on(registered_on).standing is Standing.REGISTERED_ONLY
    before = provider.standing_on(registered_on - timedelta(days=1))
    assert before.standing is Standing.NOT_REGISTERED
