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
MEASURES_TWO_SIZES = (
    "Issuance",
    "Status checks, random ids of 150 awards",
    "Status checks, random ids of",  # at the first large size
    "Status checks, random ids of",  # at the second
    "Revocation visible",
    "Rebuild",
    "Rebuild",
    "Scale: status p50 / p99",
    "Scale: API process RSS",
    "Scale: status p50 / p99",
    "Scale: API process RSS",
    "Issuance against eventsourcing's own batched save",
    "Status checks against a plain FastAPI constant route, 150 awards",
    "Status checks against a plain FastAPI constant route",
    "Status checks against a plain FastAPI constant route",
)
NUMBER = re.compile(r"^[\d,]+(\.\d+)? ")


@pytest.mark.parametrize(
    ("awards", "measures"),
    [("300", MEASURES), ("250,350", MEASURES_TWO_SIZES)],
    ids=["one-large-size", "two-large-sizes"],
)
def test_the_harness_writes_a_complete_table_of_figures(
    tmp_path: Path, postgres_database: str, awards: str, measures: tuple[str, ...]
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
        awards,
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
    assert len(body) == len(measures)
    for measure, row in zip(measures, body, strict=True):
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
    # The seeding runs no worker: the log is caught up before the measures, each size.
    caught_up = re.search(r"- the tamper-evident log after each growth .*?: (.*)", text)
    assert caught_up is not None, "no catch-up of the tamper-evident log"
    assert len(
        re.findall(r"[\d,]+ leaves in [\d.]+ s at [\d,]+ awards", caught_up.group(1))
    ) == len(awards.split(",")), caught_up.group(1)
    # py-spy's profiles (scripts/bench/profiling.py): the status route, the plain route
    # and issuance, where the time goes by module, at the largest size. The loads of the
    # two routes are long enough for their own modules to show; issuance at these toy
    # sizes gets a few dozen samples, so which modules lead is chance there (the
    # attribution itself is tested from raw py-spy output in test_profiling.py).
    largest = re.findall(r"Status checks, random ids of ([\d,]+) awards", text)[-1]
    for fact, unit, module in (
        (f"where a status check's time goes (API process, {largest} awards", "request", "api."),
        ("where the plain FastAPI route's time goes", "request", "uvicorn"),
        ("where issuance's time goes in the API", "award", ""),
        ("where issuance's time goes in the projection worker", "award", ""),
    ):
        found = re.search(rf"- {re.escape(fact)}.*?: ([\d,]+) µs per {unit} \((.*)\)", text)
        assert found is not None, f"no profile: {fact}"
        assert int(found.group(1).replace(",", "")) > 0
        assert re.fullmatch(r"[^,]+ \d+(, [^,]+ \d+)*", found.group(2)), found.group(2)
        assert module in found.group(2), found.group(2)
    sizes = awards.split(",")
    if len(sizes) == 1:
        assert "- seed, growth step: 150 awards at " in text
        assert "size on disk per award:" not in text
        assert re.search(
            r"random sample of [\d,]+ awards \(small\) and [\d,]+ awards \(large\) ", text
        )
        return
    # Several sizes: each large size has its own rows, from the small one to it, ...
    larges = [re.search(r"Status checks, random ids of ([\d,]+) awards", row) for row in body[2:4]]
    counts = [m.group(1) for m in larges if m is not None]
    assert len(counts) == 2, body[2:4]
    assert int(counts[0].replace(",", "")) < int(counts[1].replace(",", ""))
    for count in counts:
        assert f"Scale: status p50 / p99 at 150 → {count} awards" in text
        assert f"Scale: API process RSS at 150 → {count} awards" in text
        assert f"Status checks against a plain FastAPI constant route, {count} awards" in text
    rebuilds = [
        int(m.replace(",", "")) for m in re.findall(r"Rebuild .*?\(([\d,]+) events\)", text)
    ]
    assert len(rebuilds) == 2 and rebuilds[0] < rebuilds[1], rebuilds
    # ... each growth step's seed rate, and the size on disk per award at each size.
    assert "- seed, growth step to 250: 100 awards at " in text
    assert "- seed, growth step to 350: 100 awards at " in text
    per_award = re.search(r"- size on disk per award: (.*)", text)
    assert per_award is not None, "no size on disk per award at each size"
    for count in counts:
        assert re.search(rf"[\d.,]+ KiB at {count} awards", per_award.group(1)), per_award.group(1)
    assert re.search(
        rf"random sample of [\d,]+ awards \(small\), [\d,]+ awards \(at {counts[0]}\) and "
        rf"[\d,]+ awards \(at {counts[1]}\) of the whole data set",
        text,
    )
