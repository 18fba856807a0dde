"""Idempotency keys: a client retrying a write with the same ``Idempotency-Key`` gets the
answer of the first attempt, and nothing is written twice.

A key is scoped to the principal that sent it (one provider, or the authority), so two
providers can never collide. The first request *claims* the key before it runs, so a
concurrent duplicate is told to wait instead of racing it; the answer is stored when
the command succeeds, and the claim is released when it fails, so that a refused request
can be corrected and sent again under the same key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from api.sql import SideTables

# A claim older than this whose request never finished (a crashed process) may be
# taken over by a retry.
STALE_CLAIM = timedelta(seconds=60)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    position: int | None


@dataclass(frozen=True)
class Claimed:
    """This request holds the key and must run the command."""


@dataclass(frozen=True)
class Replay:
    answer: StoredAnswer


@dataclass(frozen=True)
class Mismatch:
    """The key was used before for a different request."""


@dataclass(frozen=True)
class InProgress:
    """Another request with this key is running now."""


ClaimResult = Claimed | Replay | Mismatch | InProgress


def fingerprint(method: str, path: str, payload: Any) -> str:
    """What makes two requests "the same": method, path and the validated body."""
    canonical = orjson.dumps([method, path, payload], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


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
            " PRIMARY KEY (principal, idempotency_key))"
        )

    def claim(self, principal: str, key: str, request_fingerprint: str) -> ClaimResult:
        now = datetime.now(UTC)
        inserted = self._tables.execute(
            "INSERT INTO {t}idempotency_keys"
            " (principal, idempotency_key, fingerprint, claimed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING principal",
            (principal, key, request_fingerprint, now.isoformat()),
        )
        if inserted:
            return Claimed()
        rows = self._tables.query(
            "SELECT * FROM {t}idempotency_keys WHERE principal = ? AND idempotency_key = ?",
            (principal, key),
        )
        if not rows:  # released between our insert and our read: try once more
            return self.claim(principal, key, request_fingerprint)
        row = rows[0]
        if row["fingerprint"] != request_fingerprint:
            return Mismatch()
        if row["status_code"] is not None:
            body = str(row["body"]).encode("utf-8")
            return Replay(StoredAnswer(int(row["status_code"]), body, row["position"]))
        if now - datetime.fromisoformat(row["claimed_at"]) < STALE_CLAIM:
            return InProgress()
        taken = self._tables.execute(
            "UPDATE {t}idempotency_keys SET claimed_at = ?"
            " WHERE principal = ? AND idempotency_key = ? AND claimed_at = ?"
            " AND status_code IS NULL RETURNING principal",
            (now.isoformat(), principal, key, row["claimed_at"]),
        )
        return Claimed() if taken else InProgress()

    def complete(self, principal: str, key: str, answer: StoredAnswer) -> None:
        self._tables.execute(
            "UPDATE {t}idempotency_keys SET status_code = ?, body = ?, position = ?"
            " WHERE principal = ? AND idempotency_key = ?",
            (answer.status_code, answer.body.decode("utf-8"), answer.position, principal, key),
        )

    def release(self, principal: str, key: str) -> None:
        self._tables.execute(
            "DELETE FROM {t}idempotency_keys"
            " WHERE principal = ? AND idempotency_key = ? AND status_code IS NULL",
            (principal, key),
        )
