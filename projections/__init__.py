"""Read models kept up to date from the ledger's event log.

* :class:`projections.read.ReadModel`: typed lookups for the API and the CLI.
* :class:`projections.embedded.EmbeddedProjections`: the views following the log
  inside the API process (embedded mode).
* :class:`projections.follower.Follower` and :func:`projections.rebuild.rebuild`:
  the worker (``ledger project``) and ``ledger rebuild``.
"""

from projections.embedded import EmbeddedProjections
from projections.follower import Follower
from projections.read import AuditFilter, ReadModel
from projections.rebuild import rebuild
from projections.views import VIEW_NAMES

__all__ = ["VIEW_NAMES", "AuditFilter", "EmbeddedProjections", "Follower", "ReadModel", "rebuild"]
