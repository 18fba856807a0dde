"""The second denominator of the status ratio (issue 22): a plain FastAPI application
with one constant JSON route and nothing else (no middleware, no lifespan, no access
log), served by the same uvicorn setup as the API. The ratio of the status route to it
says what the whole stack costs, middleware included, not only the status read."""

from __future__ import annotations

from fastapi import FastAPI

from scripts.bench.server import CONSTANT_PATH


def create_plain_app() -> FastAPI:
    app = FastAPI()

    @app.get(CONSTANT_PATH)
    async def constant() -> dict[str, str]:
        return {"status": "valid", "award_id": "00000000-0000-0000-0000-000000000000"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
