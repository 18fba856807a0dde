"""The authority's signing key as the tamper-evident log uses it: the C2SP note's key
name is the log's origin, derived from the ledger's public URL (``ledger.example.gov/log``
for ``https://ledger.example.gov``), and every key the authority has had verifies the
checkpoints signed while it was current."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.config import Settings
from ledger.infrastructure.did_web import AUTHORITY, public_key_from_multibase
from ledger.infrastructure.signing_keys import SigningKeyStore
from ledger.transparency.checkpoint import Verifier, parse_verifier_key, verifier_key


def log_origin(settings: Settings) -> str:
    parts = urlsplit(settings.signing.public_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/log"


@dataclass(frozen=True)
class AuthorityLogSigner:
    keys: SigningKeyStore
    origin: str

    @property
    def name(self) -> str:
        return self.origin

    def private_key(self) -> Ed25519PrivateKey:
        """The authority's current key, read at each signing (a rotation counts from
        the next checkpoint)."""
        return self.keys.signing_key(AUTHORITY)[1]


def authority_log_verifiers(keys: SigningKeyStore, origin: str) -> list[Verifier]:
    return [
        parse_verifier_key(verifier_key(origin, public_key_from_multibase(k.public_key_multibase)))
        for k in keys.public_keys(AUTHORITY)
    ]


def current_verifier_key(keys: SigningKeyStore, origin: str) -> str:
    """The note verifier key of the authority's current key (made if it has none)."""
    private = keys.signing_key(AUTHORITY)[1]
    return verifier_key(origin, private.public_key())
