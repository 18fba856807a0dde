"""The benchmark harness, run end to end at toy sizes so that it cannot rot.

It asserts that the harness produces a complete table of numeric figures, never how
fast anything is: the real runs (``python -m scripts.bench``) are not part of CI.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from scripts.bench.run import main
from tests.conftest import ADMIN_URL

pytestmark = pytest.mark.postgres

MEASURES = (
    "Issuance",
    "Status checks, random ids of 150 awards",
    "Status checks, random ids of",
    "Revocation visible",
    "Rebuild",
    "Scale: status p50 / p99",
    "Scale: API process RSS",
    # Issue 22's denominators: the library's own save, a plain FastAPI constant route.
    "Issuance against eventsourcing's own batched save",
    "Status checks against a plain FastAPI constant route, 150 awards",
    "Status checks against a plain FastAPI constant route",
)
NUMBER = re.compile(r"^[\d,]+(\.\d+)? ")


def test_the_harness_writes_a_complete_table_of_figures(
    tmp_path: Path, postgres_database: str
) -> None:
    del postgres_database  # only to fail (or skip) like every PostgreSQL test
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n\nProse that the harness keeps.\n", encoding="utf-8")
    args = [
        "--admin-url",
        ADMIN_URL,
        "--database",
        f"ledger_bench_smoke_{os.getpid()}",
        "--awards",
        "300",
        "--small",
        "150",
        "--issue",
        "60",
        "--issue-in-flight",
        "3",
        "--seconds",
        "1",
        "--warmup",
        "0",
        "--connections",
        "4",
        "--threads",
        "1",
        "--light-connections",
        "2",
        "--insert-rows",
        "300",
        "--status-ids",
        "100",
        "--output",
        str(output),
        "--quiet",
    ]

    assert main(args) == 0

    text = output.read_text(encoding="utf-8")
    assert "Prose that the harness keeps." in text
    assert "python -m scripts.bench" in text
    assert "60 awards in batches of 500, 3 in flight" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    body = rows[1:]  # after the header
    assert len(body) == len(MEASURES)
    for measure, row in zip(MEASURES, body, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0].startswith(measure), row
        assert NUMBER.match(cells[1] + " "), f"no figure in {row}"
        assert cells[5] in ("yes", "**no**"), f"no verdict in {row}"
    ratio_rows = [r for r in body if not r.startswith("| Revocation")]
    for row in ratio_rows:
        ratio = row.strip("|").split("|")[3].strip()
        assert re.fullmatch(r"\d+\.\d\d", ratio), f"no ratio in {row}"
    cpu = re.search(
        r"CPU per award while issuing: API ([\d,]+) µs, projection worker ([\d,]+) µs, "
        r"PostgreSQL ([\d,]+) µs",
        text,
    )
    assert cpu is not None, "no CPU breakdown of issuance"
    assert int(cpu.group(1).replace(",", "")) > 0, "the API used no CPU to issue awards?"
    library = re.search(
        r"eventsourcing's own `Application.save` .*?: ([\d,]+) aggregates/s, "
        r"(\d+\.\d\d) of the raw INSERT",
        text,
    )
    assert library is not None, "no reference figure of eventsourcing's own save"
    assert float(library.group(2)) > 0
    national = re.search(r"([\d.,]+) KiB per award on disk .*?at 100,000,000 awards", text)
    assert national is not None, "no size per award and national projection"
    assert float(national.group(1).replace(",", "")) > 0
