"""Where the ledger is published and what protects its signing keys at rest.

``LEDGER_PUBLIC_URL``          the ledger's public base URL (default
                               ``http://127.0.0.1:8000``): the verification links
                               ``ledger seed`` prints, and the did:web names of the
                               authority and the providers (`ledger.infrastructure.did_web`).
``LEDGER_SIGNING_KEY_SECRET``  base64 of 32 random bytes: the AES-256-GCM key that
                               encrypts the signing keys' private halves in the
                               ``signing_keys`` table. Absent, an embedded (SQLite) store
                               keeps a generated one in a file beside the database; a
                               PostgreSQL store refuses to make or use a signing key.
``LEDGER_STATUS_LIST_TTL_SECONDS``  how long a relying party may keep a fetched status
                               list before fetching it again: the list's ``ttl`` and its
                               ``Cache-Control: max-age``. The default, 1, is the status
                               API's own bound (a revoked award is not reported valid for
                               more than a second, cached copies included); a deployment
                               that accepts older answers may raise it, up to a day.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ledger.config.environment import Environment

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
SECRET_BYTES = 32
SIGNING_SECRET_SUFFIX = ".signing-secret"  # noqa: S105 (a file name, not a secret)


def parse_secret(name: str, text: str) -> bytes:
    """The 32 bytes a base64 secret holds, or a refusal naming where it came from."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        msg = f"{name} must be base64 of {SECRET_BYTES} bytes; it is not base64"
        raise ValueError(msg) from None
    if len(raw) != SECRET_BYTES:
        msg = f"{name} must be base64 of {SECRET_BYTES} bytes, got {len(raw)} bytes"
        raise ValueError(msg)
    return raw


@dataclass(frozen=True)
class SigningSettings:
    public_url: str = DEFAULT_PUBLIC_URL
    # Never in a repr: settings are printed in logs and test failures.
    secret: bytes | None = field(default=None, repr=False)
    status_list_ttl_seconds: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.status_list_ttl_seconds <= 86_400:
            msg = (
                "LEDGER_STATUS_LIST_TTL_SECONDS is from 1 second to a day, got"
                f" {self.status_list_ttl_seconds}"
            )
            raise ValueError(msg)
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            msg = (
                "LEDGER_PUBLIC_URL must be an http(s) address such as https://ledger.example,"
                f" got {self.public_url!r}"
            )
            raise ValueError(msg)
        if parts.query or parts.fragment:
            msg = f"LEDGER_PUBLIC_URL takes no query or fragment, got {self.public_url!r}"
            raise ValueError(msg)
        if self.secret is not None and len(self.secret) != SECRET_BYTES:
            msg = f"the signing key secret must be {SECRET_BYTES} bytes"
            raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> SigningSettings:
        raw = env.text("LEDGER_SIGNING_KEY_SECRET", "")
        return cls(
            public_url=env.text("LEDGER_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/"),
            secret=parse_secret("LEDGER_SIGNING_KEY_SECRET", raw) if raw else None,
            status_list_ttl_seconds=env.whole_number("LEDGER_STATUS_LIST_TTL_SECONDS", 1),
        )
