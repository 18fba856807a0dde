"""Waking: the followers in this process and the readers waiting for them.

A reader's ``wait_for`` sleeps until an in-process follower commits a page, and wakes
the followers registered here so that they do not wait for their poll."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Progress:
    """Lets ``wait_for`` sleep until an in-process follower commits a page."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.wakers: list[Callable[[], None]] = []

    def committed(self) -> None:
        with self.condition:
            self.condition.notify_all()

    def wake_followers(self) -> None:
        for wake in list(self.wakers):
            wake()
