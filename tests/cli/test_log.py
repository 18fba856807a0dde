"""``ledger log append`` and ``ledger log verify`` on both stores: the tree recomputed
from the event store, a changed event row named by its position, exit 1."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from ledger.application import Ledger
from projections.dialect import make_dialect
from tests.cli.conftest import Invoke

SECRET = {"LEDGER_SIGNING_KEY_SECRET": base64.b64encode(os.urandom(32)).decode()}


def test_the_log_is_appended_verified_and_a_changed_row_found(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    assert ledger_cli("seed", env=SECRET).exit_code == 0

    appended = ledger_cli("log", "append", env=SECRET)
    verified = ledger_cli("log", "verify", env=SECRET)

    assert appended.exit_code == 0, appended.output
    assert "appended" in appended.stdout and "signed tree of" in appended.stdout
    assert verified.exit_code == 0, verified.output
    assert "the log is intact" in verified.stdout
    ledger = open_ledger()
    d = make_dialect(ledger)
    table = str(ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    table = table if d.name == "sqlite" or "." in table else d.prefix + table
    column = "rowid" if d.name == "sqlite" else "notification_id"
    with d.write() as cursor:
        cursor.execute(d.q(f"UPDATE {table} SET state = ? WHERE {column} = ?"), (b'{"a": 1}', 7))

    tampered = ledger_cli("log", "verify", env=SECRET)

    assert tampered.exit_code == 1
    assert "log position 7: changed: its leaf differs" in tampered.stderr
    assert "the log was changed" in tampered.stderr
