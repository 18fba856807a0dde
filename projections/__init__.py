"""Read models kept up to date from the ledger's event log.

* :class:`projections.read.ReadModel`: typed lookups for the API and the CLI.
* :class:`projections.follower.EmbeddedProjections`: the views following the log
  inside the API process (embedded mode).
* :class:`projections.follower.Follower` and :func:`projections.follower.rebuild`:
  the worker (``ledger project``) and ``ledger rebuild``.
"""

from projections.follower import EmbeddedProjections, Follower, rebuild
from projections.read import AuditFilter, ReadModel
from projections.views import VIEW_NAMES

__all__ = ["VIEW_NAMES", "AuditFilter", "EmbeddedProjections", "Follower", "ReadModel", "rebuild"]
