"""The verification page for employers: ``/verify`` (a form) and ``/verify/{award_id}``
(the link a learner shares).

Server-rendered HTML (Jinja2, autoescaped), no script, no learner personal data: it
shows whether the award is valid, revoked (when, and the reason's category: never the
revocation's note), expired or unknown, what it certifies (the EU standard elements)
and whether its awarding body is accredited.
The status is read from the credential-status view (`ReadModel.credential_status`,
the same answer the public status API gives); what the view does not hold (the
assessment the award recorded, the form of participation, the type of quality
assurance, the awarding body's country and accreditation) comes from the ledger's
event-sourced state (`Ledger.award_status`), which also answers for an award issued a
moment ago that the view has not applied yet. A revocation the ledger already holds
always wins: the page never says "valid" about a revoked award.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.services import Services
from ledger.application import AwardStatusReport
from ledger.domain import codes
from ledger.domain.accreditation import Standing
from ledger.domain.status import AwardStatus
from ledger.domain.values import AwardRoute
from ledger.errors import NotFound

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

# Security and caching for every page: status can change at any moment, the URL
# holds an award id (no referrer), and the page needs nothing but its own stylesheet.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

_UUID_IN_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)

# How each status is told: a word and a symbol, never colour alone.
STATUS_TEXT = {
    AwardStatus.VALID: ("valid", "✓", "This credential is valid."),
    AwardStatus.REVOKED: ("revoked", "✗", "This credential has been revoked."),
    AwardStatus.EXPIRED: ("expired", "!", "This credential has expired."),
    AwardStatus.NOT_YET_ISSUED: ("not yet issued", "!", "This credential is not yet issued."),
    AwardStatus.ISSUER_WITHDRAWN: (
        "issuer withdrawn",
        "!",
        "This credential was issued, but its awarding body has since been withdrawn.",
    ),
    AwardStatus.COMPONENT_REVOKED: (
        "component revoked",
        "!",
        "This credential was stacked from other awards, and one of them has been revoked.",
    ),
}

# The same, for a check as of a past day ("was it valid when we hired her?").
PAST_HEADLINE = {
    AwardStatus.VALID: "At the end of {day}, this credential was valid.",
    AwardStatus.REVOKED: "At the end of {day}, this credential had been revoked.",
    AwardStatus.EXPIRED: "At the end of {day}, this credential had expired.",
    AwardStatus.NOT_YET_ISSUED: "At the end of {day}, this credential had not yet been issued.",
    AwardStatus.ISSUER_WITHDRAWN: "At the end of {day}, this credential's awarding body had"
    " been withdrawn.",
    AwardStatus.COMPONENT_REVOKED: "At the end of {day}, one of the awards this credential was"
    " stacked from had been revoked.",
}

# How a past day is judged (`Ledger.award_status`), told on every point-in-time answer.
PAST_BASIS = (
    "Judged by the day the credential was issued and the days the authority's decisions "
    "took effect, as the register knows them today; a revocation counts from the moment it "
    "was entered in the register."
)

ROUTE_TEXT = {
    AwardRoute.COURSE: "Completion of the course and its assessment",
    AwardRoute.PRIOR_LEARNING: "Recognition of prior learning (validation of non-formal or "
    "informal learning)",
    AwardRoute.STACKED: "Stacking of component micro-credentials",
}


def parse_award_id(text: str) -> UUID | None:
    """An award id typed or pasted by a person: with or without hyphens, braces or
    spaces, in any case, or a whole verification link."""
    match = _UUID_IN_TEXT.search(text.strip())
    if match is None:
        return None
    try:
        return UUID(match.group(0))
    except ValueError:  # pragma: no cover - the pattern only matches valid hex
        return None


@dataclass(frozen=True)
class Element:
    """One line of "what it certifies": a label and a value, or a list of values."""

    label: str
    value: str | None = None
    items: tuple[str, ...] = ()
    skills: tuple[tuple[str, ...], ...] = ()
    """The ESCO skill URIs of each item (the learning outcomes), lined up with them."""

    def skills_of(self, index: int) -> tuple[str, ...]:
        return self.skills[index] if index < len(self.skills) else ()


@dataclass(frozen=True)
class Verification:
    """What the page shows about one award: nothing about the learner."""

    award_id: UUID
    status: AwardStatus
    status_word: str
    status_symbol: str
    headline: str
    checked_at: datetime
    as_of: date | None
    """The day asked about, for a point-in-time check; ``None`` for now."""
    title: str
    awarding_body: str
    country: str
    issued_on: str
    expires_on: str | None
    revoked_at: datetime | None
    revocation_reason: str | None
    """The revocation's category in words; its note is private and never shown here."""
    provider_accredited: bool
    provider_standing: str
    elements: tuple[Element, ...]
    entered_on: str | None = None
    """The day the award was entered in the register, when not the day of issue."""
    basis: str | None = None
    """How a point-in-time answer is judged (``PAST_BASIS``)."""


def _level(nqf: int | None, eqf: int | None) -> str | None:
    parts = []
    if nqf is not None:
        parts.append(f"NQF level {nqf}")
    if eqf is not None:
        parts.append(f"EQF level {eqf}")
    return " / ".join(parts) or None


def _ects(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return f"{text} ECTS"


SUPERVISION_TEXT = {
    "unsupervised": "Unsupervised",
    "supervised_without_id_check": "Supervised, without identity verification",
    "supervised_with_id_check": "Supervised, with identity verification",
}


def _words(value: Any) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "value", value))
    return text.replace("_", " ").capitalize()


def _provider_standing(report: AwardStatusReport) -> tuple[bool, str]:
    """The domain's standing of the awarding body on the report's day, in words."""
    found = report.standing
    until = found.valid_until.isoformat() if found.valid_until else "-"
    if found.standing is Standing.ACCREDITED:
        return True, f"Accredited by the national authority until {until}"
    if found.standing is Standing.EXPIRED:
        return False, f"Not accredited: the accreditation expired on {until}"
    if found.standing is Standing.REGISTERED_ONLY:
        return False, "Not accredited: registered with the national authority only"
    if found.standing is Standing.NOT_REGISTERED or found.state is None:
        return False, "Not in the national register on that day: registered later"
    reason = f" ({found.reason})" if found.reason else ""
    return False, f"Not accredited: accreditation {found.state.value}{reason}"


def verification(
    report: AwardStatusReport, status: AwardStatus | None = None, as_of: date | None = None
) -> Verification:
    """The page's content for ``report``; ``status`` (from the status view) overrides
    the report's unless the report knows of a revocation. ``as_of`` is the day of a
    point-in-time check (the report is then as of the end of that day)."""
    award, credential, provider = report.award, report.credential, report.provider
    spec = credential.specification
    terms = award.terms
    if status is None or award.revoked_at is not None or award.components:
        status = report.status
    word, symbol, headline = STATUS_TEXT[status]
    if as_of is not None:
        headline = PAST_HEADLINE[status].format(day=as_of.isoformat())
    revoked = status is AwardStatus.REVOKED
    accredited, standing = _provider_standing(report)
    assessment = award.assessment.method if award.assessment else spec.assessment_type
    supervision = award.assessment.supervision if award.assessment else spec.supervision
    route = ROUTE_TEXT[award.route]
    if award.route is AwardRoute.STACKED:
        route = f"{route} ({len(award.components)} components)"
    country = codes.country_name(provider.country)
    recorded = award.issued_at.date()
    entered_on = recorded.isoformat() if recorded != award.issued_on else None
    elements = [
        Element("Title", terms.title),
        Element("Awarding body", provider.name),
        Element("Country of the awarding body", country),
        Element("Date of issuing", award.issued_on.isoformat()),
        Element("Entered in the register", entered_on),
        Element("Learning outcomes", items=tuple(spec.learning_outcomes), skills=spec.esco_skills),
        Element("Notional workload", _ects(terms.workload_ects)),
        Element("Level", _level(terms.nqf_level, terms.eqf_level)),
        Element("Type of assessment", assessment),
        Element("Form of participation", _words(spec.participation_form)),
        Element("Type of quality assurance", spec.quality_assurance),
        Element("How it was awarded", route),
        Element("Field of study", spec.field_of_study),
        Element(
            "Supervision and identity verification",
            SUPERVISION_TEXT.get(supervision.value) if supervision else None,
        ),
        Element("Prerequisites", spec.prerequisites),
        Element("Integration and stackability", spec.stackability),
        Element("Further information", spec.further_information),
    ]
    return Verification(
        award_id=award.award_id,
        status=status,
        status_word=word,
        status_symbol=symbol,
        headline=headline,
        checked_at=report.at,
        as_of=as_of,
        title=terms.title,
        awarding_body=provider.name,
        country=country,
        issued_on=award.issued_on.isoformat(),
        expires_on=award.expires_on.isoformat() if award.expires_on else None,
        revoked_at=award.revoked_at if revoked else None,
        revocation_reason=(
            award.revocation_category.label if revoked and award.revocation_category else None
        ),
        provider_accredited=accredited,
        provider_standing=standing,
        elements=tuple(e for e in elements if e.value or e.items),
        entered_on=entered_on,
        basis=PAST_BASIS if as_of is not None else None,
    )


def lookup(request: Request, award_id: UUID, as_of: date | None = None) -> Verification | None:
    """The award's verification, now or as of the end of the day ``as_of`` (UTC), or
    ``None`` when the ledger has no such award."""
    services: Services = request.app.state.services
    if as_of is not None:
        try:
            report = services.ledger.award_status(award_id, at=_end_of(as_of))
        except NotFound:
            return None
        return verification(report, as_of=as_of)
    view = services.read_model.credential_status(award_id)
    try:
        report = services.ledger.award_status(award_id)
    except NotFound:
        return None
    return verification(report, AwardStatus(view.status) if view is not None else None)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def parse_day(text: str | None, today: date) -> date | str | None:
    """The optional "valid on" day: ``None`` when not given, the date, or a message
    saying what is wrong with it."""
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return f"“{text.strip()[:40]}” is not a date: use the form 2026-03-01."
    if day > today:
        return f"{day.isoformat()} is in the future: the register answers for today or a past day."
    return day


def _page(
    request: Request,
    *,
    status_code: int = 200,
    query: str = "",
    result: Verification | None = None,
    not_found: UUID | None = None,
    invalid: str | None = None,
    on: str = "",
    date_error: str | None = None,
) -> HTMLResponse:
    title = "Verify a micro-credential"
    if result is not None:
        title = f"{result.status_word.capitalize()}: {result.title}"
    elif not_found is not None:
        title = "Not found"
    elif invalid is not None:
        title = "Not an award id"
    elif date_error is not None:
        title = "Not a day to check"
    response = templates.TemplateResponse(
        request,
        "verify.html",
        {
            "page_title": title,
            "query": query,
            "result": result,
            "not_found": not_found,
            "invalid": invalid,
            "on": on,
            "date_error": date_error,
            "today": datetime.now(UTC).date().isoformat(),
        },
        status_code=status_code,
        headers=PAGE_HEADERS,
    )
    return response


@router.api_route("/verify", methods=["GET", "HEAD"], response_class=HTMLResponse)
def verify_form(
    request: Request,
    award_id: str | None = Query(None, description="The award id to check"),
    on: str | None = Query(None, description="Check as of the end of this day (YYYY-MM-DD)"),
) -> Response:
    """The form; submitted (GET ``?award_id=``), it sends the reader to the award's own
    page, the link they can keep or share."""
    if award_id is None or not award_id.strip():
        return _page(request)
    parsed = parse_award_id(award_id) if len(award_id) <= 500 else None
    if parsed is None:
        return _page(
            request, status_code=400, query=award_id[:500], invalid=award_id[:500], on=on or ""
        )
    target = f"/verify/{parsed}"
    if on and on.strip():
        target += "?" + urlencode({"on": on.strip()[:40]})
    return RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)


@router.api_route("/verify/static/verify.css", methods=["GET", "HEAD"])
def stylesheet() -> FileResponse:
    return FileResponse(
        HERE / "static" / "verify.css",
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.api_route("/verify/{award_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def verify_award(
    request: Request,
    award_id: str,
    on: str | None = Query(None, description="Check as of the end of this day (YYYY-MM-DD)"),
) -> HTMLResponse:
    """One award's status and what it certifies, now or as of a past day."""
    parsed = parse_award_id(award_id) if len(award_id) <= 500 else None
    if parsed is None:
        return _page(request, status_code=400, query=award_id[:500], invalid=award_id[:500])
    day = parse_day(on, datetime.now(UTC).date())
    if isinstance(day, str):
        return _page(request, status_code=400, query=str(parsed), on=on or "", date_error=day)
    result = lookup(request, parsed, day)
    if result is None:
        return _page(request, status_code=404, query=str(parsed), not_found=parsed)
    return _page(request, query=str(parsed), result=result, on=day.isoformat() if day else "")
