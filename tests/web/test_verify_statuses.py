"""The statuses the demo store does not show: expired, and an awarding body that is
no longer accredited. Built with a ledger whose clock the test moves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from api.verify import verification
from cli.demo import AUTHORITY, seed_demo
from ledger.application import Ledger
from ledger.domain.status import AwardStatus
from ledger.policy import IRELAND
from tests.conftest import Clock


def test_an_award_past_its_validity_reads_expired_with_its_date(
    make_ledger: Callable[..., Ledger], clock: Clock
) -> None:
    ledger = make_ledger(replace(IRELAND, award_validity_years=1))
    demo = seed_demo(ledger)
    clock.advance(timedelta(days=2 * 365))

    page = verification(ledger.award_status(demo.valid_award))

    assert page.status is AwardStatus.EXPIRED
    assert page.status_word == "expired"
    assert page.headline == "This credential has expired."
    assert page.expires_on is not None


def test_a_suspended_awarding_body_is_shown_as_not_accredited(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger = make_ledger()
    demo = seed_demo(ledger)
    provider = ledger.award_status(demo.valid_award).provider
    ledger.suspend_provider(
        provider.id,
        reason="quality review pending",
        decision_reference="QA-2026-9",
        by=AUTHORITY,
    )

    page = verification(ledger.award_status(demo.valid_award))

    assert page.status is AwardStatus.VALID  # awards issued before stay valid
    assert not page.provider_accredited
    assert (
        page.provider_standing == "Not accredited: accreditation suspended (quality review pending)"
    )
