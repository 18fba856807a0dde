"""The log says byte for byte what Go's sumdb tlog and note say for the same leaves.

The oracle logs hold ``leaf-0`` ... ``leaf-(N-1)`` for N = 1,000 and 70,000: roots at
chosen sizes, inclusion and consistency proofs, the SHA-256 of every tile, and the
checkpoint of the whole log signed with the Ed25519 key of seed 0x00..0x1f.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.transparency.checkpoint import (
    Checkpoint,
    open_note,
    parse_verifier_key,
    sign_note,
    verifier_key,
)
from ledger.transparency.hashing import leaf_hash, root_of
from ledger.transparency.tiles import parse_tile_path, tile_bytes, tile_path
from ledger.transparency.tree import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from tests.unit.transparency.vectors import ORACLE_SIZES, ORIGIN, SEED, leaf, oracle

pytestmark = pytest.mark.parametrize("size", ORACLE_SIZES)


@cache
def log_of(size: int) -> MemoryTree:
    tree = MemoryTree()
    for i in range(size):
        tree.append(leaf(i))
    return tree


def test_the_roots_at_every_size_given(size: int) -> None:
    tree = log_of(size)
    for n, root in oracle(size).roots.items():
        assert tree.root(n) == root, n


def test_the_stored_hash_roots_are_the_rfc_definition(size: int) -> None:
    leaves = [leaf_hash(leaf(i)) for i in range(1000)]
    for n in oracle(size).roots:
        if n <= len(leaves):
            assert root_of(leaves[:n]) == oracle(size).roots[n], n


def test_every_inclusion_proof_is_gos_and_verifies(size: int) -> None:
    tree = log_of(size)
    for n, index, proof in oracle(size).inclusion:
        assert inclusion_proof(index, n, tree) == proof, (n, index)
        assert verify_inclusion(index, n, leaf_hash(leaf(index)), proof, tree.root(n))


def test_every_consistency_proof_is_gos_and_verifies(size: int) -> None:
    tree = log_of(size)
    for old, new, proof in oracle(size).consistency:
        assert consistency_proof(old, new, tree) == proof, (old, new)
        assert verify_consistency(old, new, tree.root(old), tree.root(new), proof)


def test_every_tile_is_gos_byte_for_byte_under_its_c2sp_path(size: int) -> None:
    # Go's sumdb names tiles tile/8/<level>/<index>: the height as an extra segment,
    # which C2SP drops. The contents are the same.
    tree = log_of(size)
    assert oracle(size).tiles
    for go_path, digest in oracle(size).tiles:
        assert go_path.startswith("tile/8/")
        path = "tile/" + go_path.removeprefix("tile/8/")
        tile = parse_tile_path(path)
        assert tile_path(tile.level, tile.index, tile.width) == path
        content = tile_bytes(tile.level, tile.index, tile.width, tree)
        assert hashlib.sha256(content).hexdigest() == digest, path


def test_the_signed_checkpoint_is_gos_byte_for_byte(size: int) -> None:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    expected = oracle(size)
    checkpoint = Checkpoint(ORIGIN, size, log_of(size).root())
    assert sign_note(checkpoint.text(), ORIGIN, key) == expected.checkpoint
    assert verifier_key(ORIGIN, key.public_key()) == expected.vkey


def test_gos_note_opens_with_gos_verifier_key(size: int) -> None:
    expected = oracle(size)
    opened = open_note(expected.checkpoint, expected.vkey)
    assert opened == Checkpoint(ORIGIN, size, expected.roots[size])
    assert open_note(expected.checkpoint, parse_verifier_key(expected.vkey)) == opened
