"""Issuance turns: batches share the store, and a batch that lost a race retries alone.

Issuance is optimistic: a batch reads its learners' records, decides, and saves; if
another writer changed one of those records meanwhile, the save conflicts and nothing is
written. Two batches that share learners and keep arriving together (a provider pushing
one batch per course, the same students in several courses) could otherwise defeat each
other's retries until one gives up. So every first attempt holds a *shared* turn, and a
retry takes an *exclusive* one: it waits for the batches in flight, no other batch saves
until it is done, and it can only lose again to a different kind of write (a revocation,
say), which is rare and short. A batch whose save waited for a retry may then conflict
with it in turn, and retries alone after it: batches that collide go one at a time.

On PostgreSQL a turn is an advisory lock of the schema, so it spans every process of a
deployment. A shared turn costs nothing up front: the batch's save takes the lock, shared,
as the first statement of its own transaction (before the event table's lock, so that it
can never wait while holding that), which makes a save wait while a retry has its turn.
An exclusive turn is held on a connection of its own for the whole retry, its reads
included; a process that dies releases it with its connection. Within a process, the
turns are also taken in the process first (see `ledger.infrastructure.postgres_turns`).
On SQLite, the embedded store of one process, turns are a lock in that process, one per
database file, held for the whole attempt. Each recorder makes the turns of its own store
(``issuance_turns``), so this module, which the embedded store uses, needs no psycopg.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class IssuanceTurns(Protocol):
    def turn(self, *, exclusive: bool) -> AbstractContextManager[bool]:
        """Hold a turn: shared with other batches' first attempts, or alone. It gives
        whether the attempt's save must take the shared turn in its own transaction."""
        ...

    def close(self) -> None: ...


class ProcessTurns:
    """Shared and exclusive turns among the threads of one process. A waiting exclusive
    turn goes before shared turns asked for after it, so a retry is not starved."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sharing = 0
        self._exclusive = False
        self._waiting_exclusive = 0

    @contextmanager
    def turn(self, *, exclusive: bool) -> Iterator[bool]:
        with self._changed:
            if exclusive:
                self._waiting_exclusive += 1
                self._changed.wait_for(lambda: not self._exclusive and self._sharing == 0)
                self._waiting_exclusive -= 1
                self._exclusive = True
            else:
                self._changed.wait_for(lambda: not self._exclusive and self._waiting_exclusive == 0)
                self._sharing += 1
        try:
            yield False
        finally:
            with self._changed:
                if exclusive:
                    self._exclusive = False
                else:
                    self._sharing -= 1
                self._changed.notify_all()

    def close(self) -> None:
        return None


_process_turns: dict[str, ProcessTurns] = {}
_process_turns_lock = threading.Lock()


def process_turns_of(database_file: str) -> ProcessTurns:
    """The one set of turns of a database file in this process: ledgers opened on the
    same file take turns with each other."""
    with _process_turns_lock:
        return _process_turns.setdefault(database_file, ProcessTurns())


def turn_key(schema: str) -> int:
    """The advisory lock of a schema's turns: ledgers in other schemas of the database
    keep their own."""
    digest = hashlib.sha256(f"ledger issuance turns {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
