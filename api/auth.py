"""Who is calling: an API key in ``Authorization: Bearer <key>``, and what it may do.

401 when there is no live key; 403 when the key is live but of the wrong role, or a
provider key names another provider than the one in the path. The key is put on the
request's state so that logs and metrics can attribute the request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.models.common import one_line
from api.problems import ApiProblem
from api.ratelimit import AUTHENTICATION, charge
from api.services import ServicesDep
from ledger.domain import limits
from ledger.domain.principal import Role
from ledger.infrastructure.keys import ApiKey

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key issued by the authority: `Authorization: Bearer mcl_...`."
    " Provider keys act for their own provider only; authority keys for the authority.",
)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ledger"'}


def caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> ApiKey:
    if credentials is None:
        charge(request, 1, AUTHENTICATION)  # guessing keys is limited like the public routes
        raise ApiProblem(
            401,
            "missing-credentials",
            "this operation needs an API key: send `Authorization: Bearer <key>`",
            headers=_CHALLENGE,
        )
    key = services.keys.authenticate(credentials.credentials)
    if key is None:
        charge(request, 1, AUTHENTICATION)
        raise ApiProblem(
            401,
            "invalid-credentials",
            "the API key is unknown or revoked; ask the authority for a new one",
            headers=_CHALLENGE,
        )
    request.state.actor = key.actor
    return key


def authority_key(key: Annotated[ApiKey, Depends(caller)]) -> ApiKey:
    if key.role is not Role.AUTHORITY:
        raise ApiProblem(403, "authority-only", "only the national authority may do this")
    return key


def provider_key(
    key: Annotated[ApiKey, Depends(caller)],
    provider_code: Annotated[
        str,
        Path(max_length=limits.CODE_MAX, description="The provider's code.", examples=["SETU"]),
        one_line("provider_code"),
    ],
) -> ApiKey:
    if key.role is not Role.PROVIDER:
        raise ApiProblem(
            403,
            "provider-only",
            "providers act through their own keys; the authority uses its own operations",
        )
    if key.provider_code != limits.provider_code(provider_code):
        raise ApiProblem(
            403,
            "wrong-provider",
            f"this key acts for provider {key.provider_code} only, not for {provider_code}",
        )
    return key


AuthorityKey = Annotated[ApiKey, Depends(authority_key)]
ProviderKey = Annotated[ApiKey, Depends(provider_key)]
