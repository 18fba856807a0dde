"""The authority's decisions on micro-credentials: accreditation, revalidation after an
assessment-method change, and withdrawal."""

from __future__ import annotations

from uuid import UUID

from fastapi.responses import Response

from api.models.authority import (
    AccreditMicroCredential,
    Decision,
    DecisionReference,
    MicroCredentialDecided,
)
from api.models.common import Written
from api.routers.authority.common import topic_router
from api.writes import AuthorityWrite

router = topic_router()


@router.post(
    "/micro-credentials/{micro_credential_id}/accreditation",
    response_model=MicroCredentialDecided,
    operation_id="accreditMicroCredential",
    summary="Accredit a defined micro-credential (issuance may start)",
)
def accredit_micro_credential(
    *, micro_credential_id: UUID, body: AccreditMicroCredential, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.accredit_micro_credential(
            micro_credential_id,
            decision_reference=body.decision_reference,
            by=write.by,
            effective_on=body.effective_on,
        )
        return MicroCredentialDecided(
            micro_credential_id=micro_credential_id, position=receipt.position
        )

    return write.perform(body, command)


@router.post(
    "/micro-credentials/{micro_credential_id}/revalidation",
    response_model=MicroCredentialDecided,
    operation_id="revalidateMicroCredential",
    summary="Revalidate a micro-credential after an assessment-method change",
)
def revalidate_micro_credential(
    *, micro_credential_id: UUID, body: DecisionReference, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.revalidate_micro_credential(
            micro_credential_id, decision_reference=body.decision_reference, by=write.by
        )
        return MicroCredentialDecided(
            micro_credential_id=micro_credential_id, position=receipt.position
        )

    return write.perform(body, command)


@router.post(
    "/micro-credentials/{micro_credential_id}/withdrawal",
    response_model=MicroCredentialDecided,
    operation_id="withdrawMicroCredential",
    summary="Withdraw a micro-credential (nothing more is issued under it)",
)
def withdraw_micro_credential(
    *, micro_credential_id: UUID, body: Decision, write: AuthorityWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.withdraw_micro_credential(
            micro_credential_id,
            reason=body.reason,
            decision_reference=body.decision_reference,
            by=write.by,
        )
        return MicroCredentialDecided(
            micro_credential_id=micro_credential_id, position=receipt.position
        )

    return write.perform(body, command)
