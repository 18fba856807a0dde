"""The awarding body and its accreditation by the national authority."""

from __future__ import annotations

from dataclasses import KW_ONLY
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain import codes, ids, limits, text
from ledger.domain.accreditation import (
    Decision,
    ProviderStanding,
    ProviderState,
    Timeline,
)
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

# ProviderState is the type of ``Provider.state``: importable with the aggregate.
__all__ = ["Provider", "ProviderState"]


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


class DecisionEvent(AuditedAggregate.Event):
    """A decision of the authority about a provider (the base of its five kinds).

    Version 2 added the day it takes effect: a version-1 event took effect on the day
    it was recorded (its UTC timestamp's)."""

    class_version = 2

    decision_reference: str
    actor: str
    effective_on: date
    # The earlier register the decision was imported from (None: made in this one). A
    # field with a default rather than a new class version: events stored before it
    # existed read as None with no upcaster, and the views' fast decoding, which takes
    # only unversioned classes, stays on the hottest events (ledger.domain.learner_record).
    # Keyword-only, so that each kind of decision can still add fields without defaults.
    _: KW_ONLY
    imported_from: str | None = None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["effective_on"] = state["timestamp"].date()


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
        imported_from: str | None = None,
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
            imported_from=imported_from,
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
        imported_from: str | None = None

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
        imported_from: str | None = None,
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
        self.timeline = Timeline()

    # --- commands -------------------------------------------------------------------
    # Each decision takes effect on ``effective_on`` (by default the day it is made,
    # ``today``); see ``ledger.domain.accreditation``. A decision imported from an earlier
    # register (``imported_from``) may already have run out.
    def accredit(
        self,
        *,
        scope: AccreditationScope,
        valid_until: date,
        decision_reference: str,
        actor: str,
        today: date,
        effective_on: date | None = None,
        imported_from: str | None = None,
    ) -> None:
        if self.state is not ProviderState.REGISTERED:
            msg = (
                f"provider {self.code} is {self.state.value}; only a registered provider is "
                "accredited (use renew or reinstate)"
            )
            raise InvalidTransition(msg)
        _check_decision_text(decision_reference, scope=scope)
        effective = self._effective(effective_on, today)
        self._check_terms(scope, valid_until, today if imported_from is None else effective)
        self._accredited(
            scope=scope,
            valid_until=valid_until,
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
            effective_on=effective,
            imported_from=imported_from,
        )

    def suspend(
        self,
        *,
        reason: str,
        decision_reference: str,
        actor: str,
        today: date,
        effective_on: date | None = None,
        imported_from: str | None = None,
    ) -> None:
        self._check_state(ProviderState.ACCREDITED, "only an accredited provider can be suspended")
        _check_decision_text(decision_reference, reason=reason)
        self._suspended(
            reason=_require(reason, "a reason"),
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
            effective_on=self._effective(effective_on, today),
            imported_from=imported_from,
        )

    def reinstate(
        self,
        *,
        reason: str,
        decision_reference: str,
        actor: str,
        today: date,
        effective_on: date | None = None,
        imported_from: str | None = None,
    ) -> None:
        self._check_state(ProviderState.SUSPENDED, "only a suspended provider can be reinstated")
        _check_decision_text(decision_reference, reason=reason)
        self._reinstated(
            reason=_require(reason, "a reason"),
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
            effective_on=self._effective(effective_on, today),
            imported_from=imported_from,
        )

    def renew(
        self,
        *,
        valid_until: date,
        decision_reference: str,
        actor: str,
        today: date,
        scope: AccreditationScope | None = None,
        effective_on: date | None = None,
        imported_from: str | None = None,
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
        effective = self._effective(effective_on, today)
        self._check_terms(new_scope, valid_until, today if imported_from is None else effective)
        self._renewed(
            scope=new_scope,
            valid_until=valid_until,
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
            effective_on=effective,
            imported_from=imported_from,
        )

    def withdraw(
        self,
        *,
        reason: str,
        decision_reference: str,
        actor: str,
        today: date,
        effective_on: date | None = None,
        imported_from: str | None = None,
    ) -> None:
        if self.state is ProviderState.WITHDRAWN:
            msg = f"provider {self.code} is already withdrawn"
            raise InvalidTransition(msg)
        _check_decision_text(decision_reference, reason=reason)
        self._withdrawn(
            reason=_require(reason, "a reason"),
            decision_reference=_require(decision_reference, "a decision reference"),
            actor=actor,
            effective_on=self._effective(effective_on, today),
            imported_from=imported_from,
        )

    # --- queries --------------------------------------------------------------------
    def check_may_issue(
        self, *, level: int | None, field_of_study: str, on: date, historical: bool = False
    ) -> None:
        """Rule 3: accredited now (an import of history aside), and accredited, within
        scope and within validity on ``on``, the day the award is issued."""
        if not historical and self.state is not ProviderState.ACCREDITED:
            msg = f"provider {self.code} is {self.state.value}, not accredited: it may not issue"
            raise ProviderNotAccredited(msg)
        decision = self.timeline.in_force_on(on)
        if decision is None or decision.state is not ProviderState.ACCREDITED:
            was = "not yet accredited" if decision is None else decision.state.value
            msg = (
                f"provider {self.code} was {was} on {on.isoformat()}: it could not issue an "
                "award that day"
            )
            raise ProviderNotAccredited(msg)
        assert decision.scope is not None and decision.valid_until is not None
        if on > decision.valid_until:
            msg = (
                f"provider {self.code}'s accreditation expired on "
                f"{decision.valid_until.isoformat()}"
            )
            raise AccreditationExpired(msg)
        if not decision.scope.covers(level, field_of_study):
            msg = (
                f"provider {self.code} is accredited for levels {list(decision.scope.levels)} "
                f"in fields {list(decision.scope.fields)}; level {level} in {field_of_study!r} "
                "is outside that scope"
            )
            raise OutsideAccreditedScope(msg)

    def check_may_define(self) -> None:
        """A withdrawn provider defines no new micro-credentials."""
        if self.state is ProviderState.WITHDRAWN:
            msg = f"provider {self.code} is withdrawn and defines no new micro-credentials"
            raise ProviderNotAccredited(msg)

    def is_accredited_on(self, on: date) -> bool:
        return self.standing_on(on).accredited

    def standing_on(self, on: date) -> ProviderStanding:
        """May the provider be relied on as an awarding body on ``on``, and if not why:
        from the decision in force that day (before any, registered from the day it was
        recorded, not in the register before)."""
        return self.timeline.standing_on(on, self.created_on.date())

    def check_may_sign(self, on: date) -> None:
        """A provider's key signs nothing new unless the provider is accredited now and
        on ``on``: a suspended, withdrawn or lapsed awarding body vouches for nothing
        (what it signed before stays verifiable with its published keys)."""
        standing = self.standing_on(on)
        if self.state is not ProviderState.ACCREDITED or not standing.accredited:
            lapsed = self.state is ProviderState.ACCREDITED
            was = standing.standing.value if lapsed else self.state.value
            msg = f"provider {self.code} is {was}, not accredited: its key signs nothing new"
            raise ProviderNotAccredited(msg)

    def _check_state(self, required: ProviderState, rule: str) -> None:
        if self.state is not required:
            msg = f"provider {self.code} is {self.state.value}; {rule}"
            raise InvalidTransition(msg)

    def _effective(self, effective_on: date | None, today: date) -> date:
        effective = today if effective_on is None else effective_on
        self.timeline.check_effective(effective, today)
        return effective

    @staticmethod
    def _check_terms(scope: AccreditationScope, valid_until: date, beyond: date) -> None:
        if not scope.levels or not scope.fields:
            msg = "an accreditation scope needs at least one level and one field"
            raise InvalidAccreditation(msg)
        if valid_until <= beyond:
            msg = (
                f"accreditation must be valid beyond {beyond.isoformat()}; "
                f"{valid_until.isoformat()} is not"
            )
            raise InvalidAccreditation(msg)

    # --- events ---------------------------------------------------------------------
    class Accredited(DecisionEvent):
        scope: AccreditationScope
        valid_until: date

    class Suspended(DecisionEvent):
        reason: str

    class Reinstated(DecisionEvent):
        reason: str

    class Renewed(DecisionEvent):
        scope: AccreditationScope
        valid_until: date

    class Withdrawn(DecisionEvent):
        reason: str

    def _decided(self, effective_on: date, decision_reference: str) -> None:
        self.decision_reference = decision_reference
        self.timeline.add(
            Decision(
                effective_on,
                self.state,
                self.scope,
                self.valid_until,
                self.status_reason,
                decision_reference,
            )
        )

    @event(Accredited)
    def _accredited(
        self,
        *,
        scope: AccreditationScope,
        valid_until: date,
        decision_reference: str,
        actor: str,
        effective_on: date,
        imported_from: str | None = None,
    ) -> None:
        self.state = ProviderState.ACCREDITED
        self.scope = scope
        self.valid_until = valid_until
        self.status_reason = None
        self._decided(effective_on, decision_reference)

    @event(Suspended)
    def _suspended(
        self,
        *,
        reason: str,
        decision_reference: str,
        actor: str,
        effective_on: date,
        imported_from: str | None = None,
    ) -> None:
        self.state = ProviderState.SUSPENDED
        self.status_reason = reason
        self._decided(effective_on, decision_reference)

    @event(Reinstated)
    def _reinstated(
        self,
        *,
        reason: str,
        decision_reference: str,
        actor: str,
        effective_on: date,
        imported_from: str | None = None,
    ) -> None:
        self.state = ProviderState.ACCREDITED
        self.status_reason = None
        self._decided(effective_on, decision_reference)

    @event(Renewed)
    def _renewed(
        self,
        *,
        scope: AccreditationScope,
        valid_until: date,
        decision_reference: str,
        actor: str,
        effective_on: date,
        imported_from: str | None = None,
    ) -> None:
        self.scope = scope
        self.valid_until = valid_until
        self._decided(effective_on, decision_reference)

    @event(Withdrawn)
    def _withdrawn(
        self,
        *,
        reason: str,
        decision_reference: str,
        actor: str,
        effective_on: date,
        imported_from: str | None = None,
    ) -> None:
        self.state = ProviderState.WITHDRAWN
        self.status_reason = reason
        self._decided(effective_on, decision_reference)
