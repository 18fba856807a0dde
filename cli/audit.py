"""``ledger audit``: query the audit trail, or export it as JSON lines or CSV.

The answers come from the audit view (``projections``). Unless ``--no-catch-up`` is
given, the view is first brought up to the end of the log, with a progress bar, so
an export holds everything recorded before the command started.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated
from uuid import UUID

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cli.app import app, console, err_console, fail, user_errors
from cli.store import command_process
from ledger.application import Ledger
from ledger.domain import ids
from ledger.domain.moments import utc_moment
from ledger.errors import InvalidMoment

if TYPE_CHECKING:
    from projections.read import AuditEntry, AuditFilter, ReadModel
    from projections.store import ViewStore

AUDIT_VIEW = "audit"


class Format(str, Enum):
    TABLE = "table"
    JSONL = "jsonl"
    CSV = "csv"


def parse_moment(text: str, option: str) -> datetime:
    """An ISO 8601 date (midnight UTC) or date-time (UTC when no offset is given)."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(
            f"{option} must be an ISO 8601 date or date-time "
            f"(2026-11-25 or 2026-11-25T14:00Z), got {text!r}"
        )
    try:
        return utc_moment(moment)
    except InvalidMoment as error:
        fail(f"{option}: {error}")


def parse_uuid(text: str, option: str) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        fail(f"{option} must be an id like 3f2a9c4e-1b7d-5e2a-9c4b-7d1e2f3a4b5c, got {text!r}")


def provider_uuid(text: str) -> UUID:
    """A provider's id, or its code (the id is derived from the code)."""
    try:
        return UUID(text.strip())
    except ValueError:
        if not text.strip():
            fail("--provider must be a provider code or id")
        return ids.provider_id(text)


def catch_up(ledger: Ledger, store: ViewStore | None = None) -> None:
    from projections.follower import Follower

    follower = Follower(ledger, views=[AUDIT_VIEW], store=store)
    start = min(follower.refresh_positions().values(), default=0)
    end = follower.log_position()
    if end <= start:
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("bringing the audit view up to date", total=end - start)

        def advance(position: int, log_position: int) -> None:
            progress.update(task, completed=position - start, total=max(log_position - start, 1))

        follower.catch_up(progress=advance)


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV
# injection"): a reason typed by a provider must not become =HYPERLINK(...) in Excel.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: formula-like text gets a leading
    apostrophe, which Excel and LibreOffice hide and treat as "this is text"."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def excel_csv(read: ReadModel, filters: AuditFilter) -> Iterator[str]:
    """The audit CSV (same columns as ``ReadModel.audit_csv``) with every cell made
    safe to open in a spreadsheet."""
    from projections.read import AUDIT_CSV_COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_CSV_COLUMNS)
    yield buffer.getvalue()
    for entry in read.iter_audit(filters):
        buffer.seek(0)
        buffer.truncate()
        row = entry.to_json()
        row["data"] = orjson.dumps(entry.data).decode()
        writer.writerow([excel_cell(row[column]) for column in AUDIT_CSV_COLUMNS])
        yield buffer.getvalue()


def _lines(
    read: ReadModel, fmt: Format, filters: AuditFilter, limit: int | None, excel: bool
) -> Iterator[str]:
    header = fmt is Format.CSV
    if not header:
        lines = read.audit_jsonl(filters)
    else:
        lines = excel_csv(read, filters) if excel else read.audit_csv(filters)
    for count, line in enumerate(lines):
        if limit is not None and count - header >= limit:
            return
        yield line


def _write(lines: Iterator[str], out: IO[str], show_progress: bool) -> int:
    """Write every line; returns how many records (not header lines) were written."""
    written = 0
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} events"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show_progress,
    ) as progress:
        task = progress.add_task("exporting the audit trail")
        for line in lines:
            out.write(line)
            written += 1
            if written % 500 == 0:
                progress.update(task, completed=written)
    return written


def _table(entries: list[AuditEntry]) -> Table:
    table = Table(title=f"audit trail ({len(entries)} events)", title_justify="left")
    for column in ("position", "time (UTC)", "event", "aggregate", "actor", "reason / decision"):
        table.add_column(column, overflow="fold")
    for e in entries:
        why = " / ".join(x for x in (e.reason, e.decision_reference) if x)
        table.add_row(
            str(e.position),
            e.timestamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.event_type,
            str(e.aggregate_id),
            e.actor or "",
            why,
        )
    return table


@app.command()
def audit(
    *,
    award: Annotated[str | None, typer.Option(help="Only events about this award id.")] = None,
    provider: Annotated[
        str | None, typer.Option(help="Only events about this provider (code or id).")
    ] = None,
    aggregate: Annotated[str | None, typer.Option(help="Only events of this aggregate id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only events recorded by this actor.")] = None,
    event_type: Annotated[
        str | None,
        typer.Option(
            "--event", help="Only this event type, e.g. AwardRevoked or Provider.Suspended."
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this ISO date or date-time (inclusive).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this ISO date or date-time.")] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, jsonl or csv.")
    ] = Format.TABLE,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the export to this file (default: standard output)."
        ),
    ] = None,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            "--bom",
            help="CSV for Excel: a UTF-8 byte-order mark first, and cells that would run"
            " as formulas (=, +, -, @) kept as text with a leading apostrophe.",
        ),
    ] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many events (table: 50 by default).")
    ] = None,
    refresh: Annotated[
        bool,
        typer.Option("--catch-up/--no-catch-up", help="Bring the audit view up to date first."),
    ] = True,
) -> None:
    """Query the audit trail, or export it as JSON lines or CSV.

    Who changed what, when, under which decision and why.
    Export everything with --format jsonl|csv --output FILE.
    CSV: a header row, ISO 8601 times, UTF-8 (--excel for Excel).
    """
    from projections.read import AuditFilter

    with user_errors():  # a control character in a filter
        filters = AuditFilter(
            aggregate_id=parse_uuid(aggregate, "--aggregate") if aggregate else None,
            award_id=parse_uuid(award, "--award") if award else None,
            provider_id=provider_uuid(provider) if provider is not None else None,
            actor=actor or None,
            event_type=event_type or None,
            since=parse_moment(since, "--since") if since else None,
            until=parse_moment(until, "--until") if until else None,
        )
    if filters.since and filters.until and filters.since >= filters.until:
        fail("--since must be before --until")
    if excel and fmt is not Format.CSV:
        fail("--excel only applies to --format csv")
    if output is not None and fmt is Format.TABLE:
        fail("--output needs --format jsonl or csv")

    with command_process() as process:
        ledger = process.ledger
        ledger.check_audit_filter(provider_id=filters.provider_id, event_type=filters.event_type)
        if refresh:
            catch_up(ledger, process.view_store)
        read = process.read_model
        if fmt is Format.TABLE:
            page = read.audit(filters, limit=min(limit or 50, 1000))
            if not page.entries:
                console.print("no events match")
                return
            console.print(_table(page.entries))
            if page.next_after is not None:
                console.print(
                    "more events match: use --limit, or --format jsonl|csv to export them all",
                    highlight=False,
                )
            return
        lines = _lines(read, fmt, filters, limit, excel)
        if output is None:
            written = _write(lines, sys.stdout, show_progress=False)
        else:
            # Written beside the target and renamed at the end: an interrupted export
            # never leaves a truncated file under the name asked for.
            partial = output.with_name(output.name + ".part")
            encoding = "utf-8-sig" if excel else "utf-8"
            try:
                with partial.open("w", encoding=encoding, newline="") as out:
                    written = _write(lines, out, show_progress=True)
                partial.replace(output)
            finally:
                partial.unlink(missing_ok=True)
    if output is not None:
        records = written - (1 if fmt is Format.CSV else 0)
        err_console.print(f"wrote {records} events to {output}", highlight=False, soft_wrap=True)
