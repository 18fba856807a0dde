"""A lean path for the hottest public route: ``GET /v1/credentials/{award_id}/status``.

Employers check status thousands of times a second, and most of a check's cost was the
stack around it, not the read: route matching over every route, the middleware chain,
FastAPI's request handling (issue 22 measured the status route at 0.45 of a plain FastAPI
constant route, the project's own constant route at 0.6). This lane sits outside all of
it and answers the plain form of the request itself, straight from the ASGI scope:

* the same read (`AsyncStatusReader` on PostgreSQL, the read model on SQLite), the same
  answer body (`employers.public_status`), the same ``ETag``, ``Cache-Control`` and
  ``304`` handling, the same 404 problem;
* the same rate-limit token (``LIMITED``'s credentials group), and the same 429 problem;
* the same request id, metric sample and access-log line as the observability
  middleware gives every request (`ObservabilityMiddleware.record`), under the route
  template ``/v1/credentials/{award_id}/status``;
* an error during the read gets the answer the app's exception handlers give it.

Everything else goes to the app untouched: another path or method, any query string
(``?at=``, ``?log_proof=``), an id not in its canonical form (the app answers the same,
or its 422), and a request with an ``Origin`` header (CORS headers are the app's). Tests
compare the two paths' answers and headers byte for byte (tests/api/test_status_lane.py).
"""

from __future__ import annotations

import re
import time
from typing import Any
from uuid import UUID

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.observability import begin_request
from api.problems import HANDLERS
from api.ratelimit import RateLimiter, refusal
from api.request_logs import request_id_var
from api.routers.employers import CACHE_CONTROL, _not_found, etag_of, public_status

TEMPLATE = "/v1/credentials/{award_id}/status"
_PATH = re.compile(
    r"/v1/credentials/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})/status"
)
_GROUP = "credentials"
_CACHE_CONTROL = CACHE_CONTROL.encode()
VARY = (b"vary", b"Origin")
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
"""A response's status, headers and body."""


class StatusLane:
    def __init__(self, app: ASGIApp, host: Any, *, cors: bool) -> None:
        self.app = app
        self.host = host
        """The FastAPI application: its state holds the services, the status reader,
        the rate limiter and the observability middleware once started."""
        self.vary = cors
        """CORS is on for the public routes: Starlette's middleware then adds
        ``Vary: Origin`` to every answer that passes through it (all but the rate
        limiter's 429 and the catch-all 500, which are made outside it)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        award_id = _plain_status_request(scope)
        if award_id is None:
            await self.app(scope, receive, send)
            return
        state = self.host.state
        observability = getattr(state, "observability", None)
        services = getattr(state, "services", None)
        if observability is None or services is None:  # not started: the app says why
            await self.app(scope, receive, send)
            return
        await self._answer(scope, receive, send, award_id, observability)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, award_id: UUID, observability: Any
    ) -> None:
        token, id_header = begin_request(scope)
        status = 500
        started = time.perf_counter()
        try:
            status, headers, body = await self._response(scope, award_id)
            extra = [VARY, id_header] if self.vary and status not in (429, 500) else [id_header]
            # The two messages Starlette's Response sends, made here directly.
            start = {"type": "http.response.start", "status": status, "headers": headers + extra}
            await send(start)
            await send({"type": "http.response.body", "body": body})
        finally:
            observability.record(scope, TEMPLATE, status, time.perf_counter() - started)
        request_id_var.reset(token)

    async def _response(self, scope: Scope, award_id: UUID) -> Answer:
        state = self.host.state
        limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
        if limiter is not None:
            wait = limiter.buckets.take(limiter.client_key(scope), 1.0)
            if wait:
                limiter.count_refusal(_GROUP)
                return _parts(refusal(wait))
        try:
            reader = state.status_reader
            if reader is not None:
                record = await reader.credential_status(award_id)
            else:
                record = state.services.read_model.credential_status(award_id)
        except Exception as error:
            return _parts(await _handled(scope, error))
        if record is None:
            return _parts(_not_found(award_id))
        body = orjson.dumps(public_status(record, point_in_time=False))
        etag = etag_of(body)
        if etag in _header(scope, b"if-none-match"):
            return 304, [(b"cache-control", _CACHE_CONTROL), (b"etag", etag.encode())], b""
        return (
            200,
            [
                (b"cache-control", _CACHE_CONTROL),
                (b"etag", etag.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
            ],
            body,
        )


def _parts(response: Response) -> Answer:
    """What Starlette's ``response`` would send (the lane's answers carry no background
    task)."""
    assert response.background is None
    return response.status_code, list(response.raw_headers), bytes(response.body)


def _plain_status_request(scope: Scope) -> UUID | None:
    """The award id of a ``GET`` of the status route in its plain form, else None."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
        return None
    match = _PATH.fullmatch(scope["path"])
    if match is None or _header(scope, b"origin"):
        return None
    return UUID(match.group(1))


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def _handled(scope: Scope, error: Exception) -> Response:
    """The answer the app's exception handlers give ``error`` (nearest class first)."""
    handlers = dict(HANDLERS)
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            return await handler(Request(scope), error)
    raise error  # pragma: no cover - Exception's handler is the catch-all
