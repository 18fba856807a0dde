"""The views' positions in the log: how far each has got, how far behind it is, and
waiting for them to reach a position (read-your-writes)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from projections.progress import Progress
from projections.queries.common import ReadContext
from projections.results import ViewLag
from projections.views import TRACKING_PREFIX, VIEW_NAMES, tracked_positions


def log_position(ctx: ReadContext) -> int:
    return int(ctx.ledger.recorder.max_notification_id() or 0)


def positions(ctx: ReadContext) -> dict[str, int]:
    found = tracked_positions(ctx.d, [TRACKING_PREFIX + v for v in VIEW_NAMES])
    return {v: found.get(TRACKING_PREFIX + v, 0) for v in VIEW_NAMES}


def lag(ctx: ReadContext) -> dict[str, ViewLag]:
    reached = positions(ctx)
    log = log_position(ctx)
    return {v: ViewLag(v, p, log, max(log - p, 0)) for v, p in reached.items()}


def wait_for(
    ctx: ReadContext,
    progress: Progress,
    position: int | None,
    timeout: float,
    views: Sequence[str] | None,
) -> bool:
    if position is None or position <= 0:
        return True
    wanted = list(views or VIEW_NAMES)
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        reached = positions(ctx)
        if min(reached[v] for v in wanted) >= position:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        progress.wake_followers()
        with progress.condition:
            progress.condition.wait(min(delay, remaining))
        delay = min(delay * 2, 0.05)
