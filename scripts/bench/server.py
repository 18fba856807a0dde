"""The API as `ledger serve` runs it, plus one constant JSON route: the baseline.

The constant route is added to the same application object, so it goes through the same
middleware, the same uvicorn worker and the same event loop as the status route: the
ratio between the two is what the status route itself costs.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app

CONSTANT_PATH = "/bench/constant"


def create_bench_app() -> FastAPI:
    app = create_app()

    @app.get(CONSTANT_PATH, include_in_schema=False)
    async def constant() -> dict[str, str]:
        return {"status": "valid", "award_id": "00000000-0000-0000-0000-000000000000"}

    return app
