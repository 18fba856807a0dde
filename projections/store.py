"""The views' side of one ledger's store, made once per process and shared.

The composition root (``composition.process``) makes one :class:`ViewStore` for its
``Ledger`` and hands it to the read model and the followers of the process; a read
model or a follower made without one makes its own.
"""

from __future__ import annotations

import threading

from ledger.application import Ledger
from projections.dialect import Dialect, make_dialect
from projections.progress import Progress
from projections.schema import ensure_views


class ViewStore:
    """The SQL dialect on the ledger's datastore (sharing its connections), whether the
    views' tables have been made sure of, and the progress channel on which readers
    waiting for a position and the followers of this process wake each other."""

    def __init__(self, ledger: Ledger) -> None:
        self.dialect: Dialect = make_dialect(ledger)
        self.progress = Progress()
        self._lock = threading.Lock()
        self._views_ensured = False

    def ensure_views(self) -> None:
        """Create the views' tables, indexes and tracking rows if missing; once (what
        another process changes later, a rebuild say, it takes care of itself)."""
        with self._lock:
            if not self._views_ensured:
                ensure_views(self.dialect)
                self._views_ensured = True
