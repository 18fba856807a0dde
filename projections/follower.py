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

import contextlib
import gc
import logging
import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.utils import retry

from ledger.application import Ledger
from ledger.errors import StoreUnavailable
from ledger.infrastructure.store_setup import connect_kwargs_of
from projections import failures, parallel
from projections.decoding import event_decoder
from projections.dialect import Dialect, dialect_for
from projections.progress import progress_for
from projections.schema import (
    UnknownView,
    _ensure_tracking_row,
    _reset,
    ensure_views,
    make_views,
)
from projections.views import (
    TRACKING_PREFIX,
    VIEW_NAMES,
    AuditTrailView,
    LogRecord,
    Ops,
    PageContext,
    View,
    tracked_positions,
)

log = logging.getLogger("ledger.projections")

DEFAULT_PAGE_SIZE = 1000
DEFAULT_POLL_INTERVAL = 1.0

ProgressCallback = Callable[[int, int], None]
"""Called after each page with (position reached, last position of the log)."""


class ViewFailed(Exception):
    """Applying the log to ``views`` failed in the events from ``first`` to ``last``
    (the cause is the error itself)."""

    def __init__(self, views: Sequence[str], first: int, last: int, error: BaseException):
        super().__init__(f"{', '.join(views)} at {first}-{last}: {error}")
        self.views = tuple(views)
        self.first = first
        self.last = last
        self.error = error

    def __reduce__(self) -> tuple[Any, ...]:
        # It comes back from the worker processes that prepare pages.
        return (ViewFailed, (self.views, self.first, self.last, self.error))


class ProjectionStalled(Exception):
    """A view cannot apply the event at ``position``; it has applied everything before
    it, and the follower retries (with backoff) until it can. Logged as an ERROR and
    recorded for ``/readyz`` and ``/metrics`` (``projections.failures``)."""

    def __init__(self, views: Sequence[str], position: int, reason: str):
        self.views = tuple(views)
        self.position = position
        self.reason = reason
        super().__init__(
            f"view {', '.join(self.views)} cannot apply the event at log position "
            f"{position}: {reason}"
        )


MAX_BACKOFF_SECONDS = 60.0


class PositionConflict(Exception):
    """Another follower applied the page first; nothing was written."""


def read_positions(d: Dialect, views: Sequence[View]) -> tuple[dict[str, int], set[str]]:
    """Each view's position, and the views that have no tracking row."""
    found = tracked_positions(d, [v.tracking_name for v in views])
    positions = {v.name: found.get(v.tracking_name, 0) for v in views}
    return positions, {v.name for v in views if v.tracking_name not in found}


@dataclass
class _Page:
    notifications: Sequence[LogRecord]
    work: list[tuple[View, Ops]]
    expected: dict[str, int]
    """Each view's position the page starts from (checked when it is committed)."""
    last: int
    size: int
    """Events in the page (``notifications`` is empty for a page prepared in another
    process: only its SQL comes back)."""


class LogReader(Protocol):
    """Reads the log from ``start`` on: at most ``limit`` records, none after
    ``stop`` (eventsourcing's ``select_notifications`` has this signature)."""

    def __call__(self, start: int, limit: int, stop: int | None = None) -> Sequence[LogRecord]: ...


_LAST_POSITION = 2**63 - 1


class LogRow(NamedTuple):
    """A record of the log as the follower reads it on PostgreSQL: the fields of a
    ``Notification`` the views use, in a plain tuple."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def _log_rows(_cursor: Any) -> Callable[[Sequence[Any]], LogRow]:
    return LogRow._make


def _as_uuid(value: Any) -> UUID:
    """An id as the ledger's own look-ups take it (the views' decoder gives hex text)."""
    return value if isinstance(value, UUID) else UUID(value)


class _ShortGilTurns:
    """While a backlog is applied the decoding thread holds the GIL nearly all the
    time, and the writer needs it back after each wait on its socket (every 128 kB of
    COPY data): at the interpreter's default switch interval (5 ms) it gets it only
    after 5 ms, while PostgreSQL sits idle. A 1 ms interval keeps the COPY fed.
    Measured on a rebuild of 1,346,034 events, old and new code alternating: catch-up
    38.9-39.5 s handing over the GIL by ``time.sleep(0)`` every 100 events, 34.0-35.6 s
    with this (the interpreter switches only when a thread has waited that long).

    The interval belongs to the whole interpreter: the first user shortens it, the
    last one puts back what it was."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 0.0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, self.interval))
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    sys.setswitchinterval(self._saved)


short_gil_turns = _ShortGilTurns(0.001)


class _ReadAhead:
    """Reads the pages of the log from a position on, in a thread of its own, up to
    two pages ahead of their decoding: PostgreSQL's part of each read (and psycopg's
    wait for it) is done while Python decodes the page before."""

    def __init__(
        self, select: Callable[[int, int], Sequence[LogRecord]], start: int, page_size: int
    ) -> None:
        self._select = select
        self._page_size = page_size
        self._pages: queue.Queue[Sequence[LogRecord] | BaseException] = queue.Queue(maxsize=2)
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(start,), name="projections-reader", daemon=True
        )
        self._thread.start()

    def _run(self, start: int) -> None:
        try:
            while not self._done.is_set():
                rows = self._select(start, self._page_size)
                self._pages.put(rows)
                if not rows:
                    return
                start = rows[-1].id + 1
        except BaseException as error:
            self._pages.put(error)

    def next(self) -> Sequence[LogRecord]:
        """The next page (empty at the end of the log)."""
        rows = self._pages.get()
        if isinstance(rows, BaseException):
            raise rows
        return rows

    def close(self) -> None:
        self._done.set()
        while self._thread.is_alive():  # a reader blocked on the full queue gets its turn
            with contextlib.suppress(queue.Empty):
                self._pages.get(timeout=0.05)


class _PageWriter:
    """Commits prepared pages on a thread of its own while the next ones are read; the
    first failure stops the commits (later pages are drained, not applied)."""

    def __init__(self, follower: Follower, progress: ProgressCallback | None) -> None:
        self._follower = follower
        self._progress = progress
        self._pages: queue.Queue[_Page | None] = queue.Queue(maxsize=2)
        self._failure: list[BaseException] = []
        self.applied = 0
        self._thread = threading.Thread(target=self._run, name="projections-writer", daemon=True)
        self._thread.start()

    @property
    def failed(self) -> bool:
        return bool(self._failure)

    def put(self, page: _Page) -> None:
        self._pages.put(page)

    def finish(self) -> None:
        self._pages.put(None)
        self._thread.join()

    def raise_failure(self) -> None:
        if self._failure:
            raise self._failure[0]

    def _run(self) -> None:
        while (page := self._pages.get()) is not None:
            if self._failure:
                continue
            try:
                self._follower._commit(page)
                self.applied += page.size
                if self._progress is not None:
                    self._progress(page.last, self._follower.log_position())
            except BaseException as error:
                self._failure.append(error)


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
        create_views: bool = True,
    ) -> None:
        self.ledger = ledger
        self.processes = processes
        """Worker processes that prepare the pages of a large backlog on PostgreSQL
        (``projections.parallel``); 0 for none."""
        self.d = dialect_for(ledger)
        if create_views:
            # Not in a process that only prepares pages for another follower: during
            # a rebuild, that would create the secondary indexes before the rows.
            ensure_views(ledger, self.d)
        self.views = make_views(self.d, views)
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.mapper = ledger.mapper
        self.recorder: Any = ledger.recorder
        self.positions: dict[str, int] = {}
        self.progress = progress_for(self.d.datastore)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.credential_providers: dict[Any, Any] = {}
        self._workers: parallel.WorkerPool | None = None
        self.before_commit: Callable[[list[LogRecord]], None] | None = None
        """A test hook, called inside the page transaction before the tracking records
        (raising there simulates a worker dying in the middle of a page)."""
        self._to_domain_event = event_decoder(self.mapper)
        self._select = self._log_reader()
        self.failure_counts: dict[str, int] = {}
        """Failed attempts to apply an event, per view, in this process."""
        mine = {view.name for view in self.views}
        self._failed: dict[str, int] = {
            name: found.position
            for name, found in failures.read_all(self.d).items()
            if name in mine
        }
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
                        _ensure_tracking_row(self.d, c, view)
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

    def _report(self, failed: ViewFailed) -> ProjectionStalled:
        reason = failures.reason_of(failed.error)
        for view in failed.views:
            self.failure_counts[view] = self.failure_counts.get(view, 0) + 1
            self._failed[view] = failed.first
        log.error(
            "view %s cannot apply the event at log position %d: %s; it stays behind "
            "that event (and retries) until it can",
            ", ".join(failed.views),
            failed.first,
            reason,
            exc_info=failed.error,
        )
        try:
            failures.record(self.d, dict.fromkeys(failed.views, failed.first), reason)
        except Exception:  # the database itself may be what failed
            log.warning("could not record the projection failure", exc_info=True)
        return ProjectionStalled(failed.views, failed.first, reason)

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
        page = self._prepare(self.positions)
        if page is None:
            return 0
        self._commit(page)
        return page.size

    def _catch_up_pipelined(
        self, progress: ProgressCallback | None, max_pages: int | None
    ) -> tuple[int, bool]:
        """(notifications applied, whether to go on)."""
        first = self._prepare(self.positions)
        if first is None:
            return 0, False
        if len(first.notifications) < self.page_size or max_pages == 1:
            self._commit(first)
            if progress is not None:
                progress(min(self.positions.values()), self.log_position())
            return first.size, first.size >= self.page_size
        writer = _PageWriter(self, progress)
        later, elsewhere = self._pages_after_first(first)
        try:
            page = self._feed(writer, first, later, max_pages)
        finally:
            later.close()
            writer.finish()
        writer.raise_failure()
        # Pages prepared elsewhere stop at the log position read before them: what was
        # written since is for the next round.
        return writer.applied, (page is not None or elsewhere) and max_pages is None

    def _feed(
        self,
        writer: _PageWriter,
        first: _Page,
        later: Generator[_Page, None, None],
        max_pages: int | None,
    ) -> _Page | None:
        """Hand ``first`` and the pages after it to ``writer`` until the log, the page
        budget or the writer gives out; the page not handed over, if any."""
        page: _Page | None = first
        count = 0
        # A backlog makes millions of short-lived objects (decoded events, rows) that
        # hold no reference cycles: the cyclic collector would only spend a third of
        # the time walking them. It is paused while a backlog is applied.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with short_gil_turns():
                while page is not None and not writer.failed and not self._stop.is_set():
                    writer.put(page)
                    count += 1
                    if max_pages is not None and count >= max_pages:
                        break
                    page = next(later, None)
        finally:
            if collecting:
                gc.enable()
        return page

    def _pages_after_first(self, first: _Page) -> tuple[Generator[_Page, None, None], bool]:
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
                self._workers = parallel.WorkerPool(self)
            return self._pages_from(self._workers.ranges(planned, first.last + 1, end)), True
        return self._pages_after(first.last + 1, planned), False

    def _pages_from(
        self, ranges: Generator[parallel.PreparedRange, None, None]
    ) -> Generator[_Page, None, None]:
        """Pages of ranges prepared in worker processes."""
        views = {view.name: view for view in self.views}
        try:
            for prepared in ranges:
                work = []
                for name, inserts, updates in prepared.work:
                    ops = Ops()
                    ops.inserts, ops.updates = inserts, updates
                    work.append((views[name], ops))
                yield _Page((), work, prepared.expected, prepared.last, prepared.size)
        finally:
            ranges.close()

    def _pages_after(self, start: int, planned: dict[str, int]) -> Generator[_Page, None, None]:
        """The pages from ``start`` on, read a page or two ahead by a thread and
        prepared here. Pages are contiguous: the first was read from the lowest
        position of the views, so each next one starts after the last."""
        reader = _ReadAhead(self._select, start, self.page_size)
        try:
            while (page := self._prepare(planned, reader.next())) is not None:
                planned.update(dict.fromkeys(page.expected, page.last))
                yield page
        finally:
            reader.close()

    def _prepare(
        self, positions: dict[str, int], notifications: Sequence[LogRecord] | None = None
    ) -> _Page | None:
        """Decode the page after ``positions`` (read here unless given); turn it into
        each view's SQL."""
        if notifications is None:
            notifications = self._select(min(positions.values()) + 1, self.page_size)
        if not notifications:
            return None
        to_domain_event = self._to_domain_event
        last = notifications[-1].id
        try:
            pairs = [(to_domain_event(n), n) for n in notifications]
        except Exception as error:
            waiting = [v.name for v in self.views if positions[v.name] < last]
            raise ViewFailed(waiting, notifications[0].id, last, error) from error
        ctx = PageContext(
            credential_providers=self.credential_providers,
            resolve_credential_provider=self._credential_provider,
        )
        work: list[tuple[View, Ops]] = []
        expected: dict[str, int] = {}
        for view in self.views:
            position = positions[view.name]
            if position >= last:
                continue
            ops = Ops()
            if isinstance(view, AuditTrailView):
                self._prefetch_award_providers(pairs, position, ctx)
            unseen = (
                pairs
                if notifications[0].id > position
                else [p for p in pairs if p[1].id > position]
            )
            try:
                view.apply(unseen, ops, ctx)
            except Exception as error:
                raise ViewFailed([view.name], unseen[0][1].id, last, error) from error
            work.append((view, ops))
            expected[view.name] = position
        if not work:
            return None
        return _Page(notifications, work, expected, last, len(notifications))

    def _commit(self, page: _Page) -> None:
        """One transaction: lock and check each view's tracking row, the views' SQL,
        the tracking records."""
        d = self.d
        lock = d.q(
            "UPDATE {tracking} SET notification_id = notification_id "
            "WHERE application_name = ? AND notification_id = ?"
        )
        with d.write() as c:
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
        for view, _ in page.work:
            self.positions[view.name] = page.last
            if view.name in self._failed and self._failed[view.name] <= page.last:
                del self._failed[view.name]
                log.warning("view %s got past log position %d again", view.name, page.last)
        self.progress.committed()

    def _prefetch_award_providers(
        self, pairs: list[tuple[Any, LogRecord]], position: int, ctx: PageContext
    ) -> None:
        # Keyed by the award id as the event carries it (hex text from the views'
        # decoder, a UUID from the exact way): the audit view looks it up by that.
        wanted = {
            e.award_id: _as_uuid(e.award_id)
            for e, n in pairs
            if n.id > position and n.topic.endswith(".AwardRevoked")
        }
        if wanted:
            located = self.ledger.ledger_recorder.locate_awards(set(wanted.values()))
            ctx.award_providers.update(
                {key: located[a].provider_id for key, a in wanted.items() if a in located}
            )

    def _credential_provider(self, credential_id: Any) -> Any:
        events = list(self.ledger.events.get(_as_uuid(credential_id), lte=1))
        return getattr(events[0], "provider_id", None) if events else None

    def _log_reader(self) -> LogReader:
        """Reads the page of the log from a position (at most so many records). On
        PostgreSQL by a query of its own, the five columns as plain tuples
        (:class:`LogRow`): eventsourcing's ``select_notifications`` makes a dict and
        then a frozen dataclass of each row, a tenth of a rebuild. The results come in
        PostgreSQL's binary format: the state as its bytes, not as hex text that the
        server writes and psycopg reads back (half the read's cost on both sides)."""
        recorder = self.recorder
        if self.d.name != "postgres":
            return cast(LogReader, recorder.select_notifications)
        from psycopg import InterfaceError, OperationalError
        from psycopg.sql import SQL, Identifier

        datastore = recorder.datastore
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id >= %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))

        @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
        def select(start: int, limit: int, stop: int | None = None) -> Sequence[LogRecord]:
            with (
                datastore.get_connection() as conn,
                conn.cursor(row_factory=_log_rows, binary=True) as c,
            ):
                bound = _LAST_POSITION if stop is None else stop
                c.execute(statement, (start, bound, limit), prepare=True)
                rows: list[LogRow] = c.fetchall()
                return rows

        return cast(LogReader, select)  # the retry decorator is untyped

    # --- running -----------------------------------------------------------------------
    def run(self) -> None:
        """Follow the log until :meth:`stop`: catch up, then sleep until woken (a save
        in this process, a PostgreSQL NOTIFY) or the poll interval passes. Errors are
        logged and retried after the poll interval; the transaction of a failed page
        was rolled back, so nothing is lost or doubled."""
        listener = _PostgresListener(self) if self.d.name == "postgres" else None
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


class _PostgresListener:
    """LISTEN on the recorder's channel in a thread of its own; wakes the follower on
    each NOTIFY. Reconnects after errors; the follower's poll covers the gaps."""

    def __init__(self, follower: Follower) -> None:
        self.follower = follower
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="projections-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg
        from psycopg.sql import SQL, Identifier

        recorder = self.follower.recorder
        kwargs = connect_kwargs_of(recorder.datastore)
        while not self._stop.is_set():
            try:
                with psycopg.connect(autocommit=True, **kwargs) as conn:
                    conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.25, stop_after=1):
                            self.follower.wake()
            except Exception:  # pragma: no cover - the poll covers a lost listener
                log.warning("LISTEN connection lost; relying on polling", exc_info=True)
                self._stop.wait(1.0)


def save_listeners(ledger: Ledger) -> list[Callable[[], None]]:
    """Callables run after every save of this ``Ledger`` instance (in the saving
    thread, after the commit): the embedded follower's wake-up. Uses the ledger's own
    ``save_listeners`` list if it has one; otherwise wraps this instance's ``_notify``
    (eventsourcing calls it after each save) once."""
    own = getattr(ledger, "save_listeners", None)
    if isinstance(own, list):
        return own
    found: list[Callable[[], None]] | None = ledger.__dict__.get("_projection_listeners")
    if found is None:
        listeners: list[Callable[[], None]] = []
        original = ledger._notify

        def notify(recordings: Any) -> None:
            original(recordings)
            for listener in list(listeners):
                listener()

        ledger.__dict__["_projection_listeners"] = listeners
        ledger._notify = notify  # type: ignore[method-assign]
        found = listeners
    return found


class EmbeddedProjections:
    """The views following the log inside the API process (the embedded mode)::

        projections = EmbeddedProjections(ledger)
        projections.start()      # in the API's lifespan, after creating the ledger
        ...
        projections.stop()       # before closing the ledger

    A background thread catches up at start, then applies new events as they are
    saved (the ledger wakes it after each save), with a short poll as a fallback."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        poll_interval: float = 0.5,
    ) -> None:
        self.ledger = ledger
        self.follower = Follower(ledger, page_size=page_size, poll_interval=poll_interval)
        self._thread: threading.Thread | None = None

    def start(self) -> EmbeddedProjections:
        if self._thread is not None:
            return self
        save_listeners(self.ledger).append(self.follower.wake)
        self.follower.progress.wakers.append(self.follower.wake)
        self._thread = threading.Thread(target=self.follower.run, name="projections", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        self.follower.stop()
        self._thread.join(timeout)
        self._thread = None
        listeners = save_listeners(self.ledger)
        if self.follower.wake in listeners:
            listeners.remove(self.follower.wake)
        wakers = self.follower.progress.wakers
        if self.follower.wake in wakers:
            wakers.remove(self.follower.wake)

    def __enter__(self) -> EmbeddedProjections:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def rebuild(
    ledger: Ledger,
    views: Sequence[str] | None = None,
    *,
    page_size: int = 5000,
    progress: ProgressCallback | None = None,
    processes: int = 0,
) -> dict[str, int]:
    """Drop the views (all, or those named) and rebuild them from the whole log.
    Secondary indexes are created after the rows are in. Returns the positions reached.
    With ``processes`` (PostgreSQL), that many worker processes prepare the pages
    (``projections.parallel``)."""
    d = dialect_for(ledger)
    ensure_views(ledger, d)
    targets = make_views(d, views)
    with d.write() as c:
        d.lock_schema(c)
        for view in targets:
            _reset(d, c, view, indexes=False)
    follower = Follower(ledger, [v.name for v in targets], page_size=page_size, processes=processes)
    follower.catch_up(progress=progress)
    with d.write() as c:
        # Under the schema's lock, as every creation of the views' tables and indexes:
        # a process making sure of the views meanwhile creates the same indexes, and
        # on PostgreSQL the loser of that race fails (a unique violation in pg_class).
        d.lock_schema(c)
        for view in targets:
            view.create_indexes(c)
    return follower.refresh_positions()


def view_names() -> tuple[str, ...]:
    return VIEW_NAMES


__all__ = [
    "TRACKING_PREFIX",
    "EmbeddedProjections",
    "Follower",
    "PositionConflict",
    "ProjectionStalled",
    "UnknownView",
    "ensure_views",
    "rebuild",
    "view_names",
]
