"""The table the harness writes: each figure, its baseline, the ratio and the goal."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Figure:
    measure: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    baseline_unit: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


@dataclass
class Machine:
    cpus: int
    memory_gib: float
    postgres: str
    python: str
    system: str

    @classmethod
    def here(cls, postgres_version: str) -> Machine:
        memory_kib = 0
        meminfo = Path("/proc/meminfo")
        if meminfo.exists():
            for line in meminfo.read_text().splitlines():
                if line.startswith("MemTotal:"):
                    memory_kib = int(line.split()[1])
        return cls(
            cpus=os.cpu_count() or 0,
            memory_gib=round(memory_kib / 1024 / 1024, 1),
            postgres=postgres_version,
            python=platform.python_version(),
            system=f"{platform.system()} {platform.release()}",
        )


@dataclass
class Report:
    command: str
    machine: Machine
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    figures: list[Figure] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    """Other things measured in the run (seed rate, data set size), name and value."""

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def markdown_table(self) -> str:
        head = (
            "| measure | figure | baseline (same run) | ratio | goal | met? |\n"
            "| --- | ---: | --- | ---: | --- | :---: |\n"
        )
        rows = []
        for f in self.figures:
            baseline = (
                f"{_num(f.baseline)} {f.baseline_unit} ({f.baseline_name})" if f.baseline else "—"
            )
            ratio = f"{f.ratio:.2f}" if f.ratio is not None else "—"
            met = "—" if f.met is None else ("yes" if f.met else "**no**")
            figure = f"{_num(f.value)} {f.unit}" if f.value is not None else "n/a"
            note = f" ({f.note})" if f.note else ""
            rows.append(
                f"| {f.measure}{note} | {figure} | {baseline} | {ratio} | {f.goal} | {met} |"
            )
        return head + "\n".join(rows) + "\n"

    def markdown(self) -> str:
        m = self.machine
        facts = "\n".join(f"- {name}: {value}" for name, value in self.facts)
        return (
            f"Run of {self.started:%Y-%m-%d %H:%M} UTC on {m.cpus} cores, {m.memory_gib} GiB, "
            f"PostgreSQL {m.postgres}, Python {m.python}, {m.system}.\n\n"
            f"```bash\n{self.command}\n```\n\n"
            f"{self.markdown_table()}\n{facts}\n"
        )


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


BEGIN = "<!-- bench:begin (written by python -m scripts.bench; edit outside these marks) -->"
END = "<!-- bench:end -->"


def write_into(path: Path, report: Report) -> None:
    """Replace the generated part of ``path`` (between the marks), keeping the prose
    around it; create the file if it does not exist."""
    generated = f"{BEGIN}\n{report.markdown()}{END}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + generated + after
    else:
        text = f"# Benchmarks\n\n{generated}\n" if not text else f"{text.rstrip()}\n\n{generated}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
