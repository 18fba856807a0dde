"""The composition root: the one place where a process is assembled from `Settings`.

The API's lifespan, every CLI command and the serve worker call `open_process`; nothing
else builds a `Ledger`, a `ReadModel` or the side-table stores. A newcomer who wants to
see how a running ledger fits together reads this module first.
"""

from composition.process import Process, open_process

__all__ = ["Process", "open_process"]
