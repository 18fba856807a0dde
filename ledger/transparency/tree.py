"""The log's Merkle tree kept as stored hashes, RFC 9162 proofs and their verifiers.

As in Go's golang.org/x/mod/sumdb/tlog, the tree is never held as a whole: every
*complete* subtree hash is stored once, addressed by ``(level, index)``. Level 0 holds the
leaf hashes; the hash at ``(L, i)`` covers leaves ``[i * 2**L, (i + 1) * 2**L)``. A tree of
``n`` leaves has one stored hash per complete subtree, about ``2n``, and never changes
one: appending a leaf only adds hashes. The hash of an incomplete range (the right edge
of a tree whose size is not a power of two) is folded from the complete subtrees that
make it up, so any root and any proof for any past size can still be answered.

Storage implements `HashReader`; `MemoryTree` is the in-memory one, for tests and for
checking a published log offline. Every function asks its reader once, with every
address it needs, so that a database answers in one round trip.

Proofs follow RFC 9162 section 2.1.3 (inclusion, PATH) and 2.1.4 (consistency,
SUBPROOF), the same lists Go's ``tlog.ProveRecord`` and ``tlog.ProveTree`` give; the
verifiers are the RFC's algorithms of sections 2.1.3.2 and 2.1.4.2 and answer False,
never raise, for any malformed proof.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Protocol

from ledger.transparency.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash, split_point

Address = tuple[int, int]
"""``(level, index)`` of a complete subtree hash."""


class HashReader(Protocol):
    """Anything that can hand back stored hashes, in the order asked."""

    def read_hashes(self, addresses: Sequence[Address]) -> list[bytes]:
        """The hashes at ``addresses``; a missing one is an error (LookupError)."""
        ...


def new_hashes(size: int, leaf: bytes, reader: HashReader) -> list[tuple[Address, bytes]]:
    """What appending leaf hash ``leaf`` as leaf number ``size`` adds to the store.

    The leaf hash at ``(0, size)`` and then the parent of every subtree that the leaf
    completes, lowest first. Only the left siblings on the way up are read: one per
    trailing 1 bit of ``size``.
    """
    _check_size(size)
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
    siblings: list[Address] = []
    n, level = size, 0
    while n & 1:
        siblings.append((level, n - 1))
        n >>= 1
        level += 1
    added: list[tuple[Address, bytes]] = [((0, size), leaf)]
    h = leaf
    for (level, index), left in zip(siblings, read_stored(reader, siblings), strict=True):
        h = node_hash(left, h)
        added.append(((level + 1, index >> 1), h))
    return added


def new_hashes_batch(
    size: int, leaves: Sequence[bytes], reader: HashReader
) -> list[tuple[Address, bytes]]:
    """What appending ``leaves`` (leaf hashes) after leaf ``size - 1`` adds, in order.

    The same hashes as `new_hashes` leaf after leaf, but from one read: every left
    sibling an append needs is either made earlier in the batch or is one of the old
    tree's maximal complete subtrees (its frontier, at most one per bit of ``size``).
    """
    _check_size(size)
    if any(len(leaf) != HASH_SIZE for leaf in leaves):
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
    if not leaves:
        return []
    frontier = _subtrees(0, size)
    known = dict(zip(frontier, read_stored(reader, frontier), strict=True))
    added: list[tuple[Address, bytes]] = []
    for leaf_index, leaf in enumerate(leaves, start=size):
        h = leaf
        added.append(((0, leaf_index), h))
        known[(0, leaf_index)] = h
        n, level = leaf_index, 0
        while n & 1:
            h = node_hash(known[(level, n - 1)], h)
            n >>= 1
            level += 1
            added.append(((level, n), h))
            known[(level, n)] = h
    return added


def tree_root(size: int, reader: HashReader) -> bytes:
    """The RFC 9162 root (MTH) of the first ``size`` leaves."""
    _check_size(size)
    if size == 0:
        return EMPTY_ROOT
    addresses = _subtrees(0, size)
    return _fold(read_stored(reader, addresses))


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """RFC 9162 PATH(index, D[size]): the audit path of leaf ``index``, lowest first."""
    _check_size(size)
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    # Walked from the root down; the proof lists the siblings from the leaf up.
    ranges.reverse()
    return _range_hashes(ranges, reader)


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """RFC 9162 PROOF(old_size, D[new_size]): that the old tree is a prefix of the new.

    Empty when the sizes are equal. As in Go's tlog, the empty tree has no proof: every
    tree extends it, and RFC 9162 defines proofs only from a size of at least 1.
    """
    _check_size(new_size)
    if not 1 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, new_size
    whole_old_tree = True  # the RFC's flag b: is D[lo:old_size] the whole old tree?
    while old_size != hi:
        k = split_point(hi - lo)
        if old_size - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((lo, hi))
    ranges.reverse()
    return _range_hashes(ranges, reader)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` put ``leaf`` at ``index`` under ``root``?"""
    if not (0 <= index < size and _is_hash(leaf) and _is_hash(root)):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False  # a proof longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of ``old_root`` a prefix of ``new_root``'s?

    Equal sizes need an empty proof and equal roots (as Go's ``tlog.CheckTree``).
    """
    if not (1 <= old_size <= new_size and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    if old_size == new_size:
        return not proof and hmac.compare_digest(old_root, new_root)
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree of the new one: the proof leaves it out.
        path.insert(0, old_root)
    roots = _consistency_roots(old_size, new_size, path)
    return (
        roots is not None
        and hmac.compare_digest(roots[0], old_root)
        and hmac.compare_digest(roots[1], new_root)
    )


def _consistency_roots(
    old_size: int, new_size: int, path: Sequence[bytes]
) -> tuple[bytes, bytes] | None:
    """The old and new roots a consistency path implies (RFC 9162 2.1.4.2 steps 3 to 7)."""
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None  # a proof longer than the path
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return (fr, sr) if sn == 0 else None


class MemoryTree:
    """A whole tree in memory, one list of hashes per level; a `HashReader`."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, data: bytes) -> int:
        """Append one entry; its leaf index."""
        return self.append_hash(leaf_hash(data))

    def extend(self, entries: Sequence[bytes]) -> None:
        """Append many entries at once, as storage appends a batch."""
        levels = self._levels
        for (level, _), h in new_hashes_batch(self.size, [leaf_hash(e) for e in entries], self):
            if level == len(levels):
                levels.append([])
            levels[level].append(h)

    def append_hash(self, leaf: bytes) -> int:
        """Append one leaf hash; its leaf index."""
        index = len(self._levels[0])
        levels = self._levels
        # The same path storage takes, so the tests of one are tests of the other.
        for (level, _), h in new_hashes(index, leaf, self):
            if level == len(levels):
                levels.append([])
            levels[level].append(h)
        return index

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (all of them by default)."""
        return tree_root(self.size if size is None else size, self)

    def read_hashes(self, addresses: Sequence[Address]) -> list[bytes]:
        levels = self._levels
        out: list[bytes] = []
        for level, index in addresses:
            if not (0 <= level < len(levels) and 0 <= index < len(levels[level])):
                raise LookupError(f"no stored hash at level {level}, index {index}")
            out.append(levels[level][index])
        return out


def _subtrees(lo: int, hi: int) -> list[Address]:
    """The complete subtrees that make up leaves [lo, hi), largest (leftmost) first.

    Every range a proof or a root needs starts at a multiple of a power of two at least
    as large as the range, so each piece is a stored, aligned subtree.
    """
    out: list[Address] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The MTH of a range from its complete subtrees: RFC 9162 splits the largest off first."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def _range_hashes(ranges: Sequence[tuple[int, int]], reader: HashReader) -> list[bytes]:
    """The MTH of every range, from one read of all their stored subtrees."""
    pieces = [_subtrees(lo, hi) for lo, hi in ranges]
    stored = read_stored(reader, [a for piece in pieces for a in piece])
    out: list[bytes] = []
    at = 0
    for piece in pieces:
        out.append(_fold(stored[at : at + len(piece)]))
        at += len(piece)
    return out


def read_stored(reader: HashReader, addresses: Sequence[Address]) -> list[bytes]:
    """``reader.read_hashes``, checked: as many hashes as asked, each 32 bytes.

    The reader is never asked for nothing (a round trip to the database saved).
    """
    if not addresses:
        return []
    hashes = reader.read_hashes(addresses)
    if len(hashes) != len(addresses):
        raise LookupError(f"asked for {len(addresses)} stored hashes, got {len(hashes)}")
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise LookupError(f"a stored hash of {len(h)} bytes, not {HASH_SIZE}")
    return hashes


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _check_size(size: int) -> None:
    if size < 0:
        raise ValueError(f"a tree size is at least 0, not {size}")
