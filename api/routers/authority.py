"""The national authority: providers, their keys and accreditation; micro-credential
decisions; audit of any aggregate's history and state; erasure of personal data.

Every operation needs an authority key; the actor the events record is
``authority:<key name>``.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from api.auth import AuthorityKey
from api.jsonable import aggregate_state, event_data, event_type
from api.models.authority import (
    AccreditProvider,
    AggregateHistory,
    AggregateState,
    AuditEntryView,
    AuditPageView,
    Decision,
    DecisionReference,
    EraseLearner,
    KeyIssued,
    KeyList,
    KeyView,
    LearnerErased,
    MicroCredentialDecided,
    NewKey,
    ProviderWritten,
    RecordedEvent,
    RegisterProvider,
    RenewProvider,
    RevokeAnyAward,
    TranscriptView,
)
from api.models.common import Moment, Position, Version, Written, one_line
from api.models.providers import AwardWritten
from api.problems import problem_responses
from api.services import ServicesDep
from api.writes import IdempotencyKey, perform
from ledger.domain import ids
from ledger.domain.principal import Role
from ledger.errors import LearnerNotFound
from projections.read import AuditFilter

PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 429)

router = APIRouter(prefix="/v1/authority", tags=["authority"], responses=PROBLEMS)

ProviderCode = Annotated[str, Path(max_length=64, examples=["SETU"]), one_line("provider_code")]


def _provider_written(code: str, position: int | None) -> ProviderWritten:
    return ProviderWritten(
        provider_id=ids.provider_id(code), code=code.strip().upper(), position=position
    )


# --- providers ------------------------------------------------------------------------
@router.post(
    "/providers",
    status_code=201,
    response_model=ProviderWritten,
    operation_id="registerProvider",
    summary="Register a provider (an awarding body)",
)
def register_provider(
    *,
    body: RegisterProvider,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.register_provider(
            code=body.code, name=body.name, country=body.country, kind=body.kind, actor=key.actor
        )
        return _provider_written(body.code, receipt.position)

    return perform(
        request,
        services,
        key=key,
        payload=body,
        idempotency_key=idempotency_key,
        command=command,
        status_code=201,
    )


@router.post(
    "/providers/{provider_code}/accreditation",
    response_model=ProviderWritten,
    operation_id="accreditProvider",
    summary="Accredit a registered provider within a scope until a date",
)
def accredit_provider(
    *,
    provider_code: ProviderCode,
    body: AccreditProvider,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.accredit_provider(
            ids.provider_id(provider_code),
            scope=body.scope.to_domain(),
            valid_until=body.valid_until,
            decision_reference=body.decision_reference,
            actor=key.actor,
        )
        return _provider_written(provider_code, receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/providers/{provider_code}/suspension",
    response_model=ProviderWritten,
    operation_id="suspendProvider",
    summary="Suspend a provider's accreditation",
)
def suspend_provider(
    *,
    provider_code: ProviderCode,
    body: Decision,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.suspend_provider(
            ids.provider_id(provider_code),
            reason=body.reason,
            decision_reference=body.decision_reference,
            actor=key.actor,
        )
        return _provider_written(provider_code, receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/providers/{provider_code}/reinstatement",
    response_model=ProviderWritten,
    operation_id="reinstateProvider",
    summary="Reinstate a suspended provider",
)
def reinstate_provider(
    *,
    provider_code: ProviderCode,
    body: Decision,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.reinstate_provider(
            ids.provider_id(provider_code),
            reason=body.reason,
            decision_reference=body.decision_reference,
            actor=key.actor,
        )
        return _provider_written(provider_code, receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/providers/{provider_code}/renewal",
    response_model=ProviderWritten,
    operation_id="renewProvider",
    summary="Renew a provider's accreditation (optionally with a new scope)",
)
def renew_provider(
    *,
    provider_code: ProviderCode,
    body: RenewProvider,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.renew_provider(
            ids.provider_id(provider_code),
            valid_until=body.valid_until,
            decision_reference=body.decision_reference,
            scope=None if body.scope is None else body.scope.to_domain(),
            actor=key.actor,
        )
        return _provider_written(provider_code, receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/providers/{provider_code}/withdrawal",
    response_model=ProviderWritten,
    operation_id="withdrawProvider",
    summary="Withdraw a provider's accreditation",
)
def withdraw_provider(
    *,
    provider_code: ProviderCode,
    body: Decision,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.withdraw_provider(
            ids.provider_id(provider_code),
            reason=body.reason,
            decision_reference=body.decision_reference,
            actor=key.actor,
        )
        return _provider_written(provider_code, receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


# --- provider keys --------------------------------------------------------------------
@router.post(
    "/providers/{provider_code}/keys",
    status_code=201,
    response_model=KeyIssued,
    operation_id="issueProviderKey",
    summary="Issue an API key for a registered provider (the secret is shown once)",
)
def issue_provider_key(
    *, provider_code: ProviderCode, body: NewKey, key: AuthorityKey, services: ServicesDep
) -> KeyIssued:
    provider = services.ledger.get_provider(ids.provider_id(provider_code))
    issued = services.keys.create(
        role=Role.PROVIDER, name=body.name, provider_code=provider.code, created_by=key.actor
    )
    return KeyIssued.of_issued(issued)


@router.get(
    "/keys",
    response_model=KeyList,
    operation_id="listKeys",
    summary="List API keys (never their secrets)",
)
def list_keys(
    *,
    key: AuthorityKey,
    services: ServicesDep,
    provider_code: Annotated[str | None, Query(max_length=64)] = None,
) -> KeyList:
    code = None if provider_code is None else provider_code.strip().upper()
    return KeyList(keys=[KeyView.of(k) for k in services.keys.list(provider_code=code)])


@router.post(
    "/keys/{key_id}/rotation",
    status_code=201,
    response_model=KeyIssued,
    operation_id="rotateKey",
    summary="Replace a key by a new one; the old one stops working at once",
)
def rotate_key(
    *, key_id: Annotated[str, Path(max_length=32)], key: AuthorityKey, services: ServicesDep
) -> KeyIssued:
    return KeyIssued.of_issued(services.keys.rotate(key_id, rotated_by=key.actor))


@router.post(
    "/keys/{key_id}/revocation",
    response_model=KeyView,
    operation_id="revokeKey",
    summary="Revoke a key; requests with it are refused from now on",
)
def revoke_key(
    *, key_id: Annotated[str, Path(max_length=32)], key: AuthorityKey, services: ServicesDep
) -> KeyView:
    return KeyView.of(services.keys.revoke(key_id, revoked_by=key.actor))


# --- micro-credentials ----------------------------------------------------------------
@router.post(
    "/micro-credentials/{micro_credential_id}/accreditation",
    response_model=MicroCredentialDecided,
    operation_id="accreditMicroCredential",
    summary="Accredit a defined micro-credential (issuance may start)",
)
def accredit_micro_credential(
    *,
    micro_credential_id: UUID,
    body: DecisionReference,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.accredit_micro_credential(
            micro_credential_id, decision_reference=body.decision_reference, actor=key.actor
        )
        return MicroCredentialDecided(
            micro_credential_id=micro_credential_id, position=receipt.position
        )

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/micro-credentials/{micro_credential_id}/revalidation",
    response_model=MicroCredentialDecided,
    operation_id="revalidateMicroCredential",
    summary="Revalidate a micro-credential after an assessment-method change",
)
def revalidate_micro_credential(
    *,
    micro_credential_id: UUID,
    body: DecisionReference,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.revalidate_micro_credential(
            micro_credential_id, decision_reference=body.decision_reference, actor=key.actor
        )
        return MicroCredentialDecided(
            micro_credential_id=micro_credential_id, position=receipt.position
        )

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/micro-credentials/{micro_credential_id}/withdrawal",
    response_model=MicroCredentialDecided,
    operation_id="withdrawMicroCredential",
    summary="Withdraw a micro-credential (nothing more is issued under it)",
)
def withdraw_micro_credential(
    *,
    micro_credential_id: UUID,
    body: Decision,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.withdraw_micro_credential(
            micro_credential_id,
            reason=body.reason,
            decision_reference=body.decision_reference,
            actor=key.actor,
        )
        return MicroCredentialDecided(
            micro_credential_id=micro_credential_id, position=receipt.position
        )

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


# --- awards and learners --------------------------------------------------------------
@router.post(
    "/awards/{award_id}/revocation",
    response_model=AwardWritten,
    operation_id="revokeAnyAward",
    summary="Revoke any provider's award (e.g. after a quality-assurance finding)",
)
def revoke_any_award(
    *,
    award_id: UUID,
    body: RevokeAnyAward,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.revoke_award(
            award_id, category=body.category, note=body.note, actor=key.actor
        )
        return AwardWritten(award_id=award_id, position=receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.post(
    "/learners/erasure",
    response_model=LearnerErased,
    operation_id="eraseLearner",
    summary="Erase a learner's personal data (crypto-shredding); awards stay checkable",
)
def erase_learner(
    *,
    body: EraseLearner,
    key: AuthorityKey,
    services: ServicesDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def command() -> Written:
        receipt = services.ledger.erase_learner(
            body.learner_id, reason=body.reason, actor=key.actor
        )
        return LearnerErased(learner_record_id=receipt.aggregate_id, position=receipt.position)

    return perform(
        request, services, key=key, payload=body, idempotency_key=idempotency_key, command=command
    )


@router.get(
    "/transcripts",
    response_model=TranscriptView,
    operation_id="learnerTranscript",
    summary="A learner's transcript (awards, stacked credentials, prior learning)",
)
def learner_transcript(
    key: AuthorityKey,
    services: ServicesDep,
    learner_id: Annotated[str, Query(min_length=1, max_length=128)],
) -> TranscriptView:
    transcript = services.read_model.transcript(learner_id)
    if transcript is None:
        msg = f"the ledger has no record for learner {learner_id!r}"
        raise LearnerNotFound(msg)
    return TranscriptView.model_validate(transcript)


# --- audit of the write model ---------------------------------------------------------
@router.get(
    "/aggregates/{aggregate_id}/events",
    response_model=AggregateHistory,
    operation_id="aggregateHistory",
    summary="Every event of one provider, micro-credential or learner record, oldest first",
)
def aggregate_history(
    *, aggregate_id: UUID, key: AuthorityKey, services: ServicesDep
) -> AggregateHistory:
    events = services.ledger.history(aggregate_id)
    return AggregateHistory(
        aggregate_id=aggregate_id,
        events=[
            RecordedEvent(
                version=e.originator_version,
                type=event_type(e),
                timestamp=e.timestamp,
                data=event_data(e),
            )
            for e in events
        ],
    )


@router.get(
    "/aggregates/{aggregate_id}/state",
    response_model=AggregateState,
    operation_id="aggregateState",
    summary="One aggregate as it is now, as it was at a time, or at a version",
)
def aggregate_at(
    *,
    aggregate_id: UUID,
    key: AuthorityKey,
    services: ServicesDep,
    at: Annotated[Moment | None, Query(description="ISO 8601 with a time zone")] = None,
    version: Annotated[Version | None, Query()] = None,
) -> AggregateState:
    aggregate = services.ledger.aggregate_at(aggregate_id, at=at, version=version)
    return AggregateState(
        aggregate_id=aggregate_id,
        type=type(aggregate).__qualname__,
        version=aggregate.version,
        modified_at=aggregate.modified_on,
        state=aggregate_state(aggregate),
    )


# --- audit trail (from the audit view) --------------------------------------------------
def audit_filter(
    *,
    services: ServicesDep,
    aggregate_id: UUID | None = None,
    award_id: UUID | None = None,
    provider_code: Annotated[str | None, Query(max_length=64), one_line("provider_code")] = None,
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
