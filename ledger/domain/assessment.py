"""Rule 1: an award records the assessment it rests on."""

from __future__ import annotations

from datetime import date

from ledger.domain import text
from ledger.domain.values import Assessment
from ledger.errors import InvalidAssessment


def check_assessment(assessment: Assessment, issued_on: date) -> None:
    """Rule 1: an issuance records the assessment: method, date and result."""
    for name in ("method", "result", "grade"):
        text.check_line(getattr(assessment, name), "assessment", name)
    text.check_free_text(assessment.accommodation, "assessment", "accommodation")
    if not assessment.method.strip() or not assessment.result.strip():
        msg = "an award records its assessment: the method and the result are required"
        raise InvalidAssessment(msg)
    if assessment.assessed_on > issued_on:
        msg = (
            f"the assessment ({assessment.assessed_on.isoformat()}) cannot be after the award is "
            f"issued ({issued_on.isoformat()})"
        )
        raise InvalidAssessment(msg)
