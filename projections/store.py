"""The views' side of one ledger's store, made once per process and shared.

The composition root (``composition.process``) makes one :class:`ViewStore` for its
``Ledger`` and hands it to the read model and the followers of the process; a read
model or a follower made without one makes its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ledger.application import Ledger
from ledger.infrastructure.store_setup import datastore_setup
from projections.dialect import Dialect, make_dialect, replica_dialect
from projections.progress import Progress
from projections.schema import ensure_views, tables_changed

log = logging.getLogger("ledger.projections")


class ViewStore:
    """The SQL dialect on the ledger's datastore (sharing its connections), whether the
    views' tables have been made sure of, and the progress channel on which readers
    waiting for a position and the followers of this process wake each other."""

    read_only = False
    """A read replica's store: its views are the primary's, replicated; nothing is
    created or changed on it."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        rebuild: Callable[[ViewStore, list[str]], object] | None = None,
        dialect: Dialect | None = None,
    ) -> None:
        """``rebuild``: how this process rebuilds views whose tables' layout changed
        with this version of the code, beside the tables in use, before it uses them
        (``projections.rebuild.rebuild_changed``; the composition root passes it). Without
        it such a view is emptied and refilled by the follower. ``dialect``: another
        datastore's (a read replica's, `on_replica`)."""
        self.ledger = ledger
        self.dialect: Dialect = make_dialect(ledger) if dialect is None else dialect
        self.progress = Progress()
        self._rebuild = rebuild
        self._lock = threading.RLock()  # a rebuild here makes sure of the views again
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
                if self._rebuild is not None:
                    self._rebuild_changed(self._rebuild)
                ensure_views(self.dialect)
                self._views_ensured = True

    def _rebuild_changed(self, rebuild: Callable[[ViewStore, list[str]], object]) -> None:
        d = self.dialect
        if not tables_changed(d):  # the usual start: reads only
            return
        # One process at a time: the others wait, then find the new tables in place.
        with datastore_setup(d.datastore):
            changed = tables_changed(d)
            if not changed:
                return
            log.warning("the tables of %s changed; rebuilding beside them", ", ".join(changed))
            ensure_views(d, keep=changed, setup_lock=False)
            self._views_ensured = True  # for the rebuild's own follower
            try:
                rebuild(self, changed)
            except Exception:
                log.exception("the rebuild of %s failed; they start again empty", changed)
            finally:
                self._views_ensured = False
