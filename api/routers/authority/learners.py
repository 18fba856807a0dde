"""The authority on awards and learners: revoking any provider's award, erasing a
learner's personal data, reading a learner's transcript."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query
from fastapi.responses import Response

from api.auth import AuthorityKey
from api.models.authority import EraseLearner, LearnerErased, RevokeAnyAward, TranscriptView
from api.models.common import Written
from api.models.providers import AwardWritten
from api.routers.authority.common import topic_router
from api.services import ServicesDep
from api.writes import AuthorityWrite
from ledger.domain import limits
from ledger.errors import LearnerNotFound

router = topic_router()


@router.post(
    "/awards/{award_id}/revocation",
    response_model=AwardWritten,
    operation_id="revokeAnyAward",
    summary="Revoke any provider's award (e.g. after a quality-assurance finding)",
)
def revoke_any_award(*, award_id: UUID, body: RevokeAnyAward, write: AuthorityWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.revoke_award(
            award_id, category=body.category, note=body.note, by=write.by
        )
        return AwardWritten(award_id=award_id, position=receipt.position)

    return write.perform(body, command)


@router.post(
    "/learners/erasure",
    response_model=LearnerErased,
    operation_id="eraseLearner",
    summary="Erase a learner's personal data (crypto-shredding); awards stay checkable",
)
def erase_learner(*, body: EraseLearner, write: AuthorityWrite) -> Response:
    def command() -> Written:
        receipt = write.ledger.erase_learner(body.learner_id, reason=body.reason, by=write.by)
        return LearnerErased(learner_record_id=receipt.aggregate_id, position=receipt.position)

    return write.perform(body, command)


@router.get(
    "/transcripts",
    response_model=TranscriptView,
    operation_id="learnerTranscript",
    summary="A learner's transcript (awards, stacked credentials, prior learning)",
)
def learner_transcript(
    key: AuthorityKey,
    services: ServicesDep,
    learner_id: Annotated[str, Query(min_length=1, max_length=limits.LEARNER_ID_MAX)],
) -> TranscriptView:
    transcript = services.read_model.transcript(learner_id)
    if transcript is None:
        msg = f"the ledger has no record for learner {learner_id!r}"
        raise LearnerNotFound(msg)
    return TranscriptView.model_validate(transcript)
