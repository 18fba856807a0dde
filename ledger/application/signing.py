"""Who signs: the key a credential or a checkpoint is signed with, once the signer's
standing allows it.

The key store holds keys and knows nothing of accreditation; the rule that a suspended
or withdrawn provider's key signs nothing new is the domain's (`Provider.check_may_sign`),
asked here before the store hands over a private key. The authority always signs.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.domain import ids, limits
from ledger.domain.provider import Provider
from ledger.errors import ProviderNotFound
from ledger.infrastructure.did_web import AUTHORITY
from ledger.infrastructure.signing_keys import PublishedKey, SigningKeyStore


def owner_of(ledger: Ledger, owner: str) -> str:
    """The store's name for ``owner`` (`AUTHORITY`, or a provider code as written in
    the register); an unknown provider is `ProviderNotFound`."""
    if owner == AUTHORITY:
        return AUTHORITY
    return _provider(ledger, owner).code


def check_may_sign(ledger: Ledger, owner: str) -> str:
    """The owner's store name, if it may sign today (`ProviderNotAccredited` if not)."""
    if owner == AUTHORITY:
        return AUTHORITY
    provider = _provider(ledger, owner)
    provider.check_may_sign(ledger.clock().date())
    return provider.code


def _provider(ledger: Ledger, code: str) -> Provider:
    code = limits.provider_code(code)
    try:
        return ledger.get_provider(ids.provider_id(code))
    except ProviderNotFound:
        msg = f"no provider {code!r} in the register"
        raise ProviderNotFound(msg) from None


def signer_for(ledger: Ledger, keys: SigningKeyStore, owner: str) -> tuple[str, Ed25519PrivateKey]:
    """The verification method id and private key ``owner`` signs with now (its first
    key is made on this first need)."""
    return keys.signing_key(check_may_sign(ledger, owner))


def rotate(ledger: Ledger, keys: SigningKeyStore, owner: str) -> PublishedKey:
    """Retire the owner's current key and make a new one; refused, like signing, for a
    provider that may not sign (its old keys stay published as they are)."""
    return keys.rotate(check_may_sign(ledger, owner))
