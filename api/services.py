"""What a request handler needs, built once per process in the app's lifespan.

Handlers reach it through `ServicesDep`, one attribute read on ``app.state``: no
per-request construction, so the employer status route stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ledger.application import Ledger
from ledger.config import Settings
from ledger.infrastructure.idempotency import IdempotencyStore
from ledger.infrastructure.keys import KeyStore
from projections.read import ReadModel

# How long a write waits for the status view to show what it wrote (read-your-writes).
VIEW_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Services:
    settings: Settings
    ledger: Ledger
    read_model: ReadModel
    keys: KeyStore
    idempotency: IdempotencyStore


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
