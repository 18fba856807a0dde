"""The stored-hash tree: what an append stores, and refusals of impossible questions."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ledger.transparency.hashing import EMPTY_ROOT, leaf_hash, node_hash, root_of
from ledger.transparency.tree import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    new_hashes,
    new_hashes_batch,
    tree_root,
    verify_consistency,
    verify_inclusion,
)


def tree_of(n: int) -> MemoryTree:
    tree = MemoryTree()
    for i in range(n):
        assert tree.append(b"%d" % i) == i
    return tree


def test_the_empty_tree_hashes_the_empty_string() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_of([]) == EMPTY_ROOT
    assert MemoryTree().root() == EMPTY_ROOT


def test_leaves_and_nodes_are_hashed_apart() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(a + b) != node_hash(a, b)


def test_appending_leaf_7_stores_it_and_the_three_subtrees_it_completes() -> None:
    tree = tree_of(7)
    leaf = leaf_hash(b"7")
    added = new_hashes(7, leaf, tree)
    assert [address for address, _ in added] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert added[0][1] == leaf
    whole = [leaf_hash(b"%d" % i) for i in range(7)] + [leaf]
    assert added[-1][1] == root_of(whole)


def test_appending_an_even_leaf_reads_nothing_and_completes_nothing() -> None:
    class NothingStored:
        def read_hashes(self, addresses: Sequence[tuple[int, int]]) -> list[bytes]:
            raise AssertionError("read")

    assert new_hashes(4, leaf_hash(b"4"), NothingStored()) == [((0, 4), leaf_hash(b"4"))]


def test_every_question_is_answered_in_one_read() -> None:
    tree = tree_of(1000)
    reads: list[int] = []

    class Counting:
        def read_hashes(self, addresses: Sequence[tuple[int, int]]) -> list[bytes]:
            reads.append(len(addresses))
            return tree.read_hashes(addresses)

    tree_root(999, Counting())
    inclusion_proof(333, 999, Counting())
    consistency_proof(500, 999, Counting())
    assert len(reads) == 3


def test_a_missing_stored_hash_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        tree_root(9, tree_of(8))
    with pytest.raises(LookupError):
        tree_of(8).read_hashes([(0, -1)])


@pytest.mark.parametrize(("index", "size"), [(-1, 5), (5, 5), (0, 0)])
def test_no_inclusion_proof_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(index, size, tree_of(8))


@pytest.mark.parametrize(("old", "new"), [(0, 5), (6, 5), (-1, 5)])
def test_no_consistency_proof_backwards_or_from_the_empty_tree(old: int, new: int) -> None:
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof(old, new, tree_of(8))


def test_the_same_size_is_consistent_with_an_empty_proof_and_the_same_root() -> None:
    tree = tree_of(5)
    assert consistency_proof(5, 5, tree) == []
    assert verify_consistency(5, 5, tree.root(), tree.root(), [])
    assert not verify_consistency(5, 5, tree.root(), tree.root(4), [])
    assert not verify_consistency(5, 5, tree.root(), tree.root(), [tree.root()])


def test_malformed_proofs_are_refused_without_an_exception() -> None:
    tree = tree_of(11)
    root, leaf = tree.root(), leaf_hash(b"3")
    proof = inclusion_proof(3, 11, tree)
    assert verify_inclusion(3, 11, leaf, proof, root)
    for bad_proof in ([], proof[:-1], [*proof, proof[0]], [p[:31] for p in proof]):
        assert not verify_inclusion(3, 11, leaf, bad_proof, root)
    assert not verify_inclusion(3, 11, leaf, [*proof[:-1], b"not a hash"], root)
    assert not verify_inclusion(3, 11, leaf[:16], proof, root)
    assert not verify_inclusion(11, 11, leaf, proof, root)
    assert not verify_inclusion(-1, 11, leaf, proof, root)
    assert not verify_inclusion(0, 0, leaf, [], root)

    old = tree.root(6)
    consistency = consistency_proof(6, 11, tree)
    assert verify_consistency(6, 11, old, root, consistency)
    for bad in ([], consistency[:-1], [*consistency, root], [consistency[0][:5]]):
        assert not verify_consistency(6, 11, old, root, bad)
    assert not verify_consistency(0, 11, EMPTY_ROOT, root, consistency)
    assert not verify_consistency(12, 11, old, root, consistency)
    assert not verify_consistency(6, 11, old[:31], root, consistency)


def test_a_proof_for_a_past_size_still_verifies_against_that_sizes_root() -> None:
    tree = tree_of(300)
    proof = inclusion_proof(17, 100, tree)
    assert verify_inclusion(17, 100, leaf_hash(b"17"), proof, tree.root(100))
    assert not verify_inclusion(17, 100, leaf_hash(b"17"), proof, tree.root())


@pytest.mark.parametrize(
    ("size", "batch"), [(0, 1), (0, 300), (7, 1), (255, 2), (256, 513), (1000, 24)]
)
def test_a_batch_adds_what_its_leaves_add_one_by_one_from_one_read(size: int, batch: int) -> None:
    one_by_one = tree_of(size)
    leaves = [leaf_hash(b"%d" % i) for i in range(size, size + batch)]
    expected: list[tuple[tuple[int, int], bytes]] = []
    for leaf in leaves:
        added = new_hashes(one_by_one.size, leaf, one_by_one)
        expected += added
        one_by_one.append_hash(leaf)
    reads: list[Sequence[tuple[int, int]]] = []
    stored = tree_of(size)

    class Counting:
        def read_hashes(self, addresses: Sequence[tuple[int, int]]) -> list[bytes]:
            reads.append(addresses)
            return stored.read_hashes(addresses)

    assert new_hashes_batch(size, leaves, Counting()) == expected
    # Only the old tree's frontier, one hash per bit of its size, in one read (none for
    # the empty tree).
    assert [len(r) for r in reads] == ([size.bit_count()] if size else [])


def test_extending_a_tree_is_appending_each_entry() -> None:
    batched = MemoryTree()
    batched.extend([b"%d" % i for i in range(300)])
    batched.extend([])
    batched.extend([b"%d" % i for i in range(300, 777)])
    assert batched.size == 777
    assert batched.root() == tree_of(777).root()
    assert batched.root(300) == tree_of(300).root()
