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

Every word the page shows (but what providers wrote: titles, outcomes, assessment
methods) comes from the catalogue of the reader's language (`api.i18n`): ``?lang=``,
then ``Accept-Language``, then English. An award's page answers first and offers the
form after; it also gives a QR code of its own link (``LEDGER_PUBLIC_URL``) and a link to
the signed credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.i18n import LANGUAGES, Catalogue, Choice, catalogue, choose_language, english
from api.qr import qr_svg
from api.services import Services
from api.verify_checks import SignedChecks, signed_checks
from ledger.application import AwardStatusReport
from ledger.domain import codes
from ledger.domain.accreditation import Standing
from ledger.domain.status import AwardStatus
from ledger.domain.values import AwardRoute, RevocationReason
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
    # The words follow the reader's Accept-Language (`api.i18n`).
    "Vary": "Accept-Language",
}

EXAMPLE_ID = "3f2a9c4e-1b7d-5e2a-9c4b-7d1e2f3a4b5c"

_UUID_IN_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)

# How each status is told: a word and a symbol, never colour alone. The words, the
# headline and the point-in-time headline ("was it valid when we hired her?") are the
# catalogue's ``status.{value}.word``, ``.headline`` and ``.past``.
STATUS_SYMBOL = {
    AwardStatus.VALID: "✓",
    AwardStatus.REVOKED: "✗",
    AwardStatus.EXPIRED: "!",
    AwardStatus.NOT_YET_ISSUED: "!",
    AwardStatus.ISSUER_WITHDRAWN: "!",
    AwardStatus.COMPONENT_REVOKED: "!",
}

# How a past day is judged (`Ledger.award_status`), told on every point-in-time answer.
PAST_BASIS = "past.basis"

ROUTE_TEXT = {
    AwardRoute.COURSE: "route.course",
    AwardRoute.PRIOR_LEARNING: "route.prior_learning",
    AwardRoute.STACKED: "route.stacked",
}

# The revocation's category as the public sees it (`RevocationReason.label` in English).
REVOCATION_TEXT = {reason: f"revocation.{reason.value}" for reason in RevocationReason}


def status_key(status: AwardStatus, part: str) -> str:
    """The catalogue's key of a status's ``word``, ``headline`` or ``past`` headline."""
    return f"status.{status.value}.{part}"


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


def _level(t: Catalogue, nqf: int | None, eqf: int | None) -> str | None:
    parts = []
    if nqf is not None:
        parts.append(t.text("level.nqf", level=nqf))
    if eqf is not None:
        parts.append(t.text("level.eqf", level=eqf))
    return " / ".join(parts) or None


def _ects(t: Catalogue, value: Decimal) -> str:
    return t.text("workload.ects", ects=t.number(value))


SUPERVISION_TEXT = {
    "unsupervised": "supervision.unsupervised",
    "supervised_without_id_check": "supervision.supervised_without_id_check",
    "supervised_with_id_check": "supervision.supervised_with_id_check",
}


def _participation(t: Catalogue, value: Any) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "value", value))
    key = f"participation.{text}"
    if key in t.messages:
        return t.text(key)
    return text.replace("_", " ").capitalize()  # pragma: no cover - every form is listed


def _supervision(t: Catalogue, supervision: Any) -> str | None:
    key = SUPERVISION_TEXT.get(supervision.value) if supervision else None
    return t.text(key) if key else None


def _provider_standing(t: Catalogue, report: AwardStatusReport) -> tuple[bool, str]:
    """The domain's standing of the awarding body on the report's day, in words."""
    found = report.standing
    until = t.day(found.valid_until) if found.valid_until else "-"
    if found.standing is Standing.ACCREDITED:
        return True, t.text("standing.accredited", until=until)
    if found.standing is Standing.EXPIRED:
        return False, t.text("standing.expired", until=until)
    if found.standing is Standing.REGISTERED_ONLY:
        return False, t.text("standing.registered_only")
    if found.standing is Standing.NOT_REGISTERED or found.state is None:
        return False, t.text("standing.not_registered")
    state = t.text(f"provider_state.{found.state.value}")
    if found.reason:
        return False, t.text("standing.not_accredited_because", state=state, reason=found.reason)
    return False, t.text("standing.not_accredited", state=state)


def verification(
    report: AwardStatusReport,
    status: AwardStatus | None = None,
    as_of: date | None = None,
    t: Catalogue | None = None,
) -> Verification:
    """The page's content for ``report``, in the words of ``t`` (English by default);
    ``status`` (from the status view) overrides the report's unless the report knows of
    a revocation. ``as_of`` is the day of a point-in-time check (the report is then as
    of the end of that day)."""
    t = t or english()
    award, credential, provider = report.award, report.credential, report.provider
    spec = credential.specification
    terms = award.terms
    if status is None or award.revoked_at is not None or award.components:
        status = report.status
    headline = t.text(status_key(status, "headline"))
    if as_of is not None:
        headline = t.text(status_key(status, "past"), day=t.day(as_of))
    revoked = status is AwardStatus.REVOKED
    accredited, standing = _provider_standing(t, report)
    assessment = award.assessment.method if award.assessment else spec.assessment_type
    supervision = award.assessment.supervision if award.assessment else spec.supervision
    route = t.text(ROUTE_TEXT[award.route])
    if award.route is AwardRoute.STACKED:
        route = t.text("route.with_components", route=route, count=len(award.components))
    country = t.country(provider.country, codes.country_name(provider.country))
    recorded = award.issued_at.date()
    entered_on = recorded.isoformat() if recorded != award.issued_on else None
    elements = [
        Element(t.text("element.title"), terms.title),
        Element(t.text("element.awarding_body"), provider.name),
        Element(t.text("element.country"), country),
        Element(t.text("element.issued"), t.day(award.issued_on)),
        Element(t.text("element.entered"), t.day(recorded) if entered_on else None),
        Element(
            t.text("element.learning_outcomes"),
            items=tuple(spec.learning_outcomes),
            skills=spec.esco_skills,
        ),
        Element(t.text("element.workload"), _ects(t, terms.workload_ects)),
        Element(t.text("element.level"), _level(t, terms.nqf_level, terms.eqf_level)),
        Element(t.text("element.assessment"), assessment),
        Element(t.text("element.participation"), _participation(t, spec.participation_form)),
        Element(t.text("element.quality_assurance"), spec.quality_assurance),
        Element(t.text("element.route"), route),
        Element(t.text("element.field"), spec.field_of_study),
        Element(t.text("element.supervision"), _supervision(t, supervision)),
        Element(t.text("element.prerequisites"), spec.prerequisites),
        Element(t.text("element.stackability"), spec.stackability),
        Element(t.text("element.further"), spec.further_information),
    ]
    category = award.revocation_category if revoked else None
    return Verification(
        award_id=award.award_id,
        status=status,
        status_word=t.text(status_key(status, "word")),
        status_symbol=STATUS_SYMBOL[status],
        headline=headline,
        checked_at=report.at,
        as_of=as_of,
        title=terms.title,
        awarding_body=provider.name,
        country=country,
        issued_on=award.issued_on.isoformat(),
        expires_on=award.expires_on.isoformat() if award.expires_on else None,
        revoked_at=award.revoked_at if revoked else None,
        revocation_reason=t.text(REVOCATION_TEXT[category]) if category else None,
        provider_accredited=accredited,
        provider_standing=standing,
        elements=tuple(e for e in elements if e.value or e.items),
        entered_on=entered_on,
        basis=t.text(PAST_BASIS) if as_of is not None else None,
    )


def lookup(
    request: Request, award_id: UUID, as_of: date | None = None, t: Catalogue | None = None
) -> Verification | None:
    """The award's verification, now or as of the end of the day ``as_of`` (UTC), or
    ``None`` when the ledger has no such award."""
    services: Services = request.app.state.services
    if as_of is not None:
        try:
            report = services.ledger.award_status(award_id, at=_end_of(as_of))
        except NotFound:
            return None
        return verification(report, as_of=as_of, t=t)
    view = services.public_read(lambda read: read.credential_status(award_id))
    try:
        report = services.ledger.award_status(award_id)
    except NotFound:
        return None
    return verification(report, AwardStatus(view.status) if view is not None else None, t=t)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def parse_day(text: str | None, today: date, t: Catalogue | None = None) -> date | str | None:
    """The optional "valid on" day: ``None`` when not given, the date, or a message
    saying what is wrong with it."""
    t = t or english()
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return t.text("date_error.not_a_date", text=text.strip()[:40])
    if day > today:
        return t.text("date_error.future", day=t.day(day))
    return day


@dataclass(frozen=True)
class Language:
    """One entry of the language switcher."""

    lang: str
    name: str
    href: str
    current: bool


def language_of(request: Request) -> Choice:
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def language_links(request: Request, current: str) -> tuple[Language, ...]:
    """This page in each language: the same path and query, ``lang`` set."""
    path = quote(request.url.path)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return tuple(
        Language(
            lang=lang,
            name=catalogue(lang).name,
            href=f"{path}?{urlencode([*kept, ('lang', lang)])}",
            current=lang == current,
        )
        for lang in LANGUAGES
    )


def page_context(request: Request) -> dict[str, Any]:
    """What every page's template needs to speak the reader's language: ``t`` (the
    catalogue), ``lang``, the switcher's links, and ``lang_query`` (``?lang=xx``, or
    empty when the language was not asked for by ``?lang=``) for the page's own links."""
    choice = language_of(request)
    return {
        "t": catalogue(choice.lang),
        "lang": choice.lang,
        "languages": language_links(request, choice.lang),
        "lang_param": choice.lang if choice.explicit else None,
        "lang_query": "?" + urlencode({"lang": choice.lang}) if choice.explicit else "",
    }


def verification_link(request: Request, award_id: UUID) -> str:
    """The award's page at the ledger's public address (``LEDGER_PUBLIC_URL``)."""
    services: Services = request.app.state.services
    return f"{services.settings.signing.public_url.rstrip('/')}/verify/{award_id}"


def _title(
    t: Catalogue,
    result: Verification | None,
    not_found: UUID | None,
    invalid: str | None,
    date_error: str | None,
) -> str:
    if result is not None:
        return t.text("title.result", status=result.status_word.capitalize(), title=result.title)
    if not_found is not None:
        return t.text("not_found.title")
    if invalid is not None:
        return t.text("invalid.title")
    if date_error is not None:
        return t.text("date_error.title")
    return t.text("verify.heading")


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
    answer_first: bool = False,
    checks: SignedChecks | None = None,
) -> HTMLResponse:
    context = page_context(request)
    t: Catalogue = context["t"]
    link = verification_link(request, result.award_id) if result is not None else None
    qr: Markup | None = None
    if link is not None:
        qr = qr_svg(link, label=t.text("keep.qr_label", url=link))
    response = templates.TemplateResponse(
        request,
        "verify.html",
        {
            **context,
            "page_title": _title(t, result, not_found, invalid, date_error),
            "query": query,
            "result": result,
            "not_found": not_found,
            "invalid": invalid,
            "on": on,
            "date_error": date_error,
            "today": datetime.now(UTC).date().isoformat(),
            "example_id": EXAMPLE_ID,
            "answer_first": answer_first,
            "link": link,
            "qr": qr,
            "checks": checks,
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
    page, the link they can keep or share (in the language asked for by ``?lang=``)."""
    if award_id is None or not award_id.strip():
        return _page(request)
    parsed = parse_award_id(award_id) if len(award_id) <= 500 else None
    if parsed is None:
        return _page(
            request, status_code=400, query=award_id[:500], invalid=award_id[:500], on=on or ""
        )
    target = f"/verify/{parsed}"
    params: dict[str, str] = {}
    if on and on.strip():
        params["on"] = on.strip()[:40]
    choice = language_of(request)
    if choice.explicit:
        params["lang"] = choice.lang
    if params:
        target += "?" + urlencode(params)
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
    """One award's status and what it certifies, now or as of a past day: the answer
    first, then the form to check another."""
    t = catalogue(language_of(request).lang)
    parsed = parse_award_id(award_id) if len(award_id) <= 500 else None
    if parsed is None:
        return _page(
            request,
            status_code=400,
            query=award_id[:500],
            invalid=award_id[:500],
            answer_first=True,
        )
    day = parse_day(on, datetime.now(UTC).date(), t)
    if isinstance(day, str):
        return _page(
            request,
            status_code=400,
            query=str(parsed),
            on=on or "",
            date_error=day,
            answer_first=True,
        )
    result = lookup(request, parsed, day, t)
    if result is None:
        return _page(
            request, status_code=404, query=str(parsed), not_found=parsed, answer_first=True
        )
    # Today's answer also shows the checks of the signed credential (a past day's
    # does not: they say whether it holds now).
    checks = signed_checks(request, parsed, t) if day is None else None
    return _page(
        request,
        query=str(parsed),
        result=result,
        on=day.isoformat() if day else "",
        answer_first=True,
        checks=checks,
    )
