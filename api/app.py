"""The FastAPI application factory: ``create_app(settings) -> FastAPI``.

One router per audience (employers, providers, the authority) plus the operations
probes. To add a router, append it to `ROUTERS` (or call ``app.include_router`` in
`create_app`).

The lifespan opens what every request shares, through the composition root
(`composition.open_process`): the `Ledger` (write model), the `ReadModel` (views), the
key and idempotency stores on the same database, and, unless
``LEDGER_EMBEDDED_PROJECTIONS=0`` (a deployment that runs ``ledger project`` as its own
worker), a follower that keeps the views up to date inside this process.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp

from api import docs, observability, openapi, pages, ratelimit, verify
from api.cors import PublicCors
from api.limits import BodySizeLimit
from api.problems import install_problem_handlers
from api.ratelimit import RateLimitConfig
from api.routers import (
    authority,
    credentials,
    dids,
    employers,
    log,
    operations,
    providers,
    registers,
)
from api.status_lane import StatusLane
from api.status_reads import AsyncStatusReader, ReplicatedStatusReader
from composition import open_process
from ledger.config import Settings

ROUTERS: tuple[APIRouter, ...] = (
    operations.router,
    employers.router,
    credentials.router,
    registers.router,
    providers.router,
    authority.router,
    log.router,
    dids.router,
)

DESCRIPTION = """\
The national ledger of micro-credentials: the authority accredits providers and their
micro-credentials, providers issue and revoke awards, employers check them.

* **employers**: public, no key: status and what a credential certifies.
* **providers**: with the provider's own API key (`Authorization: Bearer ...`).
* **authority**: with an authority key.

Every error is `application/problem+json` (RFC 9457). Every write accepts an
`Idempotency-Key` header and answers with the log position it reached in
`Ledger-Position`; status reads made after the answer see the write.
"""

OPENAPI_TAGS = [
    {"name": "employers", "description": "Public status checks; no learner data."},
    {"name": "registers", "description": "Public registers of providers and micro-credentials."},
    {"name": "providers", "description": "A provider's own key; acts for that provider only."},
    {"name": "authority", "description": "The national authority's key."},
    {"name": "operations", "description": "Probes for orchestrators."},
    {"name": "log", "description": "The tamper-evident log: signed checkpoints, tiles, proofs."},
]


def create_app(
    settings: Settings | None = None,
    *,
    rate_limits: RateLimitConfig | None = None,
    status_lane: bool = True,
) -> FastAPI:
    """The API. ``status_lane=False`` leaves the status route to the routed endpoint
    alone (tests compare the two)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        process = open_process(settings)
        status_reader: AsyncStatusReader | ReplicatedStatusReader | None = None
        try:
            # Built now, not on first use: a request should not pay for creating tables.
            _ = process.read_model, process.keys, process.idempotency
            app.state.services = process
            if settings.database.is_postgres:
                # The status route's reads, off the event loop's critical path.
                status_reader = AsyncStatusReader(process.read_model, settings)
                replicas = process.replicas  # LEDGER_READ_DATABASE_URL's, watched
                if replicas is not None:
                    status_reader = ReplicatedStatusReader(status_reader, replicas, settings)
                await status_reader.open()
            app.state.status_reader = status_reader
            if settings.projections.embedded:
                process.start_embedded_projections()
            # Everything loaded so far (modules, routes, pydantic schemas: most of the
            # heap) lives as long as the process. Frozen, the cyclic collector stops
            # walking it: under load its full collections took 90-200 ms each, found
            # nothing, and were the whole tail of the status checks' latency.
            gc.collect()
            gc.freeze()
            yield
        finally:
            if status_reader is not None:
                await status_reader.close()
            process.close()

    app = FastAPI(
        title="National micro-credential ledger",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
        docs_url=None,  # api.docs serves /docs and /redoc without a CDN
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.http.max_body_bytes)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(verify.router)  # the employers' verification page
    app.include_router(pages.router)  # / leads to /verify and /docs
    openapi.install(app)  # error answers documented as the problem+json they are
    docs.install(app)  # /docs and /redoc, assets from this origin
    # Added last, so outermost of the app's middleware: refusals (413, ...) carry it too.
    app.add_middleware(
        PublicCors, origins=settings.cors.origins
    )  # CORS for the public read-only routes only
    observability.install(app, settings.logging, settings.metrics)  # /metrics, ids, JSON logs
    ratelimit.install(
        app, rate_limits or RateLimitConfig.of(settings.rate_limits)
    )  # per-client limits on the public routes
    if status_lane:  # outermost: the plain status check skips the stack it reproduces
        build_inner = app.build_middleware_stack

        def build_with_lane() -> ASGIApp:
            return StatusLane(build_inner(), app, cors=bool(settings.cors.origins))

        app.build_middleware_stack = build_with_lane  # type: ignore[method-assign]
    return app
