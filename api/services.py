"""What a request handler needs: the process's `composition.Process`, built once in the
app's lifespan.

Handlers reach it through `ServicesDep`, one attribute read on ``app.state``: no
per-request construction, so the employer status route stays cheap.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from composition import Process

# How long a write waits for the status view to show what it wrote (read-your-writes).
VIEW_WAIT_SECONDS = 2.0

Services = Process
"""The handlers' name for the process they serve in."""


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
