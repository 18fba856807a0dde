"""The ledger's did:web names and the Multikey form of an Ed25519 public key.

The authority and every provider are named under the ledger's public URL
(``LEDGER_PUBLIC_URL``), as the did:web method resolves them:

* the authority is ``did:web:<host>``, resolved at ``<public url>/.well-known/did.json``;
* a provider is ``did:web:<host>:providers:<CODE>``, resolved at
  ``<public url>/providers/<CODE>/did.json``.

A port is percent-encoded (``did:web:127.0.0.1%3A8000``). A public URL with a path
(``https://gov.example/ledger``) puts its segments in every name; the authority's
document is then resolved at ``<public url>/did.json``, which the API serves as well.

A key's verification method is ``<did>#<publicKeyMultibase>``: the fragment is the key
itself (``z6Mk...``), stable, unique, and checkable against the key it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

AUTHORITY = "authority"
"""The authority's owner name; every other owner is a provider, named by its code."""

# The multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint: 0xed 0x01).
ED25519_PUB_PREFIX = b"\xed\x01"


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase``: ``z`` + base58btc(0xed 0x01 + 32 bytes)."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUB_PREFIX + raw).decode("ascii")


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The Ed25519 key a ``publicKeyMultibase`` holds, or ValueError."""
    if not text.startswith("z"):
        msg = f"not a base58btc multibase value: {text[:12]!r}"
        raise ValueError(msg)
    raw = base58.b58decode(text[1:])
    if len(raw) != 34 or not raw.startswith(ED25519_PUB_PREFIX):
        msg = "not an Ed25519 Multikey"
        raise ValueError(msg)
    return Ed25519PublicKey.from_public_bytes(raw[2:])


@dataclass(frozen=True)
class DidWeb:
    """The names under one public URL."""

    public_url: str

    @property
    def _base(self) -> str:
        parts = urlsplit(self.public_url)
        host = (parts.hostname or "").lower()
        if ":" in host:  # an IPv6 literal keeps its brackets, percent-encoded
            host = f"[{host}]"
        name = quote(host, safe="")
        if parts.port is not None:
            name += quote(f":{parts.port}", safe="")
        segments = [quote(s, safe="") for s in parts.path.split("/") if s]
        return ":".join(["did:web", name, *segments])

    def did(self, owner: str) -> str:
        """The DID of ``owner``: `AUTHORITY`, or a provider's (upper-case) code."""
        if owner == AUTHORITY:
            return self._base
        return f"{self._base}:providers:{quote(owner, safe='')}"

    def document_url(self, owner: str) -> str:
        """Where did:web resolves ``owner``'s DID (the route that serves it)."""
        base = self.public_url.rstrip("/")
        if owner == AUTHORITY:
            has_path = bool(urlsplit(self.public_url).path.strip("/"))
            return f"{base}/did.json" if has_path else f"{base}/.well-known/did.json"
        return f"{base}/providers/{quote(owner, safe='')}/did.json"

    def verification_method(self, owner: str, key_id: str) -> str:
        return f"{self.did(owner)}#{key_id}"

    def owner_of(self, verification_method: str) -> tuple[str, str] | None:
        """``(owner, key id)`` of a verification method under this URL, else ``None``."""
        did, sep, key_id = verification_method.partition("#")
        if not sep or not key_id:
            return None
        if did == self._base:
            return AUTHORITY, key_id
        prefix = f"{self._base}:providers:"
        code = did.removeprefix(prefix)
        if code == did or not code or ":" in code:
            return None
        return code, key_id
