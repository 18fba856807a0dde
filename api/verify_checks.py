"""The checks of an award's signed credential, as the verification page shows them: the
same checks ``POST /v1/verifications`` and ``ledger verify`` make
(`CredentialVerifier.verify_kept`), each said in the page's language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from fastapi import Request

from api.i18n import Catalogue
from api.services import Services
from ledger.application.verification import Outcome, VerificationReport
from ledger.infrastructure.signing_keys import SigningSecretError

log = logging.getLogger("api.verify")

SYMBOL = {Outcome.PASSED: "✓", Outcome.FAILED: "✗", Outcome.NOT_CHECKED: "\u2013"}  # an en dash


@dataclass(frozen=True)
class CheckLine:
    """One check: what was checked, its outcome (a word and a symbol, never colour
    alone) and what was found."""

    label: str
    outcome: Outcome
    symbol: str
    word: str
    sentence: str


@dataclass(frozen=True)
class SignedChecks:
    verified: bool
    lines: tuple[CheckLine, ...]
    available: bool = True
    """False: the award has no signed credential, and its awarding body may not sign
    one now (a suspended provider's key signs nothing new)."""


UNAVAILABLE = SignedChecks(verified=False, lines=(), available=False)


def signed_checks(request: Request, award_id: UUID, t: Catalogue) -> SignedChecks | None:
    """The checks of the award's signed credential (`UNAVAILABLE` when it has none);
    ``None`` when this deployment cannot sign at all (no signing key secret: logged, and
    the page says nothing of it)."""
    services: Services = request.app.state.services
    try:
        report = services.verifier.verify_kept(award_id)
    except SigningSecretError as error:
        log.warning("the verification page shows no checks: %s", error)
        return None
    return UNAVAILABLE if report is None else checks_in_words(report, t)


def checks_in_words(report: VerificationReport, t: Catalogue) -> SignedChecks:
    lines = []
    for check in report.checks:
        facts = {
            name: t.day(value) if name == "day" else value for name, value in check.facts.items()
        }
        lines.append(
            CheckLine(
                label=t.text(f"check.name.{check.name.value}"),
                outcome=check.outcome,
                symbol=SYMBOL[check.outcome],
                word=t.text(f"check.outcome.{check.outcome.value}"),
                sentence=t.text(f"check.{check.reason}", **facts),
            )
        )
    return SignedChecks(report.verified, tuple(lines))
