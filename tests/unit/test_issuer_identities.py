"""Issuer identities: did:web names under the public URL, the Multikey form of a key,
and the domain's rule that only an accredited provider's key signs."""

from __future__ import annotations

from datetime import timedelta

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.config import Settings, SigningSettings
from ledger.errors import ProviderNotAccredited
from ledger.infrastructure.did_web import (
    AUTHORITY,
    DidWeb,
    public_key_from_multibase,
    public_key_multibase,
)
from tests.conftest import AUTHORITY as OFFICER
from tests.unit.builders import TODAY, accredited_provider, registered_provider


class TestNames:
    def test_the_default_public_url_names_the_authority_with_its_port_percent_encoded(
        self,
    ) -> None:
        names = DidWeb(Settings.from_env({}).signing.public_url)
        assert names.did(AUTHORITY) == "did:web:127.0.0.1%3A8000"
        assert names.document_url(AUTHORITY) == "http://127.0.0.1:8000/.well-known/did.json"

    def test_a_provider_is_named_under_providers(self) -> None:
        names = DidWeb("https://Ledger.Gov.example")
        assert names.did("SETU") == "did:web:ledger.gov.example:providers:SETU"
        assert names.document_url("SETU") == "https://Ledger.Gov.example/providers/SETU/did.json"
        assert names.verification_method("SETU", "z6Mk1") == (
            "did:web:ledger.gov.example:providers:SETU#z6Mk1"
        )

    def test_a_public_url_with_a_path_puts_its_segments_in_every_name(self) -> None:
        names = DidWeb("https://gov.example/ledger/")
        assert names.did(AUTHORITY) == "did:web:gov.example:ledger"
        assert names.document_url(AUTHORITY) == "https://gov.example/ledger/did.json"
        assert names.did("ATU") == "did:web:gov.example:ledger:providers:ATU"

    def test_a_verification_method_names_its_owner_and_key(self) -> None:
        names = DidWeb("http://127.0.0.1:8000")
        assert names.owner_of("did:web:127.0.0.1%3A8000#z6Mk1") == (AUTHORITY, "z6Mk1")
        assert names.owner_of("did:web:127.0.0.1%3A8000:providers:SETU#z6Mk1") == (
            "SETU",
            "z6Mk1",
        )
        for other in (
            "did:web:elsewhere.example#z6Mk1",
            "did:web:127.0.0.1%3A8000",
            "did:web:127.0.0.1%3A8000#",
            "did:web:127.0.0.1%3A8000:providers:#z6Mk1",
            "did:web:127.0.0.1%3A8000:providers:A:B#z6Mk1",
        ):
            assert names.owner_of(other) is None, other

    @pytest.mark.parametrize("url", ["ftp://x.example", "ledger.example", "https://x.example/?a=1"])
    def test_a_public_url_that_cannot_name_anything_is_refused(self, url: str) -> None:
        with pytest.raises(ValueError, match="LEDGER_PUBLIC_URL"):
            SigningSettings(public_url=url)


class TestMultikey:
    def test_multikey_is_z_base58btc_of_the_ed25519_multicodec_and_the_raw_key(self) -> None:
        key = Ed25519PrivateKey.generate().public_key()
        encoded = public_key_multibase(key)
        assert encoded.startswith("z6Mk")
        raw = base58.b58decode(encoded[1:])
        assert raw[:2] == b"\xed\x01"
        assert raw[2:] == key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert public_key_from_multibase(encoded) == key

    def test_the_did_key_specification_example_decodes(self) -> None:
        # The Ed25519 example of the did:key method specification.
        example = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        assert public_key_multibase(public_key_from_multibase(example)) == example

    @pytest.mark.parametrize(
        "text", ["u6Mk", "z" + base58.b58encode(b"\xec\x01" + bytes(32)).decode()]
    )
    def test_anything_else_is_refused(self, text: str) -> None:
        with pytest.raises(ValueError):
            public_key_from_multibase(text)


class TestWhoSigns:
    def test_an_accredited_provider_may_sign(self) -> None:
        accredited_provider().check_may_sign(TODAY)

    def test_a_registered_provider_may_not(self) -> None:
        with pytest.raises(ProviderNotAccredited, match="signs nothing new"):
            registered_provider().check_may_sign(TODAY)

    @pytest.mark.parametrize("decision", ["suspend", "withdraw"])
    def test_a_suspended_or_withdrawn_provider_may_not(self, decision: str) -> None:
        provider = accredited_provider()
        getattr(provider, decision)(
            reason="audit findings", decision_reference="QQI/D/1", actor=OFFICER, today=TODAY
        )
        with pytest.raises(ProviderNotAccredited, match=f"is {decision[:-1]}"):
            provider.check_may_sign(TODAY)

    def test_a_lapsed_accreditation_signs_nothing_new(self) -> None:
        provider = accredited_provider(valid_until=TODAY + timedelta(days=1))
        with pytest.raises(ProviderNotAccredited, match="expired"):
            provider.check_may_sign(TODAY + timedelta(days=2))
