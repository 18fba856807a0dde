"""API keys: issued by the authority to providers, listed, rotated and revoked.

Keys live in their own table, not in the event log: these routes write no events and
take no ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from api.auth import AuthorityKey
from api.models.authority import KeyIssued, KeyList, KeyView, NewKey
from api.routers.authority.common import ProviderCode, topic_router
from api.services import ServicesDep
from ledger.domain import ids, limits
from ledger.domain.principal import Role

router = topic_router()

KeyId = Annotated[str, Path(max_length=32)]


@router.post(
    "/providers/{provider_code}/keys",
    status_code=201,
    response_model=KeyIssued,
    operation_id="issueProviderKey",
    summary="Issue an API key for a registered provider (the secret is shown once)",
)
def issue_provider_key(
    *, provider_code: ProviderCode, body: NewKey, key: AuthorityKey, services: ServicesDep
) -> KeyIssued:
    provider = services.ledger.get_provider(ids.provider_id(provider_code))
    issued = services.keys.create(
        role=Role.PROVIDER, name=body.name, provider_code=provider.code, created_by=key.actor
    )
    return KeyIssued.of_issued(issued)


@router.get(
    "/keys",
    response_model=KeyList,
    operation_id="listKeys",
    summary="List API keys (never their secrets)",
)
def list_keys(
    *,
    key: AuthorityKey,
    services: ServicesDep,
    provider_code: Annotated[str | None, Query(max_length=limits.CODE_MAX)] = None,
) -> KeyList:
    code = None if provider_code is None else limits.provider_code(provider_code)
    return KeyList(keys=[KeyView.of(k) for k in services.keys.list(provider_code=code)])


@router.post(
    "/keys/{key_id}/rotation",
    status_code=201,
    response_model=KeyIssued,
    operation_id="rotateKey",
    summary="Replace a key by a new one; the old one stops working at once",
)
def rotate_key(*, key_id: KeyId, key: AuthorityKey, services: ServicesDep) -> KeyIssued:
    return KeyIssued.of_issued(services.keys.rotate(key_id, rotated_by=key.actor))


@router.post(
    "/keys/{key_id}/revocation",
    response_model=KeyView,
    operation_id="revokeKey",
    summary="Revoke a key; requests with it are refused from now on",
)
def revoke_key(*, key_id: KeyId, key: AuthorityKey, services: ServicesDep) -> KeyView:
    return KeyView.of(services.keys.revoke(key_id, revoked_by=key.actor))
