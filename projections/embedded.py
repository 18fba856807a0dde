"""The embedded mode: the views following the log in a thread of the API process, woken
after each save of the process's ``Ledger``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ledger.application import Ledger
from projections.follower import DEFAULT_PAGE_SIZE, Follower
from projections.store import ViewStore


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
        store: ViewStore | None = None,
    ) -> None:
        """``store``: the views' store this process shares with its read model, whose
        ``wait_for`` then wakes this follower (default: one of its own)."""
        self.ledger = ledger
        self.follower = Follower(
            ledger, page_size=page_size, poll_interval=poll_interval, store=store
        )
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
