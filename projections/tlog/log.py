"""The tamper-evident log as a process serves it: signed checkpoints, tiles of hashes
and proofs, all answered from the signed tree (never past the latest checkpoint, so
that what a client fetches can be checked against a signature), and the appender."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ledger import errors
from ledger.transparency.tiles import parse_tile_path, tile_bytes, tile_width
from ledger.transparency.tree import consistency_proof, inclusion_proof
from projections.dialect import Dialect
from projections.tlog.appender import (
    DEFAULT_CHECKPOINT_INTERVAL,
    CheckpointSigner,
    LogAppender,
    LogFollower,
)
from projections.tlog.store import SqlHashes, StoredCheckpoint


@dataclass(frozen=True)
class Inclusion:
    position: int
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    proof: list[bytes]
    checkpoint: StoredCheckpoint


class TransparencyLog:
    def __init__(
        self,
        recorder: Any,
        d: Dialect,
        signer: CheckpointSigner | None,
        *,
        checkpoint_interval: timedelta = DEFAULT_CHECKPOINT_INTERVAL,
    ) -> None:
        self.d = d
        self.appender = LogAppender(
            recorder, d, signer=signer, checkpoint_interval=checkpoint_interval
        )
        # One store for reads and appends: its tables are made sure of once.
        self.store = self.appender.store

    def follower(self, poll_interval: float = 1.0) -> LogFollower:
        return LogFollower(self.appender, poll_interval=poll_interval)

    def checkpoint(self) -> StoredCheckpoint:
        found = self.store.latest_checkpoint()
        if found is None:
            msg = "the log has no signed checkpoint yet"
            raise errors.LogEntryNotFound(msg)
        return found

    def checkpoint_of_size(self, size: int) -> StoredCheckpoint:
        found = self.store.checkpoint_of_size(size)
        if found is None:
            msg = f"no checkpoint was signed at {size} leaves"
            raise errors.LogEntryNotFound(msg)
        return found

    def tile(self, path: str) -> bytes:
        """A tile of hashes by its C2SP path, as far as the latest checkpoint covers it
        (a tile never changes once served: a partial one is a path of its own)."""
        try:
            address = parse_tile_path(path)
        except ValueError as error:
            raise errors.LogEntryNotFound(f"no tile {path!r}: {error}") from None
        size = self.checkpoint().size
        if address.width > tile_width(address.level, address.index, size):
            msg = f"tile {path} is beyond the latest checkpoint ({size} leaves)"
            raise errors.LogEntryNotFound(msg)
        with self.d.read() as cursor:
            return tile_bytes(
                address.level, address.index, address.width, SqlHashes(self.d, cursor)
            )

    def inclusion(self, position: int, tree_size: int | None = None) -> Inclusion:
        """The proof that the event at ``position`` is in the tree of ``tree_size``
        leaves (by default the latest checkpoint's)."""
        checkpoint = self.checkpoint() if tree_size is None else self.checkpoint_of_size(tree_size)
        leaf = self.store.leaf_of_position(position)
        if leaf is None or leaf >= checkpoint.size:
            msg = f"no event at log position {position} in the signed tree of {checkpoint.size}"
            raise errors.LogEntryNotFound(msg)
        with self.d.read() as cursor:
            hashes = SqlHashes(self.d, cursor)
            proof = inclusion_proof(leaf, checkpoint.size, hashes)
            (leaf_hash,) = hashes.read_hashes([(0, leaf)])
        return Inclusion(position, leaf, checkpoint.size, leaf_hash, proof, checkpoint)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``first`` leaves is a prefix of that of ``second``
        (both at most the latest checkpoint's size)."""
        latest = self.checkpoint().size
        if not 0 < first <= second <= latest:
            msg = (
                f"a consistency proof is between sizes 0 < first <= second <= {latest} "
                f"(the latest checkpoint); got {first} and {second}"
            )
            raise errors.InvalidLogRequest(msg)
        with self.d.read() as cursor:
            return consistency_proof(first, second, SqlHashes(self.d, cursor))
