"""``ledger import`` as the authority's operator runs it, on both stores: an earlier
register's export (JSON lines, or awards as CSV) enters whole, or the command names
every refused row, exits 1 and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from ledger.application import Ledger
from ledger.domain import ids
from scripts.history_file import history_rows
from tests.cli.conftest import Invoke

SOURCE = "register of 2016-2024"
CSV_HEADER = (
    "provider,credential,learner_id,provider_reference,issued_on,assessment_method,"
    "assessed_on,result,grade\n"
)


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def registry_rows() -> list[dict[str, Any]]:
    return [row for row in history_rows(awards=0, providers=2) if row["type"] != "award"]


def test_an_export_is_imported_and_a_second_run_writes_nothing_again(
    ledger_cli: Invoke, tmp_path: Path, open_ledger: Callable[[], Ledger]
) -> None:
    path = write(tmp_path / "old.jsonl", list(history_rows(awards=30, providers=2)))

    first = ledger_cli("import", str(path), "--source", SOURCE)
    again = ledger_cli("import", str(path), "--source", SOURCE)

    assert first.exit_code == 0, first.output
    assert "awards: 30 written, 0 already in the register" in first.stdout
    assert "providers: 2 written" in first.stdout
    assert again.exit_code == 0, again.output
    assert "awards: 0 written, 30 already in the register" in again.stdout
    provider = open_ledger().get_provider(ids.provider_id("H000"))
    assert provider.name == "Historical Institute 0"


def test_awards_come_as_csv_too(
    ledger_cli: Invoke, tmp_path: Path, open_ledger: Callable[[], Ledger]
) -> None:
    assert (
        ledger_cli(
            "import", str(write(tmp_path / "r.jsonl", registry_rows())), "--source", SOURCE
        ).exit_code
        == 0
    )
    awards = tmp_path / "awards.csv"
    awards.write_text(
        CSV_HEADER
        + "H000,MC-1,csv-learner-1,CSV-0001,2018-01-22,written examination,2018-01-10,pass,B\n"
        + "H001,MC-2,csv-learner-2,CSV-0002,2017-05-02,written examination,2017-05-01,pass,\n",
        encoding="utf-8",
    )

    result = ledger_cli("import", str(awards), "--source", SOURCE)

    assert result.exit_code == 0, result.output
    assert "awards: 2 written" in result.stdout
    record = open_ledger().get_learner_record("csv-learner-1")
    (award,) = record.awards.values()
    assert (award.provider_reference, award.issued_on.isoformat()) == ("CSV-0001", "2018-01-22")
    assert award.assessment is not None and award.assessment.grade == "B"
    assert award.imported_from == SOURCE


def test_refused_rows_are_named_with_their_lines_and_nothing_is_written(
    ledger_cli: Invoke, tmp_path: Path
) -> None:
    rows = list(history_rows(awards=10, providers=2))
    rows[-1]["issued_on"] = "2015-01-01"  # before the provider's accreditation
    rows[-2]["assessment"]["method"] = "oral examination"
    path = write(tmp_path / "old.jsonl", rows)
    report = tmp_path / "refused.jsonl"

    result = ledger_cli("import", str(path), "--source", SOURCE, "--report", str(report))

    assert result.exit_code == 1
    assert f"line {len(rows)}: provider H001 was not yet accredited on 2015-01-01" in result.stderr
    assert f"line {len(rows) - 1}: the assessment method 'oral examination'" in result.stderr
    assert "error: 2 row(s) refused; nothing was written" in result.stderr
    assert "Traceback" not in result.output
    refused = [orjson.loads(line) for line in report.read_bytes().splitlines()]
    assert [r["line"] for r in refused] == [len(rows) - 1, len(rows)]
    assert [r["problem"] for r in refused] == [
        "assessment-method-mismatch",
        "provider-not-accredited",
    ]
    # Nothing was written: the same file without its two bad rows imports whole.
    fixed = write(tmp_path / "fixed.jsonl", rows[:-2])
    clean = ledger_cli("import", str(fixed), "--source", SOURCE)
    assert "providers: 2 written, 0 already in the register" in clean.stdout


def test_a_csv_without_the_columns_it_needs_is_refused(ledger_cli: Invoke, tmp_path: Path) -> None:
    awards = tmp_path / "awards.csv"
    awards.write_text("provider,learner_id\nH000,x\n", encoding="utf-8")

    result = ledger_cli("import", str(awards), "--source", SOURCE)

    assert result.exit_code == 1
    assert "line 1: the header lacks the column(s) credential, provider_reference" in result.stderr


def test_an_import_names_its_source(ledger_cli: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path / "old.jsonl", registry_rows())

    result = ledger_cli("import", str(path), "--source", "  ")

    assert result.exit_code == 1
    assert "an import names its source" in result.stderr
