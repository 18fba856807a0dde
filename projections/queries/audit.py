"""The audit trail: the audit view's rows, each with its event's data read from the
log itself by position; pages, counts and exports (JSON lines, CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import orjson

from projections.queries.common import ReadContext, like_escape, limit_of
from projections.results import AUDIT_CSV_COLUMNS, AuditEntry, AuditFilter, AuditPage


# --- plain JSON from the stored (tagged) event state -----------------------------------
def plain(value: Any) -> Any:
    """The transcoder's tagged JSON as plain JSON values."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 2 and "_type_" in value and "_data_" in value:
        kind, data = value["_type_"], value["_data_"]
        if kind == "uuid_hex":
            return str(UUID(hex=data))
        if kind in ("tuple",):
            return [plain(v) for v in data]
        if kind == "enum":
            return plain(data[1])
        if kind == "dataclass":
            return {k: plain(v) for k, v in data[1].items()}
        return data  # datetime_iso, date_iso, decimal_str, bytes_b64: already strings
    return {k: plain(v) for k, v in value.items()}


def audit_select(ctx: ReadContext) -> str:
    """The audit rows with each event's stored state, read from the log by position."""
    recorder: Any = ctx.ledger.recorder
    name: str = recorder.events_table_name
    events = '"' + name.replace('"', '""') + '"'
    return (
        "SELECT a.*, e.state FROM {s}proj_audit a JOIN {s}"
        + events
        + " e ON e.{log_position} = a.position WHERE "
    )


def audit(
    ctx: ReadContext, filters: AuditFilter | None = None, *, after: int = 0, limit: int = 100
) -> AuditPage:
    """Audit entries matching ``filters``, in log order, after position ``after``
    (the cursor: pass the previous page's ``next_after``), at most ``limit``
    (1..1000) of them."""
    limit = limit_of(limit)
    entries = audit_rows(ctx, filters or AuditFilter(), after, limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    return AuditPage(entries, entries[-1].position if more and entries else None)


def iter_audit(
    ctx: ReadContext,
    filters: AuditFilter | None = None,
    *,
    after: int = 0,
    batch: int = 1000,
    up_to: int | None = None,
) -> Iterator[AuditEntry]:
    """Every matching entry after ``after`` (and up to position ``up_to``, when
    given), in log order, read in batches."""
    cursor = after
    while True:
        rows = audit_rows(ctx, filters or AuditFilter(), cursor, limit_of(batch), up_to)
        yield from rows
        if len(rows) < batch:
            return
        cursor = rows[-1].position


def audit_count(
    ctx: ReadContext,
    filters: AuditFilter | None = None,
    *,
    after: int = 0,
    up_to: int | None = None,
) -> int:
    """How many entries `iter_audit` gives for the same arguments: an export says it
    beforehand, so that a reader can tell a cut export from a whole one."""
    clauses, params = audit_where(ctx, filters or AuditFilter(), after, up_to)
    with ctx.d.read() as c:
        c.execute(
            ctx.d.q("SELECT COUNT(*) AS n FROM {s}proj_audit WHERE " + " AND ".join(clauses)),
            params,
        )
        row = c.fetchone()
    return int(row["n"])


def audit_jsonl(
    ctx: ReadContext,
    filters: AuditFilter | None = None,
    *,
    after: int = 0,
    up_to: int | None = None,
) -> Iterator[str]:
    """The matching entries as JSON lines (UTF-8 text, one object per line, each
    ending with a newline)."""
    for entry in iter_audit(ctx, filters, after=after, up_to=up_to):
        yield orjson.dumps(entry.to_json()).decode() + "\n"


def audit_csv(
    ctx: ReadContext,
    filters: AuditFilter | None = None,
    *,
    after: int = 0,
    up_to: int | None = None,
) -> Iterator[str]:
    """The matching entries as CSV text: a header row, then one row per event (ISO
    8601 timestamps, ``data`` as a JSON cell, RFC 4180 quoting, CRLF line ends).
    Encode as UTF-8 (a byte-order mark first helps some spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_CSV_COLUMNS)
    yield buffer.getvalue()
    for entry in iter_audit(ctx, filters, after=after, up_to=up_to):
        buffer.seek(0)
        buffer.truncate()
        row = entry.to_json()
        row["data"] = orjson.dumps(entry.data).decode()
        writer.writerow(["" if row[k] is None else row[k] for k in AUDIT_CSV_COLUMNS])
        yield buffer.getvalue()


def stored_json(ctx: ReadContext, state: bytes) -> bytes:
    """An event's stored state as the transcoder's JSON (decrypted and decompressed
    when the store is configured so)."""
    mapper = ctx.ledger.mapper
    if mapper.cipher is not None:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor is not None:
        state = mapper.compressor.decompress(state)
    return state


def audit_rows(
    ctx: ReadContext, f: AuditFilter, after: int, limit: int, up_to: int | None = None
) -> list[AuditEntry]:
    d = ctx.d
    clauses, params = audit_where(ctx, f, after, up_to)
    params.append(limit)
    with d.read() as c:
        c.execute(
            d.q(audit_select(ctx) + " AND ".join(clauses) + " ORDER BY position LIMIT ?"),
            params,
        )
        rows = c.fetchall()
    return [
        AuditEntry(
            position=int(r["position"]),
            timestamp=d.from_ts(r["timestamp"]),
            aggregate_type=r["aggregate_type"],
            aggregate_id=d.from_uuid(r["aggregate_id"]),
            aggregate_version=int(r["aggregate_version"]),
            event_type=r["event_type"],
            actor=r["actor"],
            reason=r["reason"],
            decision_reference=r["decision_reference"],
            provider_id=d.from_uuid(r["provider_id"]),
            award_id=d.from_uuid(r["award_id"]),
            data=plain(orjson.loads(stored_json(ctx, r["state"]))),
        )
        for r in rows
    ]


def audit_where(
    ctx: ReadContext, f: AuditFilter, after: int, up_to: int | None
) -> tuple[list[str], list[Any]]:
    """The audit view's WHERE clauses (joined with AND) and their parameters."""
    d = ctx.d
    clauses = ["position > ?"]
    params: list[Any] = [after]
    if up_to is not None:
        clauses.append("position <= ?")
        params.append(up_to)
    for column, value in (
        ("aggregate_id", d.to_uuid(f.aggregate_id)),
        ("award_id", d.to_uuid(f.award_id)),
        ("provider_id", d.to_uuid(f.provider_id)),
        ("actor", f.actor),
        ("aggregate_type", f.aggregate_type),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if f.event_type:
        if "." in f.event_type:
            clauses.append("event_type = ?")
            params.append(f.event_type)
        else:
            clauses.append("event_type LIKE ? ESCAPE '!'")
            params.append("%." + like_escape(f.event_type))
    if f.since is not None:
        clauses.append("timestamp >= ?")
        params.append(d.to_ts(f.since))
    if f.until is not None:
        clauses.append("timestamp < ?")
        params.append(d.to_ts(f.until))
    return clauses, params


def first_position(ctx: ReadContext, award_id: UUID) -> int | None:
    """The log position of the first event about an award (its issuance), from the
    audit view's index on awards; ``None`` if the view has none."""
    d = ctx.d
    with d.read() as c:
        c.execute(
            d.q("SELECT MIN(position) AS first FROM {s}proj_audit WHERE award_id = ?"),
            (d.to_uuid(award_id),),
        )
        row = c.fetchone()
    return None if row is None or row["first"] is None else int(row["first"])
