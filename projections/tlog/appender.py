"""Appending the log's events to the Merkle tree, and signing checkpoints of it.

A follower, not part of each write: a leaf needs the event's log position, which the
write learns only as it commits, and the tree's right edge would otherwise be one more
thing every issuance waits for (the benchmark measures issuance with the log on and
off). Its contract is the views' one, exactly once and in log order: each page of
events is appended in one transaction that first re-reads the tree's size and last
position, so a second appender (two workers by mistake) appends nothing twice, and
the leaf and position keys refuse it if it tried.

Checkpoints are signed from the stored tree, each consistent with the one before it
(checked before signing), so two inconsistent ones are never published.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.transparency.checkpoint import checkpoint_text, sign_note
from ledger.transparency.hashing import leaf_hash
from ledger.transparency.leaves import event_leaf
from ledger.transparency.tree import (
    consistency_proof,
    new_hashes_batch,
    tree_root,
    verify_consistency,
)
from projections.dialect import Dialect
from projections.log_reader import log_reader
from projections.tlog.store import LogStore, SqlHashes, StoredCheckpoint

logger = logging.getLogger("ledger.transparency")

DEFAULT_PAGE_SIZE = 1000
DEFAULT_CHECKPOINT_INTERVAL = timedelta(seconds=10)
"""While events arrive, a checkpoint at most this old (the issue asks for one a minute)."""


class CheckpointSigner(Protocol):
    """The authority's key for the log: the note's key name (the log's origin) and the
    current private key."""

    @property
    def name(self) -> str: ...

    def private_key(self) -> Ed25519PrivateKey: ...


@dataclass(frozen=True)
class StaticSigner:
    name: str
    key: Ed25519PrivateKey

    def private_key(self) -> Ed25519PrivateKey:
        return self.key


class InconsistentLog(RuntimeError):
    """The stored tree does not extend the last signed checkpoint: it was changed."""


def lock_log(d: Dialect, cursor: Any) -> None:
    """Serialise the log's writers between processes on PostgreSQL (SQLite has one
    writer at a time anyway)."""
    if d.name == "postgres":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (LOG_LOCK,))


LOG_LOCK = 0x7106_0001


def leaf_hash_of(record: Any) -> bytes:
    originator = record.originator_id
    aggregate_id = originator if isinstance(originator, UUID) else UUID(str(originator))
    return leaf_hash(
        event_leaf(
            int(record.id), aggregate_id, int(record.originator_version), record.topic, record.state
        )
    )


class LogAppender:
    def __init__(
        self,
        recorder: Any,
        d: Dialect,
        *,
        signer: CheckpointSigner | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        checkpoint_interval: timedelta = DEFAULT_CHECKPOINT_INTERVAL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.d = d
        self.store = LogStore(d)
        self.read_log = log_reader(recorder, d)
        self.signer = signer
        self.page_size = page_size
        self.checkpoint_interval = checkpoint_interval
        self.clock = clock

    # --- appending ---------------------------------------------------------------------
    def append_page(self) -> int:
        """Append the next page of the log's events; how many (0: caught up, or another
        appender got there first)."""
        seen = self.store.current_state()
        records = self.read_log(seen.last_position + 1, self.page_size)
        if not records:
            return 0
        leaves = [leaf_hash_of(record) for record in records]
        with self.d.write() as cursor:
            lock_log(self.d, cursor)
            if self.store.state(cursor) != seen:
                return 0
            added = new_hashes_batch(seen.size, leaves, SqlHashes(self.d, cursor))
            self.store.append(cursor, seen.size, [int(r.id) for r in records], added)
        return len(records)

    def append_all(self) -> int:
        """Append every event not yet in the tree; how many."""
        appended = 0
        while count := self.append_page():
            appended += count
        return appended

    def catch_up(self) -> int:
        """`append_all`, then sign a checkpoint of the new tree."""
        appended = self.append_all()
        self.sign_if_due(force=True)
        return appended

    # --- checkpoints -------------------------------------------------------------------
    def sign_if_due(self, *, force: bool = False) -> StoredCheckpoint | None:
        """A new checkpoint if the tree grew since the last one and that one is older
        than the interval (or ``force``); None if none was due or there is no key."""
        if self.signer is None:
            return None
        now = self.clock()
        with self.d.read() as cursor:
            size = self.store.state(cursor).size
            last = self.store.latest_checkpoint(cursor)
        if size == 0 or (last is not None and last.size >= size):
            return None
        if last is not None and not force and now - last.signed_at < self.checkpoint_interval:
            return None
        # Read before the write transaction: the key store has connections of its own
        # (and SQLite one writer).
        name, key = self.signer.name, self.signer.private_key()
        with self.d.write() as cursor:
            lock_log(self.d, cursor)
            size = self.store.state(cursor).size
            last = self.store.latest_checkpoint(cursor)
            if size == 0 or (last is not None and last.size >= size):
                return None
            if last is not None and not force and now - last.signed_at < self.checkpoint_interval:
                return None
            hashes = SqlHashes(self.d, cursor)
            root = tree_root(size, hashes)
            if last is not None:
                proof = consistency_proof(last.size, size, hashes)
                if not verify_consistency(last.size, size, last.root, root, proof):
                    msg = (
                        f"the stored tree of {size} leaves does not extend the checkpoint of "
                        f"{last.size}: the log's store was changed; run `ledger log verify`"
                    )
                    raise InconsistentLog(msg)
            note = sign_note(checkpoint_text(name, size, root), name, key)
            checkpoint = StoredCheckpoint(size, root, note, now)
            self.store.add_checkpoint(cursor, checkpoint)
        return checkpoint


class LogFollower:
    """The appender in a thread of its own: woken after each save of the process's
    ledger, polling as a fallback, and signing a checkpoint when one is due."""

    def __init__(self, appender: LogAppender, *, poll_interval: float = 1.0) -> None:
        self.appender = appender
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.error: BaseException | None = None

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and self.appender.append_page():
                    pass
                self.appender.sign_if_due()
                self.error = None
            except Exception as error:  # a store away, no key: try again at the next poll
                if self.error is None or str(self.error) != str(error):
                    logger.warning("the tamper-evident log could not append or sign: %s", error)
                self.error = error
            self._wake.wait(self.poll_interval)
            self._wake.clear()
