"""Backups, restores and the erasure journal, as an operator runs them: a backup taken
before an erasure brings the erased learner's key back when it is restored, and
``ledger erasures reapply`` erases them again from the journal kept outside the store."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.infrastructure.erasure_journal import ErasureJournal
from ledger.policy import IRELAND
from tests.cli.conftest import Invoke, one_line_error
from tests.conftest import THE_AUTHORITY

LEARNER = "DEMO-L0000002"  # the demo learner with personal data
PERSONAL = {"name": "Aoife Demo", "email": "aoife.demo@example.org"}


def personal_data(database: DatabaseSettings) -> dict[str, str] | None:
    ledger = Ledger(Settings(database=database, policy=IRELAND))
    try:
        return ledger.read_personal_data(LEARNER, by=THE_AUTHORITY)
    finally:
        ledger.close()


def restore(database: DatabaseSettings, backup: Path) -> None:
    """What docs/operations.md tells an operator to do, with the API stopped."""
    if database.is_postgres:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{database.schema}" CASCADE')
        subprocess.run(
            ["pg_restore", "--exit-on-error", f"--dbname={database.url}", str(backup)],
            check=True,
            capture_output=True,
        )
    else:
        live = Path(database.sqlite_path)
        for leftover in (Path(f"{live}-wal"), Path(f"{live}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(backup, live)


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal" / "erasures.jsonl"


@pytest.fixture
def operator(ledger_cli: Invoke, journal: Path) -> Invoke:
    def invoke(*args: str) -> object:
        return ledger_cli(*args, env={"LEDGER_ERASURE_JOURNAL": str(journal)})

    return invoke  # type: ignore[return-value]


def test_a_restored_backup_is_erased_again_from_the_journal(
    operator: Invoke, database: DatabaseSettings, journal: Path, tmp_path: Path
) -> None:
    assert operator("seed").exit_code == 0
    backup = tmp_path / "before-erasure.backup"
    made = operator("backup", str(backup))
    assert made.exit_code == 0, made.output
    erased = operator("erase-learner", LEARNER, "--reason", "request GDPR-2026-17", "--yes")
    assert erased.exit_code == 0, erased.output
    assert personal_data(database) is None
    [entry] = ErasureJournal(journal).entries()
    assert entry.learner_id == LEARNER

    restore(database, backup)
    assert personal_data(database) == PERSONAL  # the trap: the key came back

    reapplied = operator("erasures", "reapply")
    assert reapplied.exit_code == 0, reapplied.output
    assert f"erased again: {LEARNER}" in reapplied.output
    assert personal_data(database) is None
    again = operator("erasures", "reapply")
    assert "0 erasure(s) re-applied" in again.output
    # The journal holds pseudonymous ids and times, never the personal data.
    text = journal.read_text()
    assert all(value not in text for value in PERSONAL.values())


def test_a_backup_never_overwrites_a_file(operator: Invoke, tmp_path: Path) -> None:
    assert operator("seed").exit_code == 0
    existing = tmp_path / "taken.backup"
    existing.write_bytes(b"someone's file")

    result = operator("backup", str(existing))

    assert "exists already" in one_line_error(result)
    assert existing.read_bytes() == b"someone's file"


def test_the_erasure_journal_lists_what_it_holds(operator: Invoke) -> None:
    assert operator("seed").exit_code == 0
    assert operator("erase-learner", LEARNER, "--reason", "request 5", "--yes").exit_code == 0

    listed = operator("erasures", "list")

    assert listed.exit_code == 0, listed.output
    assert LEARNER in listed.output
    assert "1 erasure(s)" in listed.output


def test_a_half_written_last_line_is_skipped_but_a_broken_middle_line_is_an_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "erasures.jsonl"
    good = (
        b'{"learner_id": "L-1", "learner_record_id": "0b9e4a52-6e3c-4d0e-9a4b-6b1d7f1c2a3e",'
        b' "erased_at": "2026-12-01T10:00:00+00:00", "position": 7}'
    )
    path.write_bytes(good + b"\n" + b'{"learner_id": "L-2", "lear')
    assert [e.learner_id for e in ErasureJournal(path).entries()] == ["L-1"]

    path.write_bytes(b"not json\n" + good + b"\n")
    with pytest.raises(ValueError, match="line 1"):
        list(ErasureJournal(path).entries())
