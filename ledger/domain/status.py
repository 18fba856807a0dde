"""An award's status and its issuer's standing: the one definition every reader uses.

The write model (`Award.status_at`, `Ledger.award_status`), the status view's SQL
reader (`projections`) and the verification page all call `award_status`, so that
"valid" means the same thing wherever it is said. The order of the checks is the rule:
a revocation always wins, then expiry, then a revoked component (of a stacked award),
then the national policy's view of a withdrawn issuer.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum


class AwardStatus(str, Enum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_ISSUED = "not_yet_issued"
    COMPONENT_REVOKED = "component_revoked"
    """A stacked award one of whose components was revoked: not valid, not revoked
    itself; its provider re-stacks it from valid awards or revokes it."""
    ISSUER_WITHDRAWN = "issuer_withdrawn"


def award_status(
    *,
    at: datetime,
    revoked_at: datetime | None,
    expires_on: date | None,
    issued_on: date | None = None,
    issuer_withdrawn: bool = False,
    flag_withdrawn_issuer: bool = False,
    component_revoked: bool = False,
) -> AwardStatus:
    """The status at ``at`` of an award issued on ``issued_on`` (its legal date, which
    may precede the day it was entered in the register; unknown: issued by then),
    revoked at ``revoked_at`` (a revocation counts from when it is entered), expiring on
    ``expires_on``; ``issuer_withdrawn``
    says the provider's accreditation was withdrawn by then, and
    ``flag_withdrawn_issuer`` whether the national policy makes that a status of its
    own (`NationalPolicy.flags_withdrawn_issuer`); ``component_revoked`` that a component
    of this stacked award was revoked by then."""
    if issued_on is not None and at.date() < issued_on:
        return AwardStatus.NOT_YET_ISSUED
    if revoked_at is not None and at >= revoked_at:
        return AwardStatus.REVOKED
    if expires_on is not None and at.date() >= expires_on:
        return AwardStatus.EXPIRED
    if component_revoked:
        return AwardStatus.COMPONENT_REVOKED
    if issuer_withdrawn and flag_withdrawn_issuer:
        return AwardStatus.ISSUER_WITHDRAWN
    return AwardStatus.VALID
