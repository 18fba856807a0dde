"""The awarding body and its accreditation by the national authority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain import codes, ids, limits, text
from ledger.domain.audit import AuditedAggregate, require_actor
from ledger.domain.values import AccreditationScope, ProviderKind
from ledger.errors import (
    AccreditationExpired,
    InvalidAccreditation,
    InvalidTransition,
    MissingStandardElement,
    OutsideAccreditedScope,
    ProviderNotAccredited,
    ReasonRequired,
)


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
    """Registered with the national authority, never accredited."""
    NOT_ACCREDITED = "not_accredited"
    """Suspended or withdrawn (the state says which, the reason why)."""


@dataclass(frozen=True)
class ProviderStanding:
    """A provider's standing on a day: the rule's answer, with what explains it."""

    standing: Standing
    state: ProviderState
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


def _require(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        msg = f"{what} is required"
        raise ReasonRequired(msg)
    return value.strip()


def _check_decision_text(
    decision_reference: str | None,
    *,
    reason: str | None = None,
    scope: AccreditationScope | None = None,
) -> None:
    text.check_free_text(reason, "reason")
    text.check_line(decision_reference, "decision_reference")
    if scope is not None:
        text.check_lines(scope.fields, "scope", "fields")


class Provider(AuditedAggregate):
    """A provider is registered, then accredited within a scope until a date; the
    authority may suspend, reinstate, renew or withdraw that accreditation."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return ids.provider_id(code)

    @classmethod
    def register(
        cls,
        *,
        code: str,
        name: str,
        country: str,
        kind: ProviderKind,
        actor: str,
        website: str | None = None,
    ) -> Provider:
        require_actor(actor)
        for value, field in ((code, "code"), (name, "name"), (country, "country")):
            text.check_line(value, field)
        text.check_line(website, "website")
        if not code.strip():
            msg = "provider code must not be empty"
            raise MissingStandardElement(msg)
        codes.check_code(code, "provider code")
        if not name.strip():
            msg = "provider name must not be empty"
            raise MissingStandardElement(msg)
        if website is not None and not website.strip().startswith(("https://", "http://")):
            msg = f"a provider's website is an http(s) address, got {website!r}"
            raise MissingStandardElement(msg)
        return cls(
            code=limits.provider_code(code),
            name=name.strip(),
            country=codes.check_country(country),
            kind=kind,
            actor=actor,
            website=website.strip() if website else None,
        )

    class Registered(AuditedAggregate.Created):
        """Version 2 added the provider's website. Events stored as version 1 (before
        it existed) are upcast on reading: they had no website."""

        class_version = 2

        code: str
        name: str
        country: str
        kind: ProviderKind
        actor: str
        website: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["website"] = None

    @event(Registered)
    def __init__(
        self,
        *,
        code: str,
        name: str,
        country: str,
        kind: ProviderKind,
        actor: str,
        website: str | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.country = country
        self.kind = kind
        self.website = website
        self.state = ProviderState.REGISTERED
        self.scope: AccreditationScope | None = None
        self.valid_until: date | None = None
        self.decision_reference: str | None = None
        self.status_reason: str | None = None

    # --- commands -------------------------------------------------------------------
    def accredit(
        self,
        *,
        scope: AccreditationScope,
        valid_until: date,
        decision_reference: str,
        actor: str,
        today: date,
    ) -> None:
        if self.state is not ProviderState.REGISTERED:
            msg = (
                f"provider {self.code} is {self.state.value}; only a registered provider is "
                "accredited (use renew or reinstate)"
            )
            raise InvalidTransition(msg)
        _check_decision_text(decision_reference, scope=scope)
        self._check_terms(scope, valid_until, today)
        self._accredited(
            scope=scope,
            valid_until=valid_until,
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
        )

    def suspend(self, *, reason: str, decision_reference: str, actor: str) -> None:
        if self.state is not ProviderState.ACCREDITED:
            msg = (
                f"provider {self.code} is {self.state.value}; only an accredited provider can be "
                "suspended"
            )
            raise InvalidTransition(msg)
        _check_decision_text(decision_reference, reason=reason)
        self._suspended(
            reason=_require(reason, "a reason"),
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
        )

    def reinstate(self, *, reason: str, decision_reference: str, actor: str) -> None:
        if self.state is not ProviderState.SUSPENDED:
            msg = (
                f"provider {self.code} is {self.state.value}; only a suspended provider can be "
                "reinstated"
            )
            raise InvalidTransition(msg)
        _check_decision_text(decision_reference, reason=reason)
        self._reinstated(
            reason=_require(reason, "a reason"),
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
        )

    def renew(
        self,
        *,
        valid_until: date,
        decision_reference: str,
        actor: str,
        today: date,
        scope: AccreditationScope | None = None,
    ) -> None:
        if self.state not in (ProviderState.ACCREDITED, ProviderState.SUSPENDED):
            msg = (
                f"provider {self.code} is {self.state.value}; only an accreditation that exists "
                "can be renewed"
            )
            raise InvalidTransition(msg)
        assert self.scope is not None
        new_scope = scope or self.scope
        _check_decision_text(decision_reference, scope=scope)
        self._check_terms(new_scope, valid_until, today)
        self._renewed(
            scope=new_scope,
            valid_until=valid_until,
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
        )

    def withdraw(self, *, reason: str, decision_reference: str, actor: str) -> None:
        if self.state is ProviderState.WITHDRAWN:
            msg = f"provider {self.code} is already withdrawn"
            raise InvalidTransition(msg)
        _check_decision_text(decision_reference, reason=reason)
        self._withdrawn(
            reason=_require(reason, "a reason"),
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
        )

    # --- queries --------------------------------------------------------------------
    def check_may_issue(self, *, level: int | None, field_of_study: str, on: date) -> None:
        """Rule 3: accredited, within scope, within validity."""
        if self.state is not ProviderState.ACCREDITED:
            msg = f"provider {self.code} is {self.state.value}, not accredited: it may not issue"
            raise ProviderNotAccredited(msg)
        assert self.scope is not None and self.valid_until is not None
        if on > self.valid_until:
            msg = f"provider {self.code}'s accreditation expired on {self.valid_until.isoformat()}"
            raise AccreditationExpired(msg)
        if not self.scope.covers(level, field_of_study):
            msg = (
                f"provider {self.code} is accredited for levels {list(self.scope.levels)} "
                f"in fields {list(self.scope.fields)}; level {level} in {field_of_study!r} "
                "is outside that scope"
            )
            raise OutsideAccreditedScope(msg)

    def check_may_define(self) -> None:
        """A withdrawn provider defines no new micro-credentials."""
        if self.state is ProviderState.WITHDRAWN:
            msg = f"provider {self.code} is withdrawn and defines no new micro-credentials"
            raise ProviderNotAccredited(msg)

    def is_accredited_on(self, on: date) -> bool:
        return accredited_on(self.state, self.valid_until, on)

    def standing_on(self, on: date) -> ProviderStanding:
        """May the provider be relied on as an awarding body on ``on``, and if not why."""
        return standing_on(self.state, self.valid_until, self.status_reason, on)

    # --- events ---------------------------------------------------------------------
    @staticmethod
    def _check_terms(scope: AccreditationScope, valid_until: date, today: date) -> None:
        if not scope.levels or not scope.fields:
            msg = "an accreditation scope needs at least one level and one field"
            raise InvalidAccreditation(msg)
        if valid_until <= today:
            msg = f"accreditation must be valid beyond today; {valid_until.isoformat()} is not"
            raise InvalidAccreditation(msg)

    @event("Accredited")
    def _accredited(
        self, *, scope: AccreditationScope, valid_until: date, decision_reference: str, actor: str
    ) -> None:
        self.state = ProviderState.ACCREDITED
        self.scope = scope
        self.valid_until = valid_until
        self.decision_reference = decision_reference
        self.status_reason = None

    @event("Suspended")
    def _suspended(self, *, reason: str, decision_reference: str, actor: str) -> None:
        self.state = ProviderState.SUSPENDED
        self.decision_reference = decision_reference
        self.status_reason = reason

    @event("Reinstated")
    def _reinstated(self, *, reason: str, decision_reference: str, actor: str) -> None:
        self.state = ProviderState.ACCREDITED
        self.decision_reference = decision_reference
        self.status_reason = None

    @event("Renewed")
    def _renewed(
        self, *, scope: AccreditationScope, valid_until: date, decision_reference: str, actor: str
    ) -> None:
        self.scope = scope
        self.valid_until = valid_until
        self.decision_reference = decision_reference

    @event("Withdrawn")
    def _withdrawn(self, *, reason: str, decision_reference: str, actor: str) -> None:
        self.state = ProviderState.WITHDRAWN
        self.decision_reference = decision_reference
        self.status_reason = reason
