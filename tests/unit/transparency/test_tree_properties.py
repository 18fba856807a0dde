"""For any log: roots are the RFC's, every proof verifies, and any tampering is caught.

Random logs (up to 600 distinct leaves of random bytes, so every shape of right edge) are built
leaf by leaf as storage builds them (`new_hashes`); proofs are checked by the RFC 9162
verifiers, then checked again after one bit of the leaf, the proof or a root is flipped,
or the proof is cut short, lengthened or given for another position. A partial tile
only ever grows into the tile published later, and every tile path names its one tile.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.transparency.hashing import leaf_hash, root_of
from ledger.transparency.tiles import (
    MAX_TILE_INDEX,
    MAX_TILE_LEVEL,
    TILE_WIDTH,
    TileAddress,
    parse_tile_path,
    tile_bytes,
    tile_path,
    tile_width,
)
from ledger.transparency.tree import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

# Distinct leaves: a log of equal leaves could truly hold the same leaf at two places.
LEAVES = st.lists(st.binary(max_size=12), min_size=1, max_size=600, unique=True)
SETTINGS = settings(max_examples=150, deadline=None)


def tree_of(leaves: list[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for data in leaves:
        tree.append(data)
    return tree


def flipped(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@SETTINGS
@given(LEAVES)
def test_the_stored_hash_root_of_every_prefix_is_the_rfc_mth(leaves: list[bytes]) -> None:
    tree = tree_of(leaves)
    hashes = [leaf_hash(d) for d in leaves]
    for n in {0, 1, len(leaves) // 3, len(leaves) // 2, len(leaves) - 1, len(leaves)}:
        assert tree.root(n) == root_of(hashes[:n])


@SETTINGS
@given(LEAVES, st.data())
def test_every_inclusion_proof_verifies_and_no_tampered_one_does(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = tree_of(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root, leaf = tree.root(size), leaf_hash(leaves[index])
    proof = inclusion_proof(index, size, tree)
    assert verify_inclusion(index, size, leaf, proof, root)

    bit = data.draw(st.integers(0, 255), label="bit")
    assert not verify_inclusion(index, size, flipped(leaf, bit), proof, root)
    assert not verify_inclusion(index, size, leaf, proof, flipped(root, bit))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        tampered = [*proof[:at], flipped(proof[at], bit), *proof[at + 1 :]]
        assert not verify_inclusion(index, size, leaf, tampered, root)
        assert not verify_inclusion(index, size, leaf, proof[:-1], root)
        assert not verify_inclusion(index, size, leaf, [*proof[:at], proof[at][:31]], root)
    assert not verify_inclusion(index, size, leaf, [*proof, root], root)
    other = data.draw(st.integers(0, size - 1), label="other index")
    if other != index:
        assert not verify_inclusion(other, size, leaf, proof, root)


@SETTINGS
@given(LEAVES, st.data())
def test_every_consistency_proof_verifies_and_no_tampered_one_does(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = tree_of(leaves)
    new = data.draw(st.integers(1, len(leaves)), label="new size")
    old = data.draw(st.integers(1, new), label="old size")
    old_root, new_root = tree.root(old), tree.root(new)
    proof = consistency_proof(old, new, tree)
    assert verify_consistency(old, new, old_root, new_root, proof)

    bit = data.draw(st.integers(0, 255), label="bit")
    assert not verify_consistency(old, new, flipped(old_root, bit), new_root, proof)
    assert not verify_consistency(old, new, old_root, flipped(new_root, bit), proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="at")
        tampered = [*proof[:at], flipped(proof[at], bit), *proof[at + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, tampered)
        assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])


@SETTINGS
@given(LEAVES, st.data())
def test_a_tree_that_rewrote_history_has_no_consistency_proof(
    leaves: list[bytes], data: st.DataObject
) -> None:
    # A log that changed any leaf before the old size cannot prove the new tree extends
    # the old one: its honest proof does not verify against the old root.
    new = data.draw(st.integers(1, len(leaves)), label="new size")
    old = data.draw(st.integers(1, new), label="old size")
    changed = data.draw(st.integers(0, old - 1), label="changed leaf")
    honest = tree_of(leaves)
    forged = tree_of([*leaves[:changed], leaves[changed] + b"!", *leaves[changed + 1 :]])
    proof = consistency_proof(old, new, forged)
    assert not verify_consistency(old, new, honest.root(old), forged.root(new), proof)


@SETTINGS
@given(LEAVES, st.data())
def test_a_partial_tile_is_the_start_of_the_tile_it_grows_into(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = tree_of(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    for level in (0, 1):
        hashes_at_level = len(leaves) >> (8 * level)
        for index in range(hashes_at_level // TILE_WIDTH + 1):
            now, later = tile_width(level, index, size), tile_width(level, index, len(leaves))
            assert now <= later
            if now:
                tile = tile_bytes(level, index, now, tree)
                assert tile_bytes(level, index, later, tree).startswith(tile)
                first = tree.read_hashes([(8 * level, index * 256)])[0]
                assert tile[:32] == first


@given(st.integers(0, MAX_TILE_LEVEL), st.integers(0, MAX_TILE_INDEX), st.integers(1, TILE_WIDTH))
def test_every_tile_path_parses_back_to_its_tile(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == TileAddress(level, index, width)
