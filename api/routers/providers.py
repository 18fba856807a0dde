"""Providers: define their micro-credentials and push awards from their own systems.

Every operation acts for the provider in the path, with that provider's key; the actor
the events record is ``provider:<CODE>:<key id>``.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import ProviderKey
from api.models.common import Written
from api.models.providers import (
    AmendMicroCredential,
    AwardsWritten,
    AwardWritten,
    ChangeAssessmentMethod,
    DefineMicroCredential,
    IssueAward,
    IssueAwardBatch,
    IssuedAwardView,
    LearnerWritten,
    MicroCredentialWritten,
    ProviderAwardView,
    RecognisePriorLearning,
    RecordPersonalData,
    RevokeAward,
    StackAwards,
)
from api.problems import problem_responses
from api.services import ServicesDep
from api.writes import ProviderWrite
from ledger.application import BatchReceipt, BatchRejected

PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 429)

router = APIRouter(prefix="/v1/providers/{provider_code}", tags=["providers"], responses=PROBLEMS)


def _awards_written(receipt: BatchReceipt) -> AwardsWritten:
    return AwardsWritten(
        awards=[
            IssuedAwardView(
                award_id=a.award_id,
                learner_id=a.learner_id,
                provider_reference=a.provider_reference,
                created=a.created,
            )
            for a in receipt.awards
        ],
        position=receipt.position,
    )


@router.post(
    "/micro-credentials",
    status_code=201,
    response_model=MicroCredentialWritten,
    operation_id="defineMicroCredential",
    summary="Define a micro-credential (the authority then accredits it)",
)
def define_micro_credential(*, body: DefineMicroCredential, write: ProviderWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.define_micro_credential(
            provider_id=write.provider_id,
            code=body.code,
            specification=body.specification.to_domain(),
            stacking_rule=None if body.stacking_rule is None else body.stacking_rule.to_domain(),
            by=write.by,
        )
        return MicroCredentialWritten(
            micro_credential_id=receipt.aggregate_id, position=receipt.position
        )

    return write.perform(body, command, status_code=201)


@router.patch(
    "/micro-credentials/{micro_credential_id}",
    response_model=MicroCredentialWritten,
    operation_id="amendMicroCredential",
    summary="Amend non-material elements of a micro-credential",
)
def amend_micro_credential(
    *, micro_credential_id: UUID, body: AmendMicroCredential, write: ProviderWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.amend_micro_credential(
            micro_credential_id,
            changes=body.changes.to_domain(),
            reason=body.reason,
            by=write.by,
        )
        return MicroCredentialWritten(
            micro_credential_id=receipt.aggregate_id, position=receipt.position
        )

    return write.perform(body, command)


@router.post(
    "/micro-credentials/{micro_credential_id}/assessment-method",
    response_model=MicroCredentialWritten,
    operation_id="changeAssessmentMethod",
    summary="Change the assessment method (puts the micro-credential into revalidation)",
)
def change_assessment_method(
    *, micro_credential_id: UUID, body: ChangeAssessmentMethod, write: ProviderWrite
) -> Response:
    def command() -> Written:
        receipt = write.ledger.change_assessment_method(
            micro_credential_id,
            assessment_type=body.assessment_type,
            reason=body.reason,
            by=write.by,
        )
        return MicroCredentialWritten(
            micro_credential_id=receipt.aggregate_id, position=receipt.position
        )

    return write.perform(body, command)


@router.post(
    "/awards",
    status_code=201,
    response_model=AwardsWritten,
    operation_id="issueAward",
    summary="Issue one award",
)
def issue_award(*, body: IssueAward, write: ProviderWrite) -> Response:
    def command() -> Written:
        try:
            receipt = write.ledger.issue_award(
                provider_id=write.provider_id, request=body.to_domain(), by=write.by
            )
        except BatchRejected as rejected:
            # A batch of one: answer with the refusal itself (409 for a state conflict).
            raise rejected.failures[0].error from None
        return _awards_written(receipt)

    return write.perform(body, command, status_code=201)


@router.post(
    "/awards:batch",
    status_code=201,
    response_model=AwardsWritten,
    operation_id="issueAwardBatch",
    summary="Issue up to 1,000 awards, all or nothing",
    description="If any item is refused, nothing is issued and the 422 problem's `errors`"
    " lists every refused item with its index and reason.",
)
def issue_award_batch(*, body: IssueAwardBatch, write: ProviderWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.issue_awards(
            provider_id=write.provider_id,
            requests=[item.to_domain() for item in body.awards],
            by=write.by,
        )
        return _awards_written(receipt)

    return write.perform(body, command, status_code=201)


@router.get(
    "/awards/{award_id}",
    response_model=ProviderAwardView,
    operation_id="providerAward",
    summary="One award this provider issued, with what it recorded about a revocation",
)
def provider_award(*, award_id: UUID, key: ProviderKey, services: ServicesDep) -> ProviderAwardView:
    report = services.ledger.provider_award(award_id, by=key.principal)
    return ProviderAwardView.of(report)


@router.post(
    "/awards/{award_id}/revocation",
    response_model=AwardWritten,
    operation_id="revokeAward",
    summary="Revoke an award this provider issued (it stays in history, shown revoked)",
)
def revoke_award(*, award_id: UUID, body: RevokeAward, write: ProviderWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.revoke_award(
            award_id,
            category=body.category,
            note=body.note,
            by=write.by,
        )
        return AwardWritten(award_id=award_id, position=receipt.position)

    return write.perform(body, command)


@router.post(
    "/stacked-awards",
    status_code=201,
    response_model=AwardsWritten,
    operation_id="stackAwards",
    summary="Combine a learner's valid awards into a larger credential",
)
def stack_awards(*, body: StackAwards, write: ProviderWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.stack_awards(
            provider_id=write.provider_id,
            learner_id=body.learner_id,
            target_credential_id=body.target_micro_credential_id,
            component_award_ids=body.component_award_ids,
            provider_reference=body.provider_reference,
            by=write.by,
        )
        return _awards_written(receipt)

    return write.perform(body, command, status_code=201)


@router.post(
    "/prior-learning-awards",
    status_code=201,
    response_model=AwardsWritten,
    operation_id="recognisePriorLearning",
    summary="Grant an award by recognition of prior learning (RPL)",
)
def recognise_prior_learning(*, body: RecognisePriorLearning, write: ProviderWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.recognise_prior_learning(
            provider_id=write.provider_id,
            request=body.to_domain(),
            evidence=body.evidence,
            by=write.by,
        )
        return _awards_written(receipt)

    return write.perform(body, command, status_code=201)


@router.post(
    "/learners/personal-data",
    response_model=LearnerWritten,
    operation_id="recordPersonalData",
    summary="Record a learner's personal data (encrypted; erasable by the authority)",
)
def record_personal_data(*, body: RecordPersonalData, write: ProviderWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.record_personal_data(body.learner_id, body.fields(), by=write.by)
        return LearnerWritten(learner_record_id=receipt.aggregate_id, position=receipt.position)

    def personal_fingerprint(canonical: bytes) -> str:
        return write.ledger.personal_data_fingerprint(body.learner_id, canonical, by=write.by)

    return write.perform(body, command, personal_fingerprint=personal_fingerprint)
