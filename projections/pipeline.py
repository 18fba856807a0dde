"""The page pipeline of a catch-up with a backlog: a thread reads the pages of the log
ahead (:class:`ReadAhead`), the follower's thread prepares them, and a thread commits
them strictly in order (:class:`PageWriter`); :func:`feed` hands the pages over, with
the interpreter set for it (:data:`short_gil_turns`, the cyclic collector paused)."""

from __future__ import annotations

import contextlib
import gc
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

from projections.pages import PreparedPage
from projections.views import LogRecord

ProgressCallback = Callable[[int, int], None]
"""Called after each page with (position reached, last position of the log)."""


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


class ReadAhead:
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


class PageWriter:
    """Commits prepared pages on a thread of its own while the next ones are read; the
    first failure stops the commits (later pages are drained, not applied)."""

    def __init__(
        self,
        commit: Callable[[PreparedPage], None],
        log_position: Callable[[], int],
        progress: ProgressCallback | None,
    ) -> None:
        self._commit = commit
        self._log_position = log_position
        self._progress = progress
        self._pages: queue.Queue[PreparedPage | None] = queue.Queue(maxsize=2)
        self._failure: list[BaseException] = []
        self.applied = 0
        self._thread = threading.Thread(target=self._run, name="projections-writer", daemon=True)
        self._thread.start()

    @property
    def failed(self) -> bool:
        return bool(self._failure)

    def put(self, page: PreparedPage) -> None:
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
                self._commit(page)
                self.applied += page.size
                if self._progress is not None:
                    self._progress(page.last, self._log_position())
            except BaseException as error:
                self._failure.append(error)


def feed(
    writer: PageWriter,
    first: PreparedPage,
    later: Iterator[PreparedPage],
    max_pages: int | None,
    stop: threading.Event,
) -> PreparedPage | None:
    """Hand ``first`` and the pages after it to ``writer`` until the log, the page
    budget or the writer gives out; the page not handed over, if any."""
    page: PreparedPage | None = first
    count = 0
    # A backlog makes millions of short-lived objects (decoded events, rows) that
    # hold no reference cycles: the cyclic collector would only spend a third of
    # the time walking them. It is paused while a backlog is applied.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with short_gil_turns():
            while page is not None and not writer.failed and not stop.is_set():
                writer.put(page)
                count += 1
                if max_pages is not None and count >= max_pages:
                    break
                page = next(later, None)
    finally:
        if collecting:
            gc.enable()
    return page
