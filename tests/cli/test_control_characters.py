"""The CLI refuses control characters as the API does: one line naming the field,
exit 1, nothing written."""

from __future__ import annotations

from collections.abc import Callable

from ledger.application import Ledger
from tests.cli.conftest import Invoke, one_line_error

NUL = "\x00"


def test_erase_learner_refuses_a_control_character_naming_the_field(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    assert ledger_cli("seed").exit_code == 0
    before = open_ledger().recorder.max_notification_id()

    bad_id = one_line_error(ledger_cli("erase-learner", f"L{NUL}1", "--reason", "r", "--yes"))
    assert "learner_id holds the control character U+0000" in bad_id
    bad_reason = one_line_error(
        ledger_cli("erase-learner", "DEMO-L0000002", "--reason", f"GDPR{NUL}1", "--yes")
    )
    assert "reason holds the control character U+0000" in bad_reason
    assert open_ledger().recorder.max_notification_id() == before


def test_audit_and_create_key_refuse_a_control_character(ledger_cli: Invoke) -> None:
    audit = one_line_error(ledger_cli("audit", "--actor", f"authority:{NUL}"))
    assert "actor holds the control character U+0000" in audit
    key = one_line_error(ledger_cli("authority", "create-key", "--name", f"ops\x1b[2J{NUL}"))
    assert "--name holds the control character U+001B" in key
