"""Preparing a page of the log: decoded once for all views, each view's events turned
into its SQL (:class:`projections.views.Ops`), ready to commit. The follower does it
for its own pages, worker processes for the ranges of a large backlog
(``projections.parallel``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.application import Ledger
from projections.views import AuditTrailView, LogRecord, Ops, PageContext, View

EventDecoder = Callable[[Any], Any]
"""A record of the log to the domain event the views see (``projections.decoding``)."""


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


@dataclass
class PreparedPage:
    notifications: Sequence[LogRecord]
    work: list[tuple[View, Ops]]
    expected: dict[str, int]
    """Each view's position the page starts from (checked when it is committed)."""
    last: int
    size: int
    """Events in the page (``notifications`` is empty for a page prepared in another
    process: only its SQL comes back)."""


def _as_uuid(value: Any) -> UUID:
    """An id as the ledger's own look-ups take it (the views' decoder gives hex text)."""
    return value if isinstance(value, UUID) else UUID(value)


class PagePreparer:
    """Turns pages of the log into the SQL of ``views``: ``decode_event`` decodes each
    record once for all of them; the providers handlers need beyond the events are
    looked up on ``ledger`` (and those of micro-credentials remembered)."""

    def __init__(self, ledger: Ledger, views: Sequence[View], decode_event: EventDecoder) -> None:
        self.ledger = ledger
        self.views = list(views)
        self.decode_event = decode_event
        self.credential_providers: dict[Any, Any] = {}

    def prepare(
        self, positions: dict[str, int], notifications: Sequence[LogRecord]
    ) -> PreparedPage | None:
        """Decode ``notifications`` (a page of the log after the lowest of the views'
        ``positions``); turn the events each view has not seen into its SQL. ``None``
        when no view has anything to apply."""
        if not notifications:
            return None
        to_domain_event = self.decode_event
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
        return PreparedPage(notifications, work, expected, last, len(notifications))

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
