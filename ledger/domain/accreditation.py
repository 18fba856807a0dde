"""A provider's accreditation over time: the decisions, each from the day it takes effect.

The national authority's decisions (accredit, suspend, reinstate, renew, withdraw) take
effect on a day, which may precede the day they are entered in the register: a register
that starts today records providers that were accredited years ago. So a provider's
standing *on a day* is read from the decision in force on that day, not from its latest
state; an award is checked against the standing on the day it was issued.

Decisions are entered in the order they take effect (a decision may not take effect
before one already recorded), so the timeline is the log's order and needs no sorting.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from enum import Enum

from ledger.domain.values import AccreditationScope
from ledger.errors import InvalidAccreditation


class ProviderState(str, Enum):
    REGISTERED = "registered"
    ACCREDITED = "accredited"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class Standing(str, Enum):
    """Whether a provider may be relied on as an awarding body on a day, and if not why."""

    ACCREDITED = "accredited"
    """Accredited, and the accreditation runs until at least that day."""
    EXPIRED = "expired"
    """Accredited once, but the validity period ended before that day."""
    REGISTERED_ONLY = "registered_only"
    """Registered with the national authority, not (yet) accredited on that day."""
    NOT_ACCREDITED = "not_accredited"
    """Suspended or withdrawn (the state says which, the reason why)."""
    NOT_REGISTERED = "not_registered"
    """Not in the register on that day: registered later, and no decision of the
    authority had taken effect by then."""


@dataclass(frozen=True)
class ProviderStanding:
    """A provider's standing on a day: the rule's answer, with what explains it."""

    standing: Standing
    state: ProviderState | None
    """The state the decision in force left it in (``None``: not in the register)."""
    valid_until: date | None
    reason: str | None

    @property
    def accredited(self) -> bool:
        return self.standing is Standing.ACCREDITED


def accredited_on(state: ProviderState, valid_until: date | None, on: date) -> bool:
    """Accredited and within the validity period on ``on`` (the one definition: the
    aggregate and the provider register's reader both use it)."""
    return state is ProviderState.ACCREDITED and valid_until is not None and on <= valid_until


def standing_on(
    state: ProviderState, valid_until: date | None, reason: str | None, on: date
) -> ProviderStanding:
    """The standing on ``on`` of a provider in ``state``, accredited until ``valid_until``."""
    if accredited_on(state, valid_until, on):
        standing = Standing.ACCREDITED
    elif state is ProviderState.ACCREDITED:
        standing = Standing.EXPIRED
    elif state is ProviderState.REGISTERED:
        standing = Standing.REGISTERED_ONLY
    else:
        standing = Standing.NOT_ACCREDITED
    return ProviderStanding(standing, state, valid_until, reason)


@dataclass(frozen=True)
class Decision:
    """What a decision made of the provider, from ``effective_on``."""

    effective_on: date
    state: ProviderState
    scope: AccreditationScope | None
    valid_until: date | None
    reason: str | None
    decision_reference: str


def _effective_on(decision: Decision) -> date:
    return decision.effective_on


class Timeline:
    """The decisions of one provider, in the order they take effect."""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []

    def add(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def in_force_on(self, on: date) -> Decision | None:
        """The last decision that took effect on or before ``on`` (none: not yet decided)."""
        index = bisect.bisect_right(self.decisions, on, key=_effective_on)
        return self.decisions[index - 1] if index else None

    def standing_on(self, on: date, registered_on: date) -> ProviderStanding:
        """The standing from the decision in force on ``on``; before any, registered
        (from ``registered_on``, the day the register recorded it) or not in the register."""
        decision = self.in_force_on(on)
        if decision is None:
            if on < registered_on:
                return ProviderStanding(Standing.NOT_REGISTERED, None, None, None)
            return ProviderStanding(Standing.REGISTERED_ONLY, ProviderState.REGISTERED, None, None)
        return standing_on(decision.state, decision.valid_until, decision.reason, on)

    def check_effective(self, effective_on: date, today: date) -> None:
        """A decision takes effect no later than today, and not before one recorded."""
        if effective_on > today:
            msg = (
                f"a decision takes effect on a day that has come; {effective_on.isoformat()} "
                "is in the future"
            )
            raise InvalidAccreditation(msg)
        last = self.decisions[-1].effective_on if self.decisions else None
        if last is not None and effective_on < last:
            msg = (
                f"this provider's last decision took effect on {last.isoformat()}; a new one "
                f"cannot take effect before it ({effective_on.isoformat()})"
            )
            raise InvalidAccreditation(msg)
