"""The national authority: providers, their keys and accreditation; micro-credential
decisions; audit of any aggregate's history and state; erasure of personal data.

Every operation needs an authority key; the actor the events record is
``authority:<key name>``. One router, assembled from one router per topic; the include
order is the order of the operations in the OpenAPI document.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers.authority import (
    aggregates,
    audit,
    keys,
    learners,
    micro_credentials,
    providers,
)

router = APIRouter()
for topic in (providers, keys, micro_credentials, learners, aggregates, audit):
    router.include_router(topic.router)
