"""The follower: applies the ledger's notification log to the views, page by page.

One design for both stores. A page of the log (``select_notifications``; on
PostgreSQL a plain query of the follower's own) is decoded once for all views
(``projections.decoding``: the application's mapper, values the views only copy into
SQL left as the text the log stores), every view turns the events it has not seen
into bulk SQL, and the page is applied in ONE transaction that also writes each
view's eventsourcing tracking record (``Tracking(view, last id of the page)``, through
the tracking recorder's own statement, in the same transaction). So an event is
applied exactly once, and a stopped follower resumes where the tracking says.

Two followers by mistake (two ``ledger project`` workers, a worker and a rebuild)
cannot double-apply: each page transaction starts with a compare-and-lock on the
tracking rows of its views (``UPDATE ... WHERE notification_id = <expected>``). The
second follower blocks on that row until the first commits, then finds the position
moved, rolls back, re-reads the positions and carries on from there.

Waking: after a save in this process (the ``Ledger``'s save listeners), on
PostgreSQL's ``LISTEN`` on the recorder's channel (inserts ``NOTIFY``), and otherwise
a short poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any

from eventsourcing.persistence import Tracking

from ledger.application import Ledger
from ledger.errors import StoreUnavailable
from projections import failures, parallel
from projections.decoding import event_decoder
from projections.failures import ProjectionStalled
from projections.listener import PostgresListener
from projections.log_reader import LogReader, log_reader
from projections.pages import PagePreparer, PreparedPage, ViewFailed
from projections.pipeline import PageWriter, ProgressCallback, ReadAhead, feed
from projections.schema import ensure_tracking_row, make_views, read_positions, shadow_views
from projections.store import ViewStore
from projections.views import LogRecord

log = logging.getLogger("ledger.projections")

DEFAULT_PAGE_SIZE = 1000
DEFAULT_POLL_INTERVAL = 1.0
MAX_BACKOFF_SECONDS = 60.0


class PositionConflict(Exception):
    """Another follower applied the page first; nothing was written."""


class Follower:
    """Applies the log to a set of views (all by default), page by page."""

    def __init__(
        self,
        ledger: Ledger,
        views: Sequence[str] | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        processes: int = 0,
        exact_decoding: bool = False,
        store: ViewStore | None = None,
        shadow: bool = False,
    ) -> None:
        """``store``: the views' store this process shares with its read model and
        other followers (default: one of this follower's own). ``exact_decoding``:
        every value of the events restored and the log read through eventsourcing
        (``select_notifications``), not the views' faster ways (``projections.decoding``,
        ``projections.log_reader``); they store the same rows."""
        self.ledger = ledger
        self.processes = processes
        """Worker processes that prepare the pages of a large backlog on PostgreSQL
        (``projections.parallel``); 0 for none."""
        self.store = store or ViewStore(ledger)
        self.d = self.store.dialect
        self.store.ensure_views()
        self.shadow = shadow
        self.views = shadow_views(self.d, views) if shadow else make_views(self.d, views)
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.recorder: Any = ledger.recorder
        self.exact_decoding = exact_decoding
        self.positions: dict[str, int] = {}
        self.progress = self.store.progress
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._workers: parallel.WorkerPool | None = None
        self.before_commit: Callable[[list[LogRecord]], None] | None = None
        """A test hook, called inside the page transaction before the tracking records
        (raising there simulates a worker dying in the middle of a page)."""
        self.preparer = PagePreparer(
            ledger, self.views, event_decoder(ledger.mapper, wire=not exact_decoding)
        )
        """Turns the pages read into the views' SQL."""
        self.read_log: LogReader = log_reader(self.recorder, self.d, exact=exact_decoding)
        """Reads a page of the log from a position."""
        self.failure_counts: dict[str, int] = {}
        """Failed attempts to apply an event, per view, in this process."""
        mine = {view.name for view in self.views}
        self._failed: dict[str, int] = (
            {}
            if shadow
            else {
                name: found.position
                for name, found in failures.read_all(self.d).items()
                if name in mine
            }
        )
        """The position each view of ours is recorded as stalled at."""

    # --- control -----------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def refresh_positions(self) -> dict[str, int]:
        positions, missing = read_positions(self.d, self.views)
        if missing:  # a view without a tracking row (a store reset under us): start it
            with self.d.write() as c:
                for view in self.views:
                    if view.name in missing:
                        ensure_tracking_row(self.d, c, view)
            positions, _ = read_positions(self.d, self.views)
        self.positions = positions
        return dict(positions)

    # --- applying ----------------------------------------------------------------------
    def catch_up(
        self, progress: ProgressCallback | None = None, max_pages: int | None = None
    ) -> int:
        """Apply pages until the views reach the end of the log (or ``max_pages``).
        Returns how many notifications were read and applied. When a view cannot
        apply an event, everything before that event is applied, the failure is
        reported (an ERROR log line, the ``projection_failures`` row) and
        :class:`ProjectionStalled` names the view, the position and the reason."""
        applied = 0
        for attempt in range(3):
            try:
                return applied + self._catch_up(progress, max_pages)
            except ViewFailed as failed:
                if attempt == 2:
                    raise self._report(failed) from failed.error
                exact, done = self._narrow(failed)
                applied += done
                if exact is not None:
                    raise self._report(exact) from exact.error
                # It went through this time (a passing failure): go on.
        return applied  # pragma: no cover - the loop returns or raises

    def _narrow(self, failed: ViewFailed) -> tuple[ViewFailed | None, int]:
        """Find the event that fails, applying every event before it: the pages again
        in this process (pages prepared by workers may have failed ahead of pages not
        yet committed), then the failing page one event at a time. Returns the failure
        of that one event (``None`` if everything went through) and the events applied."""
        size, processes = self.page_size, self.processes
        applied = 0
        try:
            self.processes = 0
            try:
                applied += self._catch_up()
            except ViewFailed as serial:
                failed = serial
            else:
                return None, applied
            if failed.first >= failed.last:
                return failed, applied
            self.page_size = 1
            try:
                applied += self._catch_up(None, failed.last - failed.first + 1)
            except ViewFailed as exact:
                return exact, applied
            return None, applied
        finally:
            self.page_size, self.processes = size, processes

    def report_failure(self, failed: ViewFailed) -> ProjectionStalled:
        """Report a failure raised by :meth:`apply_to_end` (as :meth:`catch_up` does its
        own); the exception to raise."""
        return self._report(failed)

    def _report(self, failed: ViewFailed) -> ProjectionStalled:
        for view in failed.views:
            self.failure_counts[view] = self.failure_counts.get(view, 0) + 1
            self._failed[view] = failed.first
        return failures.report(
            self.d, failed.views, failed.first, failed.error, record=not self.shadow
        )

    def _catch_up(
        self, progress: ProgressCallback | None = None, max_pages: int | None = None
    ) -> int:
        """:meth:`catch_up`, failures raised as :class:`ViewFailed`.

        With a backlog of more than one page, three threads overlap: a reader reads
        the pages ahead, this thread decodes them into SQL, and a writer commits them
        strictly in order (the database's work is done while Python decodes). With
        ``processes``, worker processes prepare the pages of a large backlog instead
        (``projections.parallel``); they stop when the catch-up ends."""
        self.refresh_positions()
        applied = 0
        conflicts = 0
        try:
            while not self._stop.is_set():
                try:
                    count, more = self._catch_up_pipelined(progress, max_pages)
                except PositionConflict:
                    log.info("another follower moved the views; re-reading positions")
                    conflicts += 1
                    if conflicts > 3:  # the other follower is busy: let it work
                        self._stop.wait(min(0.01 * conflicts, 1.0))
                    self.refresh_positions()
                    continue
                conflicts = 0
                applied += count
                if not more:
                    break
                if max_pages is not None:
                    break
        finally:
            if self._workers is not None:
                self._workers.close()
                self._workers = None
        return applied

    def log_position(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def apply_next_page(self) -> int:
        """Read, decode and apply one page; 0 when there is nothing new."""
        if not self.positions:
            self.refresh_positions()
        page = self._next_page(self.positions)
        if page is None:
            return 0
        self._commit(page)
        return page.size

    def _catch_up_pipelined(
        self, progress: ProgressCallback | None, max_pages: int | None
    ) -> tuple[int, bool]:
        """(notifications applied, whether to go on)."""
        first = self._next_page(self.positions)
        if first is None:
            return 0, False
        if len(first.notifications) < self.page_size or max_pages == 1:
            self._commit(first)
            if progress is not None:
                progress(min(self.positions.values()), self.log_position())
            return first.size, first.size >= self.page_size
        writer = PageWriter(self._commit, self.log_position, progress)
        later, elsewhere = self._pages_after_first(first)
        try:
            page = feed(writer, first, later, max_pages, self._stop)
        finally:
            later.close()
            writer.finish()
        writer.raise_failure()
        # Pages prepared elsewhere stop at the log position read before them: what was
        # written since is for the next round.
        return writer.applied, (page is not None or elsewhere) and max_pages is None

    def _pages_after_first(
        self, first: PreparedPage
    ) -> tuple[Generator[PreparedPage, None, None], bool]:
        """The pages after ``first``, and whether worker processes prepare them (then
        only up to the log's position now)."""
        planned = dict(self.positions)
        planned.update(dict.fromkeys(first.expected, first.last))
        end = self.log_position()
        if (
            self.processes > 0
            and self.d.name == "postgres"
            and end - first.last >= parallel.MIN_BACKLOG_PAGES * self.page_size
        ):
            if self._workers is None:
                self._workers = parallel.WorkerPool(
                    self.ledger,
                    self.views,
                    processes=self.processes,
                    page_size=self.page_size,
                    exact_decoding=self.exact_decoding,
                    shadow=self.shadow,
                )
            return self._workers.pages(planned, first.last + 1, end), True
        return self._pages_after(first.last + 1, planned), False

    def _pages_after(
        self, start: int, planned: dict[str, int]
    ) -> Generator[PreparedPage, None, None]:
        """The pages from ``start`` on, read a page or two ahead by a thread and
        prepared here. Pages are contiguous: the first was read from the lowest
        position of the views, so each next one starts after the last."""
        reader = ReadAhead(self.read_log, start, self.page_size)
        try:
            while (page := self.preparer.prepare(planned, reader.next())) is not None:
                planned.update(dict.fromkeys(page.expected, page.last))
                yield page
        finally:
            reader.close()

    def _next_page(self, positions: dict[str, int]) -> PreparedPage | None:
        """The page after ``positions``, read and prepared here."""
        rows = self.read_log(min(positions.values()) + 1, self.page_size)
        return self.preparer.prepare(positions, rows)

    def _commit(self, page: PreparedPage) -> None:
        """One transaction: lock and check each view's tracking row, the views' SQL,
        the tracking records."""
        with self.d.write() as c:
            self._apply(c, page)
        self._applied(page)

    def apply_to_end(self, cursor: Any) -> None:
        """Apply the pages up to the log's end in the caller's transaction (``cursor``,
        which must commit or be thrown away with this follower: the positions here are
        moved before it commits). A rebuild's last pages, in its switch."""
        if not self.positions:
            self.refresh_positions()
        while (page := self._next_page(self.positions)) is not None:
            self._apply(cursor, page)
            self._applied(page)

    def _apply(self, c: Any, page: PreparedPage) -> None:
        d = self.d
        lock = d.q(
            "UPDATE {tracking} SET notification_id = notification_id "
            "WHERE application_name = ? AND notification_id = ?"
        )
        d.begin_page(c)
        for view, _ in sorted(page.work, key=lambda w: w[0].tracking_name):
            c.execute(lock, (view.tracking_name, page.expected[view.name]))
            if d.rowcount(c) != 1:
                raise PositionConflict(view.name)
        for view, ops in page.work:
            try:
                ops.run(c, d)
            except Exception as error:
                start = page.expected[view.name]
                first = next((n.id for n in page.notifications if n.id > start), start + 1)
                raise ViewFailed([view.name], first, page.last, error) from error
        if self.before_commit is not None:
            self.before_commit(list(page.notifications))
        for view, _ in page.work:
            d.insert_tracking(c, Tracking(view.tracking_name, page.last))
        if self._failed:
            past = [v.name for v, _ in page.work if self._failed.get(v.name, 0) <= page.last]
            failures.clear(d, c, [name for name in past if name in self._failed])

    def _applied(self, page: PreparedPage) -> None:
        for view, _ in page.work:
            self.positions[view.name] = page.last
            if view.name in self._failed and self._failed[view.name] <= page.last:
                del self._failed[view.name]
                log.warning("view %s got past log position %d again", view.name, page.last)
        self.progress.committed()

    # --- running -----------------------------------------------------------------------
    def run(self) -> None:
        """Follow the log until :meth:`stop`: catch up, then sleep until woken (a save
        in this process, a PostgreSQL NOTIFY) or the poll interval passes. Errors are
        logged and retried after the poll interval; the transaction of a failed page
        was rolled back, so nothing is lost or doubled."""
        listener = PostgresListener(self.recorder, self.wake) if self.d.name == "postgres" else None
        if listener is not None:
            listener.start()
        failed_rounds = 0
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    self.catch_up()
                except StoreUnavailable as error:
                    # Expected while PostgreSQL is away: one line, not a traceback a poll.
                    log.warning("projections paused: %s", error)
                    self.positions = {}
                    self._stop.wait(self.poll_interval)
                    continue
                except Exception as error:
                    if not isinstance(error, ProjectionStalled):  # logged with its position
                        log.exception("projection page failed; retrying")
                    self.positions = {}
                    # Backoff: a failure that repeats (an event a view cannot apply)
                    # is retried ever less often, up to once a minute, each attempt
                    # logged and counted.
                    failed_rounds += 1
                    delay = self.poll_interval * 2 ** min(failed_rounds - 1, 10)
                    self._stop.wait(min(delay, max(MAX_BACKOFF_SECONDS, self.poll_interval)))
                    continue
                failed_rounds = 0
                self._wake.wait(self.poll_interval)
        finally:
            if listener is not None:
                listener.stop()


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_POLL_INTERVAL",
    "Follower",
    "PositionConflict",
    "ProjectionStalled",
]
