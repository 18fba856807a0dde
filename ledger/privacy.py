"""Personal data of learners, encrypted per learner (AES-256-GCM).

The ciphertext may sit in an immutable event because the key does not: it lives in the
``learner_keys`` table, and erasing it makes every copy of the ciphertext unreadable
(crypto-shredding) while the awards and their status stay checkable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12

PERSONAL_FIELDS = ("name", "date_of_birth", "national_id", "email")


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(key: bytes, learner_record_id: UUID, data: dict[str, Any]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    # The record id as associated data binds the ciphertext to its learner.
    return nonce + AESGCM(key).encrypt(nonce, orjson.dumps(data), learner_record_id.bytes)


def decrypt(key: bytes, learner_record_id: UUID, blob: bytes) -> dict[str, Any]:
    nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, ciphertext, learner_record_id.bytes)
    except InvalidTag as e:  # pragma: no cover - tampering or a wrong key
        msg = "personal data could not be decrypted with this learner's key"
        raise ValueError(msg) from e
    data: dict[str, Any] = orjson.loads(plain)
    return data


def keyed_fingerprint(key: bytes, learner_record_id: UUID, message: bytes) -> str:
    """An HMAC-SHA256 of ``message`` under a key derived from the learner's own key: a
    fingerprint of a request carrying personal data that nobody can test guesses
    against without the key, and that nobody can after erasure."""
    derived = hmac.new(key, b"idempotency-fingerprint:" + learner_record_id.bytes, "sha256")
    return hmac.new(derived.digest(), message, hashlib.sha256).hexdigest()


def keyless_fingerprint(learner_record_id: UUID) -> str:
    """The stand-in while a learner has no key yet: of the pseudonymous record id only."""
    return hashlib.sha256(b"no-learner-key-yet:" + learner_record_id.bytes).hexdigest()
