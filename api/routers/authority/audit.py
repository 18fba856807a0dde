"""The audit trail, from the audit view: every event with its actor, filtered, a page at
a time or as one streamed export."""

from __future__ import annotations

from enum import Enum
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query
from fastapi.responses import StreamingResponse

from api.auth import AuthorityKey
from api.models.authority import AuditEntryView, AuditPageView
from api.models.common import Moment, Position, one_line
from api.routers.authority.common import topic_router
from api.services import ServicesDep
from ledger.domain import ids, limits
from projections.read import AuditFilter

router = topic_router()


def audit_filter(
    *,
    services: ServicesDep,
    aggregate_id: UUID | None = None,
    award_id: UUID | None = None,
    provider_code: Annotated[
        str | None, Query(max_length=limits.CODE_MAX), one_line("provider_code")
    ] = None,
    actor: Annotated[str | None, Query(max_length=300, examples=["authority:registrar"])] = None,
    event_type: Annotated[
        str | None,
        Query(
            max_length=100,
            description="`LearnerRecord.AwardRevoked`, or `AwardRevoked` for any aggregate",
        ),
    ] = None,
    aggregate_type: Annotated[str | None, Query(max_length=100, examples=["Provider"])] = None,
    since: Annotated[Moment | None, Query(description="Inclusive")] = None,
    until: Annotated[Moment | None, Query(description="Exclusive")] = None,
) -> AuditFilter:
    provider_id = None if provider_code is None else ids.provider_id(provider_code)
    services.ledger.check_audit_filter(
        provider_id=provider_id, event_type=event_type, aggregate_type=aggregate_type
    )
    return AuditFilter(
        aggregate_id=aggregate_id,
        award_id=award_id,
        provider_id=provider_id,
        actor=actor,
        event_type=event_type,
        aggregate_type=aggregate_type,
        since=since,
        until=until,
    )


AuditFilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@router.get(
    "/audit",
    response_model=AuditPageView,
    operation_id="auditTrail",
    summary="The audit trail: every event with its actor, filtered, in log order",
)
def audit_trail(
    *,
    key: AuthorityKey,
    services: ServicesDep,
    filters: AuditFilterDep,
    after: Annotated[Position, Query(description="Cursor: a previous page's next_after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPageView:
    page = services.read_model.audit(filters, after=after, limit=limit)
    return AuditPageView(
        entries=[AuditEntryView.model_validate(e.to_json()) for e in page.entries],
        next_after=page.next_after,
    )


class ExportFormat(str, Enum):
    JSONL = "jsonl"
    CSV = "csv"


EXPORT_COUNT_HEADER = "Ledger-Export-Count"
"""How many entries (JSON lines, or CSV rows after the header) a whole export holds."""
EXPORT_POSITION_HEADER = "Ledger-Export-Position"
"""The log position the export is a snapshot of: entries after it are not in it."""

EXPORT_MEDIA_TYPES = {
    ExportFormat.JSONL: "application/x-ndjson",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}


@router.get(
    "/audit/export",
    operation_id="exportAuditTrail",
    summary="The whole filtered audit trail as JSON lines or CSV (streamed)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/x-ndjson": {}, "text/csv": {}},
            "description": (
                "One event per line; CSV has a header row, ISO 8601 dates, UTF-8. The"
                f" export is whole when it holds `{EXPORT_COUNT_HEADER}` entries; it is"
                f" the audit trail up to log position `{EXPORT_POSITION_HEADER}`."
            ),
            "headers": {
                EXPORT_COUNT_HEADER: {
                    "description": "The number of entries in the whole export",
                    "schema": {"type": "integer"},
                },
                EXPORT_POSITION_HEADER: {
                    "description": "The log position the export is a snapshot of",
                    "schema": {"type": "integer"},
                },
            },
        }
    },
)
def export_audit_trail(
    *,
    key: AuthorityKey,
    services: ServicesDep,
    filters: AuditFilterDep,
    format: ExportFormat = ExportFormat.JSONL,
    after: Annotated[Position, Query()] = 0,
) -> StreamingResponse:
    read_model = services.read_model
    # Fixed before the first byte: the snapshot (the audit view's position now) and how
    # many entries it holds, so that a failure before streaming is a problem answer and
    # a reader can tell an export cut short from a whole one.
    up_to = read_model.audit_position()
    count = read_model.audit_count(filters, after=after, up_to=up_to)
    if format is ExportFormat.CSV:
        lines = read_model.audit_csv(filters, after=after, up_to=up_to)
    else:
        lines = read_model.audit_jsonl(filters, after=after, up_to=up_to)
    return StreamingResponse(
        (line.encode("utf-8") for line in lines),
        media_type=EXPORT_MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="audit.{format.value}"',
            "Cache-Control": "no-store",
            EXPORT_COUNT_HEADER: str(count),
            EXPORT_POSITION_HEADER: str(up_to),
        },
    )
