"""Idempotency keys: a client retrying a write with the same ``Idempotency-Key`` gets the
answer of the first attempt, and nothing is written twice.

A key is scoped to the principal that sent it (one provider, or the authority), so two
providers can never collide. The first request *claims* the key before it runs, so a
concurrent duplicate is told to wait instead of racing it; the answer is stored when
the command succeeds, and the claim is released when it fails, so that a refused request
can be corrected and sent again under the same key.

A claim is a *lease*: it holds for `LEASE` after it was made or last renewed, and the
process that made it renews it every `RENEW_EVERY` while the request runs (a thread of
the store's own, one statement per claim held). A duplicate is told to come back when
the lease ends (``Retry-After``, rounded up); a retry then finds the lease renewed if the
first request still runs, or expired if its process died, and takes the claim over.
So a claim outlives the process that made it by at most the ``Retry-After`` it
advertised. Each claim carries a random token of its own: only the holder of the
current token completes, releases or renews it, so a request whose claim was taken
over (its process stalled past the lease) cannot overwrite the new holder's answer.

What the table keeps of a request: its fingerprint and its answer. For most writes the
fingerprint is a SHA-256 of the method, path and validated body; a request that carries
a learner's personal data must not leave that (a SHA-256 of a national id is quickly
brute-forced), so `api.writes.perform` gives it a fingerprint keyed by the learner's own
key (see `ledger.application.Ledger.personal_data_fingerprint`), which erasure destroys.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ledger.infrastructure.side_tables import SideTables

# How long a claim holds unless its process renews it, and how often it renews: the
# renewal may be late by LEASE - RENEW_EVERY (a busy machine, a slow statement) before a
# live request's claim could be taken over; a dead process's claim is free after LEASE.
LEASE = timedelta(seconds=5)
RENEW_EVERY = 1.0

log = logging.getLogger("ledger.infrastructure.idempotency")


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    position: int | None


@dataclass(frozen=True)
class Claimed:
    """This request holds the key and must run the command."""

    token: str


@dataclass(frozen=True)
class Replay:
    answer: StoredAnswer


@dataclass(frozen=True)
class Mismatch:
    """The key was used before for a different request."""


@dataclass(frozen=True)
class InProgress:
    """Another request with this key is running now; its lease ends in ``retry_after``
    seconds (rounded up) unless its process renews it."""

    retry_after: int


ClaimResult = Claimed | Replay | Mismatch | InProgress


def canonical_request(method: str, path: str, payload: Any) -> bytes:
    """What makes two requests "the same": method, path and the validated body."""
    return orjson.dumps([method, path, payload], option=orjson.OPT_SORT_KEYS)


def fingerprint(method: str, path: str, payload: Any) -> str:
    """The fingerprint of a request that carries no personal data."""
    return hashlib.sha256(canonical_request(method, path, payload)).hexdigest()


class IdempotencyStore:
    def __init__(self, tables: SideTables) -> None:
        self._tables = tables
        tables.create(
            "CREATE TABLE IF NOT EXISTS {t}idempotency_keys ("
            " principal VARCHAR(100) NOT NULL,"
            " idempotency_key VARCHAR(200) NOT NULL,"
            " fingerprint CHAR(64) NOT NULL,"
            " claimed_at VARCHAR(40) NOT NULL,"
            " status_code INTEGER,"
            " body TEXT,"
            " position BIGINT,"
            " claim_token VARCHAR(64),"
            " PRIMARY KEY (principal, idempotency_key))"
        )
        # Tables made before claims had tokens: add the column, and drop their rows,
        # whose fingerprints were plain SHA-256 hashes of every body, personal data
        # included (a retry of one of those requests runs again, as a new request).
        if tables.add_column("idempotency_keys", "claim_token VARCHAR(64)"):
            tables.execute("DELETE FROM {t}idempotency_keys WHERE claim_token IS NULL")
        self._held: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._renewer: threading.Thread | None = None

    def claim(self, principal: str, key: str, request_fingerprint: str) -> ClaimResult:
        now = datetime.now(UTC)
        token = secrets.token_hex(16)
        inserted = self._tables.execute(
            "INSERT INTO {t}idempotency_keys"
            " (principal, idempotency_key, fingerprint, claimed_at, claim_token)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING principal",
            (principal, key, request_fingerprint, now.isoformat(), token),
        )
        if inserted:
            return self._hold(principal, key, token)
        rows = self._tables.query(
            "SELECT * FROM {t}idempotency_keys WHERE principal = ? AND idempotency_key = ?",
            (principal, key),
        )
        if not rows:  # released between our insert and our read: try once more
            return self.claim(principal, key, request_fingerprint)
        row = rows[0]
        if row["status_code"] is not None:
            if row["fingerprint"] != request_fingerprint:
                return Mismatch()
            body = str(row["body"]).encode("utf-8")
            return Replay(StoredAnswer(int(row["status_code"]), body, row["position"]))
        # Running, or its process died: nothing is answered yet, so whichever body the
        # claim was made for, the key is not "used" until its lease ends.
        ends = datetime.fromisoformat(row["claimed_at"]) + LEASE
        if now < ends:
            return InProgress(max(1, math.ceil((ends - now).total_seconds())))
        taken = self._tables.execute(
            "UPDATE {t}idempotency_keys SET claimed_at = ?, claim_token = ?, fingerprint = ?"
            " WHERE principal = ? AND idempotency_key = ? AND claimed_at = ?"
            " AND status_code IS NULL RETURNING principal",
            (now.isoformat(), token, request_fingerprint, principal, key, row["claimed_at"]),
        )
        if not taken:
            return InProgress(1)
        log.warning(
            "took over the Idempotency-Key claim of a request whose lease ended (its"
            " process stopped?)",
            extra={"fields": {"principal": principal}},
        )
        return self._hold(principal, key, token)

    def complete(
        self,
        principal: str,
        key: str,
        claimed: Claimed,
        answer: StoredAnswer,
        *,
        final_fingerprint: str | None = None,
    ) -> None:
        """Store the answer; ``final_fingerprint`` replaces the claim's (see
        `api.writes.perform`: a personal-data request is fingerprinted under the
        learner's key, which its first recording creates)."""
        self._drop(principal, key)
        done = self._tables.execute(
            "UPDATE {t}idempotency_keys SET status_code = ?, body = ?, position = ?,"
            " fingerprint = COALESCE(?, fingerprint)"
            " WHERE principal = ? AND idempotency_key = ? AND claim_token = ?"
            " AND status_code IS NULL RETURNING principal",
            (
                answer.status_code,
                answer.body.decode("utf-8"),
                answer.position,
                final_fingerprint,
                principal,
                key,
                claimed.token,
            ),
        )
        if not done:
            log.warning(
                "an Idempotency-Key claim was taken over before its request finished",
                extra={"fields": {"principal": principal}},
            )

    def release(self, principal: str, key: str, claimed: Claimed) -> None:
        self._drop(principal, key)
        self._tables.execute(
            "DELETE FROM {t}idempotency_keys WHERE principal = ? AND idempotency_key = ?"
            " AND claim_token = ? AND status_code IS NULL",
            (principal, key, claimed.token),
        )

    # --- the lease --------------------------------------------------------------------
    def _hold(self, principal: str, key: str, token: str) -> Claimed:
        with self._lock:
            self._held[(principal, key)] = token
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(
                    target=self._renew, name="idempotency-leases", daemon=True
                )
                self._renewer.start()
        return Claimed(token)

    def _drop(self, principal: str, key: str) -> None:
        with self._lock:
            self._held.pop((principal, key), None)

    def _renew(self) -> None:
        """Renew this process's claims while it holds any; then stop."""
        while True:
            threading.Event().wait(RENEW_EVERY)
            with self._lock:
                held = dict(self._held)
                if not held:
                    self._renewer = None
                    return
            for (principal, key), token in held.items():
                try:
                    renewed = self._tables.execute(
                        "UPDATE {t}idempotency_keys SET claimed_at = ?"
                        " WHERE principal = ? AND idempotency_key = ? AND claim_token = ?"
                        " AND status_code IS NULL RETURNING principal",
                        (datetime.now(UTC).isoformat(), principal, key, token),
                    )
                except Exception:  # the store is down or closed: the request cannot
                    # finish either, so stop renewing (the lease then lapses as for a crash)
                    log.warning("could not renew an Idempotency-Key claim", exc_info=True)
                    renewed = []
                if not renewed:  # answered, released, taken over or unrenewable
                    with self._lock:
                        if self._held.get((principal, key)) == token:
                            del self._held[(principal, key)]
