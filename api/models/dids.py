"""Controller documents (did:web) of the authority and the providers.

Only terms that the two contexts define are used, so that a JSON-LD processor (the
verifiers of the signed credentials) drops nothing: a retired key carries ``expires``
(Controlled Identifiers 1.0, in the Multikey context), the moment it was rotated out.
It is never ``revoked``: it must still verify what it signed while it was current."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


class DidModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class VerificationMethod(DidModel):
    id: str = Field(
        description="`<did>#<publicKeyMultibase>`",
        examples=["did:web:127.0.0.1%3A8000#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"],
    )
    type: Literal["Multikey"] = "Multikey"
    controller: str = Field(description="The DID whose document this is.")
    public_key_multibase: str = Field(
        alias="publicKeyMultibase",
        description="`z` + base58btc of the multicodec Ed25519 public key (0xed 0x01 + 32 bytes)",
    )
    expires: datetime | None = Field(
        default=None,
        description="A retired key: when it was rotated out. It still verifies what it"
        " signed before then. Absent on the current key.",
    )


class ControllerDocument(DidModel):
    context: list[str] = Field(alias="@context", examples=[DID_CONTEXTS])
    id: str = Field(examples=["did:web:127.0.0.1%3A8000:providers:SETU"])
    verification_method: list[VerificationMethod] = Field(
        alias="verificationMethod", description="Every key the owner has had, oldest first."
    )
    assertion_method: list[str] = Field(
        alias="assertionMethod",
        description="Every key's id, retired ones included (they verify old credentials).",
    )
