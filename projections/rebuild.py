"""Rebuilding views from the whole log (``ledger rebuild``)."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.application import Ledger
from projections.follower import Follower
from projections.pipeline import ProgressCallback
from projections.schema import make_views, reset_view
from projections.store import ViewStore


def rebuild(
    ledger: Ledger,
    views: Sequence[str] | None = None,
    *,
    page_size: int = 5000,
    progress: ProgressCallback | None = None,
    processes: int = 0,
    exact_decoding: bool = False,
    store: ViewStore | None = None,
) -> dict[str, int]:
    """Drop the views (all, or those named) and rebuild them from the whole log.
    Secondary indexes are created after the rows are in. Returns the positions reached.
    With ``processes`` (PostgreSQL), that many worker processes prepare the pages
    (``projections.parallel``). ``exact_decoding``: as :class:`Follower`'s."""
    store = store or ViewStore(ledger)
    store.ensure_views()
    d = store.dialect
    targets = make_views(d, views)
    with d.write() as c:
        d.lock_schema(c)
        for view in targets:
            reset_view(d, c, view, indexes=False)
    follower = Follower(
        ledger,
        [v.name for v in targets],
        page_size=page_size,
        processes=processes,
        exact_decoding=exact_decoding,
        store=store,  # whose views are made sure of: no indexes before the rows
    )
    follower.catch_up(progress=progress)
    with d.write() as c:
        # Under the schema's lock, as every creation of the views' tables and indexes:
        # a process making sure of the views meanwhile creates the same indexes, and
        # on PostgreSQL the loser of that race fails (a unique violation in pg_class).
        d.lock_schema(c)
        for view in targets:
            view.create_indexes(c)
    return follower.refresh_positions()
