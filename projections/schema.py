"""The views' tables: which views exist, creating them (and their tracking rows) once
per store, and starting one again from position 0.

Kept apart from the follower so that the read model can make sure the tables exist
without depending on the follower that fills them. Every creation of the views' tables
and indexes runs under the schema's lock (``Dialect.lock_schema``): on PostgreSQL, two
sessions creating the same table or index at once do not both find it made.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from ledger.infrastructure.store_setup import datastore_setup
from projections.dialect import Dialect
from projections.views import VIEW_CLASSES, VIEW_NAMES, View, tracked_positions

log = logging.getLogger("ledger.projections")


class UnknownView(ValueError):
    pass


def make_views(dialect: Dialect, names: Sequence[str] | None = None) -> list[View]:
    """The views by name (all when ``names`` is empty)."""
    wanted = list(names or VIEW_NAMES)
    unknown = [n for n in wanted if n not in VIEW_NAMES]
    if unknown:
        msg = f"unknown view {unknown[0]!r}; the views are: {', '.join(VIEW_NAMES)}"
        raise UnknownView(msg)
    return [cls(dialect) for cls in VIEW_CLASSES if cls.name in wanted]


PARTS = "#parts"
"""The suffix of a view's second row in ``proj_views``: its layout in parts
(:meth:`View.layout_parts`), so that a change of the indexes alone is told apart."""

SHADOW_SUFFIX = "__shadow"
"""The suffix of a rebuild's tables, indexes and tracking row beside the live ones."""


def shadow_views(d: Dialect, names: Sequence[str] | None = None) -> list[View]:
    """The views by name as a rebuild makes them: every table and index of theirs named
    with :data:`SHADOW_SUFFIX` (on SQLite index names are global, so those too), their
    own tracking rows. Their events, handlers and statements are the live views'."""
    shadows = []
    for view in make_views(d, names):
        words = (*view.tables, *view.index_names())
        shadow = type(view)(d.renamed({w: w + SHADOW_SUFFIX for w in words}))
        shadow.tracking_name = view.tracking_name + SHADOW_SUFFIX
        shadow.shadow = True
        shadows.append(shadow)
    return shadows


def ensure_views(d: Dialect, *, keep: Sequence[str] = (), setup_lock: bool = True) -> None:
    """Create the views' tables and indexes and their tracking rows, if missing (a
    process does it once, through its :class:`projections.store.ViewStore`).

    What exists is found in the catalogue first, and not made again: a process that
    finds everything made (the usual start) only reads, and takes no lock a follower's
    page could be waiting behind (on PostgreSQL ``CREATE INDEX IF NOT EXISTS`` locks
    the table against writes even when the index exists, and the tracking rows' insert
    waits for a page that holds them: with the schema's lock held, that deadlocked
    processes starting together).

    Each view's table layout is remembered (``proj_views``). A view whose indexes alone
    changed with a new version of this code gets the new indexes on the rows it has
    (the old ones dropped); a view whose tables changed is dropped and starts again
    from position 0, so the follower rebuilds it from the log (unless named in
    ``keep``: then it is left as it is, for a rebuild beside it, ``tables_changed``).
    ``setup_lock``: take the store's setup lock (``False``: the caller holds it)."""
    views = [view for view in make_views(d) if view.name not in keep]
    if _all_made(d, views):
        return
    with datastore_setup(d.datastore) if setup_lock else nullcontext(), d.write() as c:
        d.lock_schema(c)
        existing = d.relations(c)
        if "proj_views" not in existing:
            c.execute(
                d.q("CREATE TABLE {s}proj_views (view_name TEXT PRIMARY KEY, layout TEXT NOT NULL)")
            )
        known = _known_layouts(d, c)
        tracked = _tracked(d, c, views)
        for view in views:
            layout = view.layout()
            parts = view.layout_parts()
            if known.get(view.name) == layout:
                view.create_missing(c, existing)
                if view.tracking_name not in tracked:
                    ensure_tracking_row(d, c, view)
            elif view.name in known and _indexes_alone_changed(known.get(view.name + PARTS), parts):
                log.warning("the %s view's indexes changed; making them anew", view.name)
                _replace_indexes(d, c, view, json.loads(known[view.name + PARTS]), parts)
                if view.tracking_name not in tracked:
                    ensure_tracking_row(d, c, view)
            else:
                if view.name in known:
                    log.warning("the %s view changed layout; rebuilding it", view.name)
                reset_view(d, c, view, indexes=True)
            if known.get(view.name) != layout or known.get(view.name + PARTS) != _text(parts):
                remember_layout(d, c, view)


def tables_changed(d: Dialect) -> list[str]:
    """The views whose tables' layout changed with this version of the code (their
    rows cannot be kept: they are rebuilt), as remembered in ``proj_views``; reads only."""
    with d.read() as c:
        if "proj_views" not in d.relations(c):
            return []
        known = _known_layouts(d, c)
    return [
        view.name
        for view in make_views(d)
        if view.name in known
        and known[view.name] != view.layout()
        and not _indexes_alone_changed(known.get(view.name + PARTS), view.layout_parts())
    ]


def remember_layout(d: Dialect, cursor: Any, view: View) -> None:
    """Record in ``proj_views`` that ``view``'s tables are as this code makes them."""
    _remember(d, cursor, view.name, view.layout())
    _remember(d, cursor, view.name + PARTS, _text(view.layout_parts()))


def _text(parts: dict[str, Any]) -> str:
    return json.dumps(parts, sort_keys=True)


def _remember(d: Dialect, cursor: Any, name: str, layout: str) -> None:
    cursor.execute(
        d.q(
            "INSERT INTO {s}proj_views (view_name, layout) VALUES (?, ?) "
            "ON CONFLICT (view_name) DO UPDATE SET layout = excluded.layout"
        ),
        (name, layout),
    )


def _known_layouts(d: Dialect, cursor: Any) -> dict[str, str]:
    cursor.execute(d.q("SELECT view_name, layout FROM {s}proj_views"))
    return {row["view_name"]: row["layout"] for row in cursor.fetchall()}


def _tracked(d: Dialect, cursor: Any, views: Sequence[View]) -> set[str]:
    names = [v.tracking_name for v in views]
    if not names:
        return set()
    cursor.execute(
        d.q(
            "SELECT application_name FROM {tracking} "
            "WHERE application_name IN (" + ",".join("?" * len(names)) + ")"
        ),
        names,
    )
    return {row["application_name"] for row in cursor.fetchall()}


def _all_made(d: Dialect, views: Sequence[View]) -> bool:
    """Whether every view's tables, indexes, layout and tracking row are there (read
    without a lock: what is found made stays made, but for a rebuild's switch, which
    puts tables of the same names in place in one transaction)."""
    with d.read() as c:
        existing = d.relations(c)
        if "proj_views" not in existing or any(view.missing(existing) for view in views):
            return False
        known = _known_layouts(d, c)
        tracked = _tracked(d, c, views)
    return all(
        known.get(view.name) == view.layout()
        and known.get(view.name + PARTS) == _text(view.layout_parts())
        and view.tracking_name in tracked
        for view in views
    )


def _indexes_alone_changed(old: str | None, new: dict[str, Any]) -> bool:
    if old is None:  # remembered by a version before the parts were
        return False
    parts = json.loads(old)
    return (
        isinstance(parts, dict)
        and parts.get("tables") == new["tables"]
        and parts.get("indexes") != new["indexes"]
    )


def _replace_indexes(
    d: Dialect, cursor: Any, view: View, old: dict[str, Any], new: dict[str, Any]
) -> None:
    """Drop the indexes the old layout had and the new one has not (or has otherwise),
    then create the new layout's. The drops come last in the transaction: on
    PostgreSQL ``DROP INDEX`` shuts readers out of the table until the commit."""
    before: dict[str, str] = old.get("indexes", {})
    after: dict[str, str] = new["indexes"]
    changed = [name for name in before if name in after and before[name] != after[name]]
    for name in changed:
        cursor.execute(d.q("DROP INDEX IF EXISTS {s}" + name))
    view.create_missing(cursor, d.relations(cursor))
    for name in before:
        if name not in after:
            cursor.execute(d.q("DROP INDEX IF EXISTS {s}" + name))


def reset_view(d: Dialect, cursor: Any, view: View, *, indexes: bool) -> None:
    """Drop the view's tables and start it again from position 0."""
    view.drop(cursor)
    cursor.execute(d.q("DELETE FROM {tracking} WHERE application_name = ?"), (view.tracking_name,))
    view.create(cursor, indexes=indexes)
    ensure_tracking_row(d, cursor, view)


def ensure_tracking_row(d: Dialect, cursor: Any, view: View) -> None:
    cursor.execute(
        d.q(
            "INSERT INTO {tracking} (application_name, notification_id) VALUES (?, 0) "
            "ON CONFLICT (application_name) DO NOTHING"
        ),
        (view.tracking_name,),
    )


def read_positions(d: Dialect, views: Sequence[View]) -> tuple[dict[str, int], set[str]]:
    """Each view's position, and the views that have no tracking row."""
    found = tracked_positions(d, [v.tracking_name for v in views])
    positions = {v.name: found.get(v.tracking_name, 0) for v in views}
    return positions, {v.name for v in views if v.tracking_name not in found}
