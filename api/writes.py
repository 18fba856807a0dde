"""How every write runs: idempotency, the command, and read-your-writes.

1. With an ``Idempotency-Key``, a request already answered gets that stored answer back
   (and writes nothing); the same key with another body is refused.
2. The command runs against the `Ledger`; domain refusals propagate as `LedgerError`s
   and become problems in `api.problems`.
3. The answer waits (bounded) until the status view has applied the command's events,
   so that an employer checking right after a revocation sees it, and carries the log
   position in ``Ledger-Position``. With read replicas, within the same bound, until the
   usable replicas' views have them too; a replica that has not is passed over until it
   has (`projections.replicas`), so the next public read is answered where the write is.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from eventsourcing.persistence import PersistenceError
from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.auth import AuthorityKey, ProviderKey
from api.models.common import Written
from api.problems import ApiProblem
from api.services import VIEW_WAIT_SECONDS, Services, ServicesDep
from ledger.application import Ledger
from ledger.domain.principal import Principal
from ledger.errors import CommitOutcomeUnknown, StoreUnavailable
from ledger.infrastructure.idempotency import (
    Claimed,
    InProgress,
    Mismatch,
    Replay,
    StoredAnswer,
    canonical_request,
    fingerprint,
)
from ledger.infrastructure.keys import ApiKey

POSITION_HEADER = "Ledger-Position"
REPLAY_HEADER = "Idempotent-Replayed"
LAGGING_HEADER = "Ledger-Views-Lagging"

log = logging.getLogger("api.writes")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string (a UUID is good). Retrying with the same key and"
        " body returns the first answer and writes nothing again.",
    ),
]


def perform(
    request: Request,
    services: Services,
    *,
    key: ApiKey,
    payload: BaseModel | None,
    idempotency_key: str | None,
    command: Callable[[], Written],
    status_code: int = 200,
    personal_fingerprint: Callable[[bytes], str] | None = None,
) -> Response:
    """Run ``command`` once per idempotency key and answer with what it returned.

    A request carrying a learner's personal data passes ``personal_fingerprint``: given
    the canonical request, the ledger's fingerprint of it keyed by that learner's own
    key (`Ledger.personal_data_fingerprint`). The idempotency table then keeps no plain
    hash of the personal data, and erasing the learner's key leaves its row unreadable
    and unguessable (the answer it stores names only the record's pseudonymous id and a
    log position). A learner with no key yet gets a fingerprint of their record id
    only, replaced by the keyed one once the first recording has made the key."""
    if idempotency_key is None:
        return _answer(services, _run(command, status_code))
    validated = None if payload is None else payload.model_dump(mode="json")
    if personal_fingerprint is None:
        request_fingerprint = fingerprint(request.method, request.url.path, validated)
    else:
        canonical = canonical_request(request.method, request.url.path, validated)
        # Refusals (not this provider's learner, erased) come from here, before a claim.
        request_fingerprint = personal_fingerprint(canonical)
    store = services.idempotency
    claim = store.claim(key.idempotency_scope, idempotency_key, request_fingerprint)
    if isinstance(claim, Replay):
        return _answer(services, claim.answer, replayed=True)
    if isinstance(claim, Mismatch):
        raise ApiProblem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was already used for a different request; use a new key"
            " for a new request",
        )
    if isinstance(claim, InProgress):
        raise ApiProblem(
            409,
            "idempotency-key-in-use",
            "a request with this Idempotency-Key is still running; retry in a moment",
            headers={"Retry-After": str(claim.retry_after)},
        )
    assert isinstance(claim, Claimed)
    try:
        answer = _run(command, status_code)
    except BaseException:
        # With the database away the claim cannot be released; the client must see why
        # the command failed, not that. The claim's lease runs out and a retry takes it.
        with contextlib.suppress(StoreUnavailable):
            store.release(key.idempotency_scope, idempotency_key, claim)
        raise
    final_fingerprint = None
    if personal_fingerprint is not None:
        try:
            final_fingerprint = personal_fingerprint(canonical)
        except Exception:  # erased since (a retry is refused before its claim anyway),
            # or the store failed: keep the stand-in, and store the answer all the same
            log.warning("kept the stand-in fingerprint of a personal-data request")
    try:
        store.complete(
            key.idempotency_scope,
            idempotency_key,
            claim,
            answer,
            final_fingerprint=final_fingerprint,
        )
    except (StoreUnavailable, CommitOutcomeUnknown):
        # The command is committed: its answer is the truth, whatever happens to the
        # stored copy (a retry with this key runs again once the claim's lease is out).
        log.warning("answer of idempotency key not stored (database away)")
    return _answer(services, answer)


@dataclass(frozen=True)
class WriteContext:
    """What a write route needs besides its body: the request, the process, the
    caller's key and the ``Idempotency-Key`` (one dependency, so that every write
    handler only builds its command and hands it to `perform`)."""

    request: Request
    services: Services
    key: ApiKey
    idempotency_key: str | None

    @property
    def ledger(self) -> Ledger:
        return self.services.ledger

    # Who the ledger's commands are run by: every write route takes it from here.
    @property
    def by(self) -> Principal:
        return self.key.principal

    def perform(
        self,
        payload: BaseModel | None,
        command: Callable[[], Written],
        *,
        status_code: int = 200,
        personal_fingerprint: Callable[[bytes], str] | None = None,
    ) -> Response:
        """`perform` ``command`` for this request (see there)."""
        return perform(
            self.request,
            self.services,
            key=self.key,
            payload=payload,
            idempotency_key=self.idempotency_key,
            command=command,
            status_code=status_code,
            personal_fingerprint=personal_fingerprint,
        )


@dataclass(frozen=True)
class ProviderWriteContext(WriteContext):
    """A write by a provider's key, for the provider in the path."""

    @property
    def provider_id(self) -> UUID:
        provider_id = self.key.provider_id
        assert provider_id is not None  # a provider key always names its provider
        return provider_id


def authority_write(
    request: Request,
    services: ServicesDep,
    key: AuthorityKey,
    idempotency_key: IdempotencyKey = None,
) -> WriteContext:
    return WriteContext(request, services, key, idempotency_key)


def provider_write(
    request: Request,
    services: ServicesDep,
    key: ProviderKey,
    idempotency_key: IdempotencyKey = None,
) -> ProviderWriteContext:
    return ProviderWriteContext(request, services, key, idempotency_key)


AuthorityWrite = Annotated[WriteContext, Depends(authority_write)]
"""A write with an authority key."""
ProviderWrite = Annotated[ProviderWriteContext, Depends(provider_write)]
"""A write with the key of the provider in the path."""


def _run(command: Callable[[], Written], status_code: int) -> StoredAnswer:
    written = command()
    return StoredAnswer(status_code, written.model_dump_json().encode("utf-8"), written.position)


def _views_reached(services: Services, position: int) -> bool:
    deadline = time.monotonic() + VIEW_WAIT_SECONDS
    try:
        reached = services.read_model.wait_for(position, timeout=VIEW_WAIT_SECONDS)
    except (StoreUnavailable, PersistenceError):
        reached = False  # written before the database went: the answer stands, views lag
    replicas = services.replicas
    if replicas is not None:
        # What is left of the same bound; the replicas that do not show the write in it
        # are passed over until they do (the primary answers the public reads meanwhile).
        replicas.wait_for(position, max(deadline - time.monotonic(), 0.0))
    return reached


def _answer(services: Services, answer: StoredAnswer, *, replayed: bool = False) -> Response:
    headers: dict[str, str] = {}
    if answer.position is not None:
        headers[POSITION_HEADER] = str(answer.position)
        if not _views_reached(services, answer.position):
            # Written and safe, but the views are behind (worker stopped or overloaded):
            # say so rather than let the client assume its next read sees the write.
            log.warning(
                "views did not reach position %d in %ss", answer.position, VIEW_WAIT_SECONDS
            )
            headers[LAGGING_HEADER] = "true"
    if replayed:
        headers[REPLAY_HEADER] = "true"
    return Response(
        answer.body,
        status_code=answer.status_code,
        media_type="application/json",
        headers=headers,
    )
