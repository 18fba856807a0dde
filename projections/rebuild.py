"""Rebuilding views from the whole log (``ledger rebuild``), while the live views serve.

A rebuild never empties a live view. It builds each view again from position 0 in
tables beside the live ones (``proj_credential_status__shadow`` and so on, with their
indexes and a tracking row of their own: ``projections.schema.shadow_views``), while
the live follower goes on keeping the live tables up to date and readers go on reading
them. Then it switches, in ONE transaction under the schema's lock:

1. it locks the live views' tracking rows, which every page of a live follower locks
   first: no page of the old tables commits from here to the switch;
2. it applies the last events of the log to the new tables (those written since its
   catch-up), in this transaction;
3. it drops the old tables, renames the new ones (and their indexes) to the live names,
   and moves the live tracking rows to the position the new tables reached.

Readers keep using the fixed names: they see the old tables until the commit and the
new ones after it (on PostgreSQL a reader waits for the switch's lock on the old table,
then finds the name pointing at the new one). A live follower waiting on a tracking
row finds it moved, and goes on from there on the new tables. An event written at any
moment is in the switched view, or after its position for the live follower to apply.

A rebuild that fails (an event a view cannot apply, an error, a killed process) leaves
the live views as they were; the next rebuild drops the new tables it left first.

On PostgreSQL the switch waits for its table locks at most `SWITCH_LOCK_TIMEOUT`
seconds. Dropping a table waits for every transaction that has read it to end, and
while the drop waits every new read of that table queues behind it: one long
transaction on a view (an export, a reporting query left open) would otherwise stop
the status checks for as long as it runs. So the switch gives up its locks past the
timeout, lets the reads through, and tries again (after catching up) a little later,
`SWITCH_ATTEMPTS` times at most; then the rebuild fails with `SwitchBlocked`, which
says which tables it waited for, and the live views serve as before.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ledger.application import Ledger
from projections.dialect import Dialect
from projections.follower import Follower
from projections.pages import ViewFailed
from projections.pipeline import ProgressCallback
from projections.schema import SHADOW_SUFFIX, make_views, remember_layout, reset_view
from projections.store import ViewStore
from projections.views import View

SWITCH_ATTEMPTS = 20
"""On an in-memory SQLite store (whose connections cannot read while one writes) the
switch cannot read the log's last events itself: it catches up again until no event
came between the catch-up and the switch, this many times at most. On PostgreSQL, the
attempts at the switch's locks (`SWITCH_LOCK_TIMEOUT`)."""

SWITCH_LOCK_TIMEOUT = 0.5
"""Seconds the switch waits for a lock on PostgreSQL (``lock_timeout``): the longest a
status check waits behind it, once per attempt."""

SWITCH_RETRY_PAUSE = 1.0
"""Seconds between two attempts at the switch's locks: the reads queued behind the
last attempt go through meanwhile."""


class RebuildBehind(RuntimeError):
    """The live view was ahead of the rebuilt one at the switch (nothing was changed)."""


class SwitchBlocked(RuntimeError):
    """The switch did not get its locks within its attempts (nothing was changed)."""


def rebuild(
    ledger: Ledger,
    views: Sequence[str] | None = None,
    *,
    page_size: int = 5000,
    progress: ProgressCallback | None = None,
    processes: int = 0,
    exact_decoding: bool = False,
    store: ViewStore | None = None,
    lock_timeout: float | None = None,
) -> dict[str, int]:
    """Rebuild the views (all, or those named) from the whole log beside the live ones,
    then put them in their place (the module's text). Secondary indexes are created
    after the rows are in. Returns the positions the views reached. With
    ``processes`` (PostgreSQL), that many worker processes prepare the pages
    (``projections.parallel``). ``exact_decoding``: as :class:`Follower`'s.
    ``lock_timeout``: seconds the switch waits for a lock, per attempt (PostgreSQL;
    default `SWITCH_LOCK_TIMEOUT`)."""
    store = store or ViewStore(ledger)
    store.ensure_views()
    d = store.dialect
    live = make_views(d, views)
    follower = Follower(
        ledger,
        [v.name for v in live],
        page_size=page_size,
        processes=processes,
        exact_decoding=exact_decoding,
        store=store,
        shadow=True,
    )
    with d.write() as c:
        # What an earlier rebuild that failed left goes first.
        d.lock_schema(c)
        for shadow in follower.views:
            reset_view(d, c, shadow, indexes=False)
    follower.catch_up(progress=progress)
    if d.renames_indexes:
        # On SQLite the indexes are made under the live names in the switch (it cannot
        # rename an index); here they are made beside the live ones, named as the tables.
        with d.write() as c:
            for shadow in follower.views:
                shadow.create_indexes(c)
        follower.catch_up()  # what came while the indexes were made
    return _switch(follower, live, SWITCH_LOCK_TIMEOUT if lock_timeout is None else lock_timeout)


def rebuild_changed(store: ViewStore, views: list[str]) -> None:
    """Rebuild ``views``, whose tables' layout changed with this version of the code,
    beside the tables in use (:class:`ViewStore`'s ``rebuild``, made by the
    composition root): the process of the new version that starts first does it,
    while the processes of the old one go on serving; in this process (the setup lock
    is held) with no worker processes."""
    rebuild(store.ledger, views, store=store)


def _switch(follower: Follower, live: list[View], lock_timeout: float) -> dict[str, int]:
    """Put the follower's (shadow) views in the place of ``live`` (the module's text)."""
    d = follower.d
    inline = _reads_beside_writes(d)
    for attempt in range(SWITCH_ATTEMPTS):
        last = attempt == SWITCH_ATTEMPTS - 1
        if not inline:
            follower.catch_up()
        try:
            positions = _switch_once(follower, live, inline, lock_timeout)
        except RebuildBehind:
            if inline or last:
                raise
        except Exception as error:
            if not d.is_lock_timeout(error):
                raise
            if last:
                raise _blocked(live, lock_timeout) from error
            time.sleep(SWITCH_RETRY_PAUSE)  # the reads queued behind the switch go through
        else:
            follower.progress.committed()
            return positions
        follower.refresh_positions()  # what the rolled back transaction applied is gone
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _switch_once(
    follower: Follower, live: list[View], inline: bool, lock_timeout: float
) -> dict[str, int]:
    """One attempt at the switch, in one transaction: the positions switched."""
    d = follower.d
    with d.write() as c:
        d.limit_lock_waits(c, lock_timeout)
        d.lock_schema(c)
        held = _lock_live_positions(d, c, live)
        if inline:
            try:
                follower.apply_to_end(c)
            except ViewFailed as failed:
                raise follower.report_failure(failed) from failed.error
        positions = dict(follower.positions)
        behind = [v.name for v in live if held.get(v.tracking_name, 0) > positions[v.name]]
        if behind:
            msg = f"the live {', '.join(behind)} moved past the rebuild"
            raise RebuildBehind(msg)
        for view, shadow in zip(live, follower.views, strict=True):
            _put_in_place(d, c, view, shadow, positions[view.name])
    return {view.name: positions[view.name] for view in live}


def _blocked(live: list[View], lock_timeout: float) -> SwitchBlocked:
    tables = ", ".join(table for view in live for table in view.tables)
    return SwitchBlocked(
        f"the switch waited {SWITCH_ATTEMPTS} times {lock_timeout:g} s for its locks on "
        f"{tables}: a transaction holds one of them (see pg_stat_activity); the live "
        "views serve as before"
    )


def _reads_beside_writes(d: Dialect) -> bool:
    """Whether a connection can read the log while another holds a write transaction
    (every store but an in-memory SQLite one)."""
    return not getattr(getattr(d.datastore, "pool", None), "is_sqlite_memory_mode", False)


def _lock_live_positions(d: Dialect, cursor: Any, live: list[View]) -> dict[str, int]:
    """Lock the live views' tracking rows (in the order pages lock them) and read them."""
    names = sorted(view.tracking_name for view in live)
    for name in names:
        cursor.execute(
            d.q(
                "UPDATE {tracking} SET notification_id = notification_id WHERE application_name = ?"
            ),
            (name,),
        )
    cursor.execute(
        d.q(
            "SELECT application_name, notification_id FROM {tracking} "
            "WHERE application_name IN (" + ",".join("?" * len(names)) + ")"
        ),
        names,
    )
    return {r["application_name"]: int(r["notification_id"] or 0) for r in cursor.fetchall()}


def _put_in_place(d: Dialect, cursor: Any, view: View, shadow: View, position: int) -> None:
    """In the switch's transaction: drop ``view``'s tables, give ``shadow``'s their
    names (and their indexes), move the tracking row to ``position``."""
    view.drop(cursor)
    for table in view.tables:
        built = shadow.d.name_of(table)
        cursor.execute(d.q("ALTER TABLE {s}" + built + " RENAME TO " + table))
    for table in view.tables:
        for index in d.indexes_of(cursor, table):
            if SHADOW_SUFFIX not in index:
                continue
            if d.renames_indexes:  # the primary key's too (``..._pkey``)
                named = index.replace(SHADOW_SUFFIX, "")
                cursor.execute(d.q("ALTER INDEX {s}" + index + " RENAME TO " + named))
            else:
                cursor.execute(d.q("DROP INDEX {s}" + index))
    if not d.renames_indexes:
        view.create_indexes(cursor)
    remember_layout(d, cursor, view)  # a rebuild for a new layout puts the new one in place
    cursor.execute(
        d.q("UPDATE {tracking} SET notification_id = ? WHERE application_name = ?"),
        (position, view.tracking_name),
    )
    cursor.execute(
        d.q("DELETE FROM {tracking} WHERE application_name = ?"), (shadow.tracking_name,)
    )
    # The view is past a failure recorded before this position (the live follower
    # that recorded it clears it too, on its next page).
    cursor.execute(
        d.q("DELETE FROM {s}projection_failures WHERE view_name = ? AND position <= ?"),
        (view.name, position),
    )
