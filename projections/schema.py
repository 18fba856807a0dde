"""The views' tables: which views exist, creating them (and their tracking rows) once
per store, and starting one again from position 0.

Kept apart from the follower so that the read model can make sure the tables exist
without depending on the follower that fills them. Every creation of the views' tables
and indexes runs under the schema's lock (``Dialect.lock_schema``): on PostgreSQL, two
sessions creating the same table or index at once do not both find it made.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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


def ensure_views(d: Dialect) -> None:
    """Create the views' tables and indexes and their tracking rows, if missing (a
    process does it once, through its :class:`projections.store.ViewStore`).

    Each view's table layout is remembered (``proj_views``): a view whose layout
    changed with a new version of this code is dropped and starts again from position
    0, so the follower rebuilds it from the log."""
    views = make_views(d)
    with datastore_setup(d.datastore), d.write() as c:
        d.lock_schema(c)
        c.execute(
            d.q(
                "CREATE TABLE IF NOT EXISTS {s}proj_views ("
                "view_name TEXT PRIMARY KEY, layout TEXT NOT NULL)"
            )
        )
        c.execute(d.q("SELECT view_name, layout FROM {s}proj_views"))
        known = {row["view_name"]: row["layout"] for row in c.fetchall()}
        for view in views:
            layout = view.layout()
            if known.get(view.name) != layout:
                if view.name in known:
                    log.warning("the %s view changed layout; rebuilding it", view.name)
                reset_view(d, c, view, indexes=True)
                c.execute(
                    d.q(
                        "INSERT INTO {s}proj_views (view_name, layout) VALUES (?, ?) "
                        "ON CONFLICT (view_name) DO UPDATE SET layout = excluded.layout"
                    ),
                    (view.name, layout),
                )
            else:
                view.create(c)
                ensure_tracking_row(d, c, view)


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
