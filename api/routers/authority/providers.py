"""The authority's decisions on providers: registration and accreditation, suspension,
reinstatement, renewal and withdrawal."""

from __future__ import annotations

from fastapi.responses import Response

from api.models.authority import (
    AccreditProvider,
    ProviderDecision,
    ProviderWritten,
    RegisterProvider,
    RenewProvider,
)
from api.models.common import Written
from api.routers.authority.common import ProviderCode, topic_router
from api.writes import AuthorityWrite
from ledger.domain import ids, limits

router = topic_router()


def _provider_written(code: str, position: int | None) -> ProviderWritten:
    return ProviderWritten(
        provider_id=ids.provider_id(code), code=limits.provider_code(code), position=position
    )


@router.post(
    "/providers",
    status_code=201,
    response_model=ProviderWritten,
    operation_id="registerProvider",
    summary="Register a provider (an awarding body)",
)
def register_provider(*, body: RegisterProvider, write: AuthorityWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.register_provider(
            code=body.code, name=body.name, country=body.country, kind=body.kind, by=write.by
        )
        return _provider_written(body.code, receipt.position)

    return write.perform(body, command, status_code=201)


@router.post(
    "/providers/{provider_code}/accreditation",
    response_model=ProviderWritten,
    operation_id="accreditProvider",
    summary="Accredit a registered provider within a scope until a date",
)
def accredit_provider(
    *, provider_code: ProviderCode, body: AccreditProvider, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.accredit_provider(
            ids.provider_id(provider_code),
            scope=body.scope.to_domain(),
            valid_until=body.valid_until,
            decision_reference=body.decision_reference,
            by=write.by,
            effective_on=body.effective_on,
        )
        return _provider_written(provider_code, receipt.position)

    return write.perform(body, command)


@router.post(
    "/providers/{provider_code}/suspension",
    response_model=ProviderWritten,
    operation_id="suspendProvider",
    summary="Suspend a provider's accreditation",
)
def suspend_provider(
    *, provider_code: ProviderCode, body: ProviderDecision, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.suspend_provider(
            ids.provider_id(provider_code),
            reason=body.reason,
            decision_reference=body.decision_reference,
            by=write.by,
            effective_on=body.effective_on,
        )
        return _provider_written(provider_code, receipt.position)

    return write.perform(body, command)


@router.post(
    "/providers/{provider_code}/reinstatement",
    response_model=ProviderWritten,
    operation_id="reinstateProvider",
    summary="Reinstate a suspended provider",
)
def reinstate_provider(
    *, provider_code: ProviderCode, body: ProviderDecision, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.reinstate_provider(
            ids.provider_id(provider_code),
            reason=body.reason,
            decision_reference=body.decision_reference,
            by=write.by,
            effective_on=body.effective_on,
        )
        return _provider_written(provider_code, receipt.position)

    return write.perform(body, command)


@router.post(
    "/providers/{provider_code}/renewal",
    response_model=ProviderWritten,
    operation_id="renewProvider",
    summary="Renew a provider's accreditation (optionally with a new scope)",
)
def renew_provider(
    *, provider_code: ProviderCode, body: RenewProvider, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.renew_provider(
            ids.provider_id(provider_code),
            valid_until=body.valid_until,
            decision_reference=body.decision_reference,
            scope=None if body.scope is None else body.scope.to_domain(),
            by=write.by,
            effective_on=body.effective_on,
        )
        return _provider_written(provider_code, receipt.position)

    return write.perform(body, command)


@router.post(
    "/providers/{provider_code}/withdrawal",
    response_model=ProviderWritten,
    operation_id="withdrawProvider",
    summary="Withdraw a provider's accreditation",
)
def withdraw_provider(
    *, provider_code: ProviderCode, body: ProviderDecision, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.withdraw_provider(
            ids.provider_id(provider_code),
            reason=body.reason,
            decision_reference=body.decision_reference,
            by=write.by,
            effective_on=body.effective_on,
        )
        return _provider_written(provider_code, receipt.position)

    return write.perform(body, command)
