"""Answers of the tamper-evident log: proofs, with hashes in standard base64 as the
C2SP checkpoints carry the root."""

from __future__ import annotations

from pydantic import Field

from api.models.common import ResponseModel


class InclusionProofView(ResponseModel):
    """RFC 9162 inclusion proof of one event's leaf in a signed tree."""

    position: int = Field(description="The event's log position.")
    leaf_index: int = Field(description="Its leaf's index in the tree.")
    tree_size: int
    leaf_hash: str = Field(description="SHA-256 of 0x00 || the leaf (base64).")
    proof: list[str] = Field(description="The audit path, lowest first (base64 hashes).")
    checkpoint: str = Field(description="The C2SP signed checkpoint of that tree size.")


class ConsistencyProofView(ResponseModel):
    """RFC 9162 consistency proof: the tree of ``first`` leaves is a prefix of the tree
    of ``second``."""

    first: int
    second: int
    proof: list[str] = Field(description="Base64 hashes, as RFC 9162 section 2.1.4.")
