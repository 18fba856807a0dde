"""The views: their tables, and how each event changes them.

A view turns a decoded domain event into SQL operations appended to an ordered
:class:`Ops` list; the follower runs the operations of a whole page in one transaction,
consecutive operations with the same statement as one ``executemany``. No handler
reads the database: every change is a plain INSERT, or an UPDATE whose new values are
computed in SQL from the old ones, so a page costs a few bulk statements per table.

One module per view; :mod:`projections.views.base` holds what they share. The views are
made, and their names listed, in the order of :data:`VIEW_CLASSES`.
"""

from __future__ import annotations

from projections.views.audit_trail import AuditTrailView
from projections.views.base import (
    TRACKING_PREFIX,
    Handler,
    LogRecord,
    Ops,
    PageContext,
    View,
    tracked_positions,
)
from projections.views.catalogue import SPEC_COLUMNS, CatalogueView
from projections.views.credential_status import CredentialStatusView
from projections.views.provider_register import ProviderRegisterView
from projections.views.transcripts import TranscriptView

VIEW_CLASSES: tuple[type[View], ...] = (
    CredentialStatusView,
    ProviderRegisterView,
    CatalogueView,
    TranscriptView,
    AuditTrailView,
)
VIEW_NAMES: tuple[str, ...] = tuple(v.name for v in VIEW_CLASSES)

__all__ = [
    "SPEC_COLUMNS",
    "TRACKING_PREFIX",
    "VIEW_CLASSES",
    "VIEW_NAMES",
    "AuditTrailView",
    "CatalogueView",
    "CredentialStatusView",
    "Handler",
    "LogRecord",
    "Ops",
    "PageContext",
    "ProviderRegisterView",
    "TranscriptView",
    "View",
    "tracked_positions",
]
