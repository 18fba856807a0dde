"""The views' side of one ledger's store, made once per process and shared.

The composition root (``composition.process``) makes one :class:`ViewStore` for its
``Ledger`` and hands it to the read model and the followers of the process; a read
model or a follower made without one makes its own.
"""

from __future__ import annotations

import threading
from typing import Any

from ledger.application import Ledger
from projections.dialect import Dialect, make_dialect, replica_dialect
from projections.progress import Progress
from projections.schema import ensure_views


class ViewStore:
    """The SQL dialect on the ledger's datastore (sharing its connections), whether the
    views' tables have been made sure of, and the progress channel on which readers
    waiting for a position and the followers of this process wake each other."""

    read_only = False
    """A read replica's store: its views are the primary's, replicated; nothing is
    created or changed on it."""

    def __init__(self, ledger: Ledger, *, dialect: Dialect | None = None) -> None:
        self.dialect: Dialect = make_dialect(ledger) if dialect is None else dialect
        self.progress = Progress()
        self._lock = threading.Lock()
        self._views_ensured = False

    @classmethod
    def on_replica(cls, ledger: Ledger, datastore: Any) -> ViewStore:
        """The views of ``ledger``'s store as a read replica (a PostgreSQL hot standby
        reached through ``datastore``) holds them: read-only."""
        store = cls(ledger, dialect=replica_dialect(datastore))
        store.read_only = True
        return store

    def ensure_views(self) -> None:
        """Create the views' tables, indexes and tracking rows if missing; once (what
        another process changes later, a rebuild say, it takes care of itself).
        Refused on a read replica."""
        if self.read_only:
            msg = "a read replica's views are the primary's: nothing is created on it"
            raise RuntimeError(msg)
        with self._lock:
            if not self._views_ensured:
                ensure_views(self.dialect)
                self._views_ensured = True
