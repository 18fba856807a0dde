"""``ledger erase-learner``: crypto-shredding on a learner's request."""

from __future__ import annotations

from collections.abc import Callable

from ledger.application import Ledger
from ledger.domain.status import AwardStatus
from tests.cli.conftest import Invoke, one_line_error
from tests.conftest import THE_AUTHORITY

LEARNER = "DEMO-L0000002"


def test_erasing_a_learner_shreds_personal_data_and_keeps_awards_verifiable(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    assert ledger_cli("seed").exit_code == 0
    ledger = open_ledger()
    assert ledger.read_personal_data(LEARNER, by=THE_AUTHORITY) == {
        "name": "Aoife Demo",
        "email": "aoife.demo@example.org",
    }

    result = ledger_cli(
        "erase-learner", LEARNER, "--reason", "learner request GDPR-2026-17", "--yes"
    )

    assert result.exit_code == 0, result.output
    assert f"erased the personal data of learner {LEARNER}" in result.output
    after = open_ledger()
    assert after.read_personal_data(LEARNER, by=THE_AUTHORITY) is None
    record = after.get_learner_record(LEARNER)
    assert record.awards
    for award_id in record.awards:
        assert after.award_status(award_id).status is AwardStatus.VALID
    erased = after.history(record.id)[-1]
    assert erased.reason == "learner request GDPR-2026-17"
    assert erased.actor == "authority:operator:test"


def test_erasure_asks_for_confirmation_and_a_no_erases_nothing(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    assert ledger_cli("seed").exit_code == 0

    result = ledger_cli("erase-learner", LEARNER, "--reason", "request 17", input="n\n")

    assert "Erase the personal data of learner DEMO-L0000002?" in result.output
    assert "nothing erased" in one_line_error(result)
    assert open_ledger().read_personal_data(LEARNER, by=THE_AUTHORITY) is not None


def test_erasing_twice_is_refused(ledger_cli: Invoke) -> None:
    assert ledger_cli("seed").exit_code == 0
    assert ledger_cli("erase-learner", LEARNER, "--reason", "request 17", "-y").exit_code == 0

    again = ledger_cli("erase-learner", LEARNER, "--reason", "request 17", "-y")

    assert "already erased" in one_line_error(again)


def test_an_unknown_learner_is_a_one_line_error(ledger_cli: Invoke) -> None:
    assert ledger_cli("seed").exit_code == 0  # a ledger, without that learner

    result = ledger_cli("erase-learner", "NOBODY-1", "--reason", "request 18", "-y")

    assert "no learner 'NOBODY-1' in the ledger" in one_line_error(result)


def test_an_empty_reason_is_refused_before_anything_is_touched(ledger_cli: Invoke) -> None:
    result = ledger_cli("erase-learner", LEARNER, "--reason", "  ", "-y")

    assert "--reason must not be empty" in one_line_error(result)
