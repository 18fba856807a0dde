"""``ledger credentials sign``: every award without a signed credential is signed, once;
a provider that may not sign is passed over, saying so. On both stores."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from ledger.application import Ledger
from ledger.infrastructure.issued_credentials import IssuedCredentialStore
from ledger.infrastructure.side_tables import SideTables
from tests.cli.conftest import Invoke
from tests.conftest import THE_AUTHORITY
from tests.integration.scenario import issue_one, ready_to_issue

SECRET = {"LEDGER_SIGNING_KEY_SECRET": base64.b64encode(os.urandom(32)).decode()}


def test_every_unsigned_award_is_signed_once_and_a_suspended_provider_is_passed_over(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    ledger = open_ledger()
    setu = ready_to_issue(ledger, "SETU")
    atu = ready_to_issue(ledger, "ATU")
    setu_awards = [issue_one(ledger, setu, f"S-{n}", f"learner-{n}") for n in range(5)]
    atu_awards = [issue_one(ledger, atu, f"A-{n}", f"learner-{n}") for n in range(3)]
    ledger.suspend_provider(
        atu.provider, reason="quality review", decision_reference="QQI/D/1", by=THE_AUTHORITY
    )
    # The views catch up first (the command reads the awards from them).
    assert ledger_cli("project", "--once").exit_code == 0

    first = ledger_cli("credentials", "sign", env=SECRET)

    assert first.exit_code == 0, first.output
    assert "signed 5 credential(s)" in first.stdout
    assert "ATU may not sign now" in first.stdout and "3 award(s) left unsigned" in first.stdout
    store = IssuedCredentialStore(SideTables(open_ledger().recorder))
    assert store.signed_among(setu_awards + atu_awards) == set(setu_awards)

    again = ledger_cli("credentials", "sign", "setu", env=SECRET)
    assert again.exit_code == 0, again.output
    assert "signed 0 credential(s)" in again.stdout and "5 already signed" in again.stdout
