"""Go's tlog and note answers (``shared/vectors/tlog/oracle-N.json``), read in place.

``tests.shared_vectors`` finds ``shared/vectors``; without it (a clone without the vectors)
the oracle tests are skipped, saying so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from tests.shared_vectors import require_vectors

ORACLE_SIZES = (1000, 70000)
ORIGIN = "ledger.example.gov/log"
SEED = bytes(range(32))
"""The oracle's Ed25519 key: the seed 0x00, 0x01, ..., 0x1f."""


@dataclass(frozen=True)
class Oracle:
    """One oracle file: a log of ``size`` leaves ``leaf-0`` ... ``leaf-(size-1)``."""

    size: int
    roots: dict[int, bytes]
    inclusion: list[tuple[int, int, list[bytes]]]  # (size, index, proof)
    consistency: list[tuple[int, int, list[bytes]]]  # (old, new, proof)
    tiles: list[tuple[str, str]]  # (Go sumdb path, SHA-256 hex of the tile)
    checkpoint: str
    vkey: str


def _hashes(hexes: list[str] | None) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes or []]


@cache
def oracle(size: int) -> Oracle:
    found = require_vectors("Go's tlog answers")
    raw = json.loads((found / "tlog" / f"oracle-{size}.json").read_text(encoding="utf-8"))
    return Oracle(
        size=size,
        roots={int(n): bytes.fromhex(h) for n, h in raw["roots"].items()},
        inclusion=[(c["Size"], c["Index"], _hashes(c["Proof"])) for c in raw["inclusion"]],
        consistency=[(c["Old"], c["New"], _hashes(c["Proof"])) for c in raw["consistency"]],
        tiles=[(t["Path"], t["DataHex"]) for t in raw["tiles_sha256"]],
        checkpoint=raw["checkpoint"],
        vkey=raw["vkey"],
    )


def leaf(i: int) -> bytes:
    return f"leaf-{i}".encode()
