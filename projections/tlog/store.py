"""The tamper-evident log's tables beside the events: the Merkle tree's complete-subtree
hashes (``ledger.transparency.tree``), the log position of each leaf, and the signed
checkpoints. Unlike the views, nothing here is ever dropped or rebuilt: a checkpoint,
once published, is evidence, and the tree it signs only grows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.transparency.tree import Address
from projections.dialect import Dialect

TABLES = ("tlog_hashes", "tlog_leaves", "tlog_checkpoints")
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {s}tlog_hashes (level INTEGER NOT NULL, "
    "idx {bigint} NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx)) {without_rowid}",
    # A leaf for each event, in log order: the leaf index is the event's place in the
    # tree, the position its notification id (ids may skip a number; leaves never do).
    "CREATE TABLE IF NOT EXISTS {s}tlog_leaves (leaf_index {bigint} PRIMARY KEY, "
    "position {bigint} NOT NULL UNIQUE) {without_rowid}",
    "CREATE TABLE IF NOT EXISTS {s}tlog_checkpoints (size {bigint} PRIMARY KEY, "
    "root {blob} NOT NULL, note TEXT NOT NULL, signed_at {ts} NOT NULL) {without_rowid}",
)
# Rows asked for in one statement (SQLite allows 32,766 parameters; a proof needs ~60).
_CHUNK = 500


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    signed_at: datetime


@dataclass(frozen=True)
class TreeState:
    size: int
    """Leaves in the tree."""
    last_position: int
    """The log position of the last leaf (0 for an empty tree)."""


class SqlHashes:
    """A `HashReader` over the stored hashes, in the caller's transaction."""

    def __init__(self, d: Dialect, cursor: Any) -> None:
        self.d, self.cursor = d, cursor

    def read_hashes(self, addresses: Sequence[Address]) -> list[bytes]:
        by_level: dict[int, list[int]] = {}
        for level, index in addresses:
            by_level.setdefault(level, []).append(index)
        found: dict[Address, bytes] = {}
        for level, indexes in by_level.items():
            unique = sorted(set(indexes))
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                self.cursor.execute(
                    self.d.q(
                        "SELECT idx, hash FROM {s}tlog_hashes WHERE level = ? AND idx IN ("
                        + ",".join("?" * len(chunk))
                        + ")"
                    ),
                    [level, *chunk],
                )
                for row in self.cursor.fetchall():
                    found[level, int(row["idx"])] = bytes(row["hash"])
        try:
            return [found[address] for address in addresses]
        except KeyError as missing:
            msg = f"the log's store lacks the hash at {missing.args[0]}"
            raise LookupError(msg) from None


class LogStore:
    """Reads and writes of the log's tables; each call in a transaction of its own
    unless given the caller's cursor."""

    def __init__(self, d: Dialect) -> None:
        self.d = d
        self._ensured = False

    def ensure_tables(self) -> None:
        if self._ensured:
            return
        with self.d.write() as cursor:
            # Processes starting together on a new store would race to create the same
            # tables (PostgreSQL's IF NOT EXISTS is not safe against a concurrent one).
            self.d.lock_schema(cursor)
            for statement in _CREATE:
                cursor.execute(self.d.q(statement))
        self._ensured = True

    def state(self, cursor: Any) -> TreeState:
        cursor.execute(
            self.d.q(
                "SELECT leaf_index, position FROM {s}tlog_leaves ORDER BY leaf_index DESC LIMIT 1"
            )
        )
        row = cursor.fetchone()
        if row is None:
            return TreeState(0, 0)
        return TreeState(int(row["leaf_index"]) + 1, int(row["position"]))

    def current_state(self) -> TreeState:
        self.ensure_tables()
        with self.d.read() as cursor:
            return self.state(cursor)

    def append(
        self,
        cursor: Any,
        first_leaf: int,
        positions: Sequence[int],
        hashes: Sequence[tuple[Address, bytes]],
    ) -> None:
        self.d.bulk_insert(
            cursor,
            self.d.q("INSERT INTO {s}tlog_leaves (leaf_index, position) VALUES (?, ?)"),
            [(first_leaf + n, position) for n, position in enumerate(positions)],
        )
        self.d.bulk_insert(
            cursor,
            self.d.q("INSERT INTO {s}tlog_hashes (level, idx, hash) VALUES (?, ?, ?)"),
            [(level, index, digest) for (level, index), digest in hashes],
        )

    def leaf_of_position(self, position: int) -> int | None:
        self.ensure_tables()
        with self.d.read() as cursor:
            cursor.execute(
                self.d.q("SELECT leaf_index FROM {s}tlog_leaves WHERE position = ?"), (position,)
            )
            row = cursor.fetchone()
        return None if row is None else int(row["leaf_index"])

    def positions(self, cursor: Any, after_leaf: int, limit: int) -> list[tuple[int, int]]:
        """(leaf index, position) of the leaves after ``after_leaf``, in order."""
        cursor.execute(
            self.d.q(
                "SELECT leaf_index, position FROM {s}tlog_leaves WHERE leaf_index > ? "
                "ORDER BY leaf_index LIMIT ?"
            ),
            (after_leaf, limit),
        )
        return [(int(r["leaf_index"]), int(r["position"])) for r in cursor.fetchall()]

    # --- checkpoints -------------------------------------------------------------------
    def add_checkpoint(self, cursor: Any, checkpoint: StoredCheckpoint) -> None:
        cursor.execute(
            self.d.q(
                "INSERT INTO {s}tlog_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)"
            ),
            (checkpoint.size, checkpoint.root, checkpoint.note, self.d.to_ts(checkpoint.signed_at)),
        )

    def latest_checkpoint(self, cursor: Any | None = None) -> StoredCheckpoint | None:
        found = self._checkpoints(cursor, "ORDER BY size DESC LIMIT 1")
        return found[0] if found else None

    def checkpoint_of_size(self, size: int) -> StoredCheckpoint | None:
        found = self._checkpoints(None, "WHERE size = ?", (size,))
        return found[0] if found else None

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every checkpoint signed, smallest first."""
        return self._checkpoints(None, "ORDER BY size")

    def _checkpoints(
        self, cursor: Any | None, tail: str, params: Sequence[Any] = ()
    ) -> list[StoredCheckpoint]:
        statement = self.d.q("SELECT size, root, note, signed_at FROM {s}tlog_checkpoints " + tail)
        if cursor is None:
            self.ensure_tables()
            with self.d.read() as own:
                own.execute(statement, params)
                rows = own.fetchall()
        else:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        return [
            StoredCheckpoint(
                int(r["size"]), bytes(r["root"]), str(r["note"]), self.d.from_ts(r["signed_at"])
            )
            for r in rows
        ]
