"""A presented credential's verification, check by check (``POST /v1/verifications``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from api.models.common import ResponseModel
from ledger.application.verification import CheckName, Outcome, VerificationReport


class CheckAnswer(ResponseModel):
    check: CheckName = Field(
        description="issuer, key, signature, register, accreditation, validity_period or"
        " status, in that order."
    )
    outcome: Outcome = Field(
        description="passed, failed, or not_checked (an earlier check failed, so this one"
        " would mean nothing)."
    )
    reason: str = Field(
        description="What was found, as a stable code (`signature.changed`,"
        " `status.revoked`, ...), for a program to act on.",
        examples=["signature.valid"],
    )
    says: str = Field(
        description="What was found, in a sentence for a person.",
        examples=["The signature is valid: the credential is exactly as it was signed."],
    )


class VerificationAnswer(ResponseModel):
    verified: bool = Field(description="Every check passed.")
    award_id: UUID | None = Field(description="The award the credential names, if any.")
    issuer: str | None = Field(
        description="The issuer's DID, as the credential names it.",
        examples=["did:web:ledger.example:providers:SETU"],
    )
    checked_at: datetime
    checks: list[CheckAnswer]

    @classmethod
    def of(cls, report: VerificationReport) -> VerificationAnswer:
        return cls(
            verified=report.verified,
            award_id=report.award_id,
            issuer=report.issuer,
            checked_at=report.checked_at,
            checks=[
                CheckAnswer(
                    check=check.name, outcome=check.outcome, reason=check.reason, says=check.says
                )
                for check in report.checks
            ],
        )
