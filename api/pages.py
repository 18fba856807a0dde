"""``/``, the address ``ledger serve`` prints: a page that leads a person to the
verification page and to the API documentation (same look and languages as ``/verify``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.verify import PAGE_HEADERS, page_context, templates

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "home.html", page_context(request), headers=PAGE_HEADERS
    )
