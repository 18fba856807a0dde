"""CORS for the public, read-only routes only: an HR system running in a browser on its
own origin checks credentials (``/v1/credentials/...``) and reads the public registers
(``/v1/register/...``) directly.

Those routes take no key and write nothing, so any origin may read them (no
credentials are allowed across origins: a browser sends no cookie or key with them).
The provider and authority routes get no CORS headers at all, and their preflights are
refused (405), so a page on another origin cannot drive a key a person has pasted into
it. ``LEDGER_CORS_ORIGINS`` narrows the origins (comma-separated), or, empty, turns CORS
off.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem_response

# Every route under these prefixes is public and read-only (tests/api/test_cors.py
# checks this against the OpenAPI document): a keyed route must not be added here.
PUBLIC_PREFIXES = (
    "/v1/credentials/",
    "/v1/register/",
    "/v1/status-lists/",
    "/v1/verifications",
    "/contexts/",
)

ALLOWED_METHODS = ("GET", "HEAD", "POST")  # POST: status:batch, a read with a body
ALLOWED_HEADERS = ("Content-Type", "If-None-Match", "X-Request-ID")
EXPOSED_HEADERS = ("ETag", "X-Request-ID", "Ledger-Position")


class _ProblemCors(CORSMiddleware):
    """Starlette's CORS, whose refused preflight is a problem, like every error here."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        return problem_response(
            400,
            "cors-preflight-refused",
            f"{bytes(response.body).decode()}: public routes allow the methods"
            f" {', '.join(ALLOWED_METHODS)} and the headers {', '.join(ALLOWED_HEADERS)}",
        )


class PublicCors:
    def __init__(self, app: ASGIApp, origins: Sequence[str] = ("*",)) -> None:
        self.app = app
        self.cors: ASGIApp | None = None
        if origins:
            self.cors = _ProblemCors(
                app,
                allow_origins=list(origins),
                allow_methods=ALLOWED_METHODS,
                allow_headers=ALLOWED_HEADERS,
                expose_headers=EXPOSED_HEADERS,
                max_age=600,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.cors is not None
            and scope["type"] == "http"
            and str(scope["path"]).startswith(PUBLIC_PREFIXES)
        ):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
