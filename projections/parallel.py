"""The pages of a large backlog, prepared in other processes.

A rebuild is bound by the follower's Python: decoding each event and turning it into
each view's rows holds the GIL, so one core does it while PostgreSQL and the other
cores wait (on 2 cores, 1,346,034 events: the follower's process 31 s of CPU and
PostgreSQL 20 s in a 39 s rebuild). Here worker processes each take a range of
positions of the log, read it, decode it and turn it into each view's SQL; the
follower commits the ranges strictly in order, one transaction each with its tracking
records, exactly as it commits its own pages. Only the SQL's rows cross between
processes.

A range is a fixed span of positions, so a worker needs nothing from the range before
it. Every position up to the log position read before the first range is final (the
recorder inserts under a table lock, so positions become visible in order; a gap is a
rolled-back insert and stays empty). A range's pages commit the views' tracking records
at the range's end even where it holds no event, so the next range starts where it
says.

PostgreSQL only: SQLite's embedded store is for small ledgers, and its one writer
would gain nothing.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple

from ledger.application import Ledger
from ledger.config import Settings
from projections.decoding import event_decoder
from projections.dialect import make_dialect
from projections.log_reader import LogReader, log_reader
from projections.pages import PagePreparer, PreparedPage
from projections.schema import make_views, shadow_views
from projections.views import Ops, View

MIN_BACKLOG_PAGES = 8
"""A shorter backlog than this many pages is prepared in the follower itself: starting
processes (about a second each) would cost more than it saves."""

AHEAD_PER_PROCESS = 2
"""Ranges handed to each worker process before the follower waits for the first."""

Inserts = dict[str, list[Sequence[Any]]]
Updates = list[tuple[str, list[Sequence[Any]]]]
Prepared = tuple[int, list[tuple[str, Inserts, Updates]]]
"""What a worker sends back for a range: its number of events, and each view's SQL."""


class PreparedRange(NamedTuple):
    expected: dict[str, int]
    """Each view's position before the range (the views that take part in it)."""
    last: int
    size: int
    """Events in the range."""
    work: list[tuple[str, Inserts, Updates]]
    """Each view's SQL: ``Ops.inserts`` and ``Ops.updates``."""


class WorkerPool:
    """``processes`` worker processes preparing ranges of the log for a follower of
    ``views`` on ``ledger``'s store; started when first needed, kept until
    :meth:`close` (a follower that finds its views moved by another one starts again
    from there, with the same processes)."""

    def __init__(
        self,
        ledger: Ledger,
        views: Sequence[View],
        *,
        processes: int,
        page_size: int,
        exact_decoding: bool = False,
        shadow: bool = False,
    ) -> None:
        """``shadow``: the views are a rebuild's (``projections.schema.shadow_views``):
        the workers' SQL names the same tables."""
        self.processes = processes
        self.page_size = page_size
        self.views = {view.name: view for view in views}
        self._pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(
                ledger.settings,
                dict(ledger.env),
                list(self.views),
                exact_decoding,
                shadow,
            ),
        )

    def pages(
        self, planned: dict[str, int], start: int, end: int
    ) -> Generator[PreparedPage, None, None]:
        """The pages of :meth:`ranges`, ready for the follower to commit."""
        ranges = self.ranges(planned, start, end)
        try:
            for prepared in ranges:
                work = []
                for name, inserts, updates in prepared.work:
                    ops = Ops()
                    ops.inserts, ops.updates = inserts, updates
                    work.append((self.views[name], ops))
                yield PreparedPage((), work, prepared.expected, prepared.last, prepared.size)
        finally:
            ranges.close()

    def ranges(
        self, planned: dict[str, int], start: int, end: int
    ) -> Generator[PreparedRange, None, None]:
        """The ranges of positions from ``start`` to ``end``, a page's size each, in
        order. ``planned`` is each view's position before ``start``; it is moved on as
        ranges are handed out."""
        handed_out: deque[tuple[dict[str, int], int, Future[Prepared]]] = deque()
        try:
            for first in range(start, end + 1, self.page_size):
                last = min(first + self.page_size - 1, end)
                expected = {name: p for name, p in planned.items() if p < last}
                if not expected:
                    continue
                planned.update(dict.fromkeys(expected, last))
                future = self._pool.submit(_prepare_range, expected, first, last)
                handed_out.append((expected, last, future))
                if len(handed_out) >= AHEAD_PER_PROCESS * self.processes:
                    yield _collect(*handed_out.popleft())
            while handed_out:
                yield _collect(*handed_out.popleft())
        finally:
            for _, _, future in handed_out:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _collect(expected: dict[str, int], last: int, future: Future[Prepared]) -> PreparedRange:
    size, work = future.result()
    return PreparedRange(expected, last, size, work)


# --- in a worker process ------------------------------------------------------------------
class _Worker(NamedTuple):
    read_log: LogReader
    preparer: PagePreparer


_worker: dict[str, _Worker] = {}


def _start_worker(
    settings: Settings, env: dict[str, str], views: list[str], exact_decoding: bool, shadow: bool
) -> None:
    # A worker makes millions of short-lived objects without reference cycles; the
    # cyclic collector would only walk them (as in the follower's own backlog).
    gc.disable()
    # The views' tables are not made here: during a rebuild, that would create their
    # secondary indexes before the rows.
    ledger = Ledger(settings, env=env)
    d = make_dialect(ledger)
    decode = event_decoder(ledger.mapper, wire=not exact_decoding)
    read = log_reader(ledger.recorder, d, exact=exact_decoding)
    made = shadow_views(d, views) if shadow else make_views(d, views)
    _worker["worker"] = _Worker(read, PagePreparer(ledger, made, decode))


def _prepare_range(expected: dict[str, int], first: int, last: int) -> Prepared:
    worker = _worker["worker"]
    rows = worker.read_log(first, last - first + 1, last)
    # The views that do not take part in this range are past it.
    positions = {view.name: expected.get(view.name, last) for view in worker.preparer.views}
    page = worker.preparer.prepare(positions, rows) if rows else None
    prepared = {} if page is None else {view.name: ops for view, ops in page.work}
    # A view with nothing in this range still moves its tracking record to its end.
    work = []
    for name in expected:
        ops = prepared.get(name)
        work.append((name, {}, []) if ops is None else (name, ops.inserts, ops.updates))
    return len(rows), work
