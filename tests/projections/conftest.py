"""Helpers for the projection tests: a small world of providers and credentials, a
random command sequence, and snapshots of the view tables."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from ledger.application import IssueRequest, Ledger
from ledger.domain.principal import Principal
from ledger.domain.values import AccreditationScope, ProviderKind, RevocationReason, StackingRule
from ledger.errors import LedgerError
from ledger.policy import FINLAND, NationalPolicy, WithdrawnIssuerRule
from projections.dialect import make_dialect
from projections.schema import make_views
from tests.conftest import (
    AUTHORITY,
    THE_AUTHORITY,
    Clock,
    assessment,
    provider_principal,
    scope,
    spec,
)

# Flexible revalidation (review flags), awards that expire, withdrawn issuers flagged.
RANDOM_POLICY: NationalPolicy = replace(
    FINLAND,
    award_validity_years=1,
    withdrawn_issuer=WithdrawnIssuerRule.FLAG_ISSUER_WITHDRAWN,
)

FIELDS = ("0688 ICT", "0413 Management")
WORDS = ("data", "cloud", "welding", "care", "finance", "safety", "robotics", "design")
SKILLS = tuple(f"http://data.europa.eu/esco/skill/{UUID(int=n)}" for n in range(1, 6))


def skill_tags(n: int) -> tuple[tuple[str, ...], ...]:
    """ESCO tags for the two outcomes of ``spec()``: no list, one or two, of 0-2 skills
    (from ``n``, not from the sequence's random numbers, which it would shift)."""
    return tuple(
        tuple(SKILLS[(n + i + j) % len(SKILLS)] for j in range((n + i) % 3)) for i in range(n % 3)
    )


@dataclass
class World:
    """A ledger with one accredited provider and one accredited credential."""

    ledger: Ledger
    provider_id: UUID
    credential_id: UUID

    def issue(self, learner: str, reference: str) -> UUID:
        receipt = self.ledger.issue_award(
            provider_id=self.provider_id,
            request=IssueRequest(
                learner_id=learner,
                micro_credential_id=self.credential_id,
                provider_reference=reference,
                assessment=assessment(),
            ),
            by=provider_principal(self.provider_id, "provider:P0:key-1"),
        )
        return receipt.awards[0].award_id


def make_world(ledger: Ledger, code: str = "P0") -> World:
    provider = ledger.register_provider(
        code=code,
        name=f"Provider {code}",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        by=THE_AUTHORITY,
    ).aggregate_id
    ledger.accredit_provider(
        provider,
        scope=scope(),
        valid_until=date.today() + timedelta(days=3650),
        decision_reference=f"ACC-{code}",
        by=THE_AUTHORITY,
    )
    credential = ledger.define_micro_credential(
        provider_id=provider,
        code="DA-101",
        specification=spec(),
        by=provider_principal(provider, f"provider:{code}:key-1"),
    ).aggregate_id
    ledger.accredit_micro_credential(credential, decision_reference="MC-1", by=THE_AUTHORITY)
    return World(ledger, provider, credential)


@pytest.fixture
def world(ledger: Ledger) -> World:
    return make_world(ledger)


@dataclass
class RandomCommands:
    """Runs a reproducible random sequence of ledger commands; refusals are part of
    the sequence (they write nothing)."""

    ledger: Ledger
    clock: Clock
    rng: random.Random
    providers: list[UUID] = field(default_factory=list)
    credentials: dict[UUID, list[UUID]] = field(default_factory=dict)
    targets: list[tuple[UUID, UUID]] = field(default_factory=list)
    awards: list[UUID] = field(default_factory=list)
    awards_of: dict[str, list[UUID]] = field(default_factory=dict)
    learners: list[str] = field(default_factory=list)
    refused: int = 0
    done: int = 0

    def step(self) -> None:
        r = self.rng.random()
        actions: list[tuple[float, Callable[[], Any]]] = [
            (0.06, self.register),
            (0.12, self.define),
            (0.50, self.issue),
            (0.56, self.prior_learning),
            (0.64, self.stack),
            (0.74, self.revoke),
            (0.78, self.change_method),
            (0.80, self.revalidate),
            (0.82, self.amend),
            (0.85, self.provider_change),
            (0.87, self.withdraw_credential),
            (0.90, self.personal_data),
            (0.91, self.erase),
            (0.92, self.advance_clock),
            (1.00, self.issue),
        ]
        for threshold, action in actions:
            if r < threshold:
                try:
                    action()
                    self.done += 1
                except LedgerError:
                    self.refused += 1
                return

    # --- commands -----------------------------------------------------------------------
    def _revoker(self, award_id: UUID) -> Principal:
        """One of two officers of the authority, or the award's own provider."""
        actor = self.rng.choice([AUTHORITY, "authority:officer-2", "provider:key-9"])
        if actor.startswith("provider:"):
            return provider_principal(self.ledger.locate_award(award_id).provider_id, actor)
        return Principal.authority(actor)

    def register(self) -> None:
        code = f"P{len(self.providers)}"
        pid = self.ledger.register_provider(
            code=code,
            name=f"Provider {code}",
            country="IE",
            kind=self.rng.choice(list(ProviderKind)),
            by=THE_AUTHORITY,
        ).aggregate_id
        self.providers.append(pid)
        self.credentials[pid] = []
        self.ledger.accredit_provider(
            pid,
            scope=AccreditationScope(levels=(5, 6, 7), fields=FIELDS),
            valid_until=self.clock().date() + timedelta(days=3650),
            decision_reference=f"ACC-{code}",
            by=THE_AUTHORITY,
        )

    def _provider(self) -> UUID:
        if not self.providers:
            self.register()
        return self.rng.choice(self.providers)

    def define(self) -> None:
        pid = self._provider()
        existing = self.credentials[pid]
        code = f"MC-{len(existing)}"
        title = " ".join(self.rng.sample(WORDS, 2)).title()
        rule = None
        ects = Decimal(self.rng.choice([5, 10, 15]))
        if len(existing) >= 2 and self.rng.random() < 0.4:
            rule = StackingRule(
                required_components=tuple(self.rng.sample(existing, 2)),
                min_total_ects=Decimal(10),
            )
            ects = Decimal(30)
        cid = self.ledger.define_micro_credential(
            provider_id=pid,
            code=code,
            specification=spec(
                title=title,
                workload_ects=ects,
                field_of_study=self.rng.choice(FIELDS),
                nqf_level=self.rng.choice([5, 6, 7]),
                esco_skills=skill_tags(len(existing)),
            ),
            stacking_rule=rule,
            by=provider_principal(pid, f"provider:{pid}"),
        ).aggregate_id
        self.ledger.accredit_micro_credential(
            cid, decision_reference=f"D-{cid.hex[:6]}", by=THE_AUTHORITY
        )
        if rule is None:
            existing.append(cid)
        else:
            self.targets.append((pid, cid))

    def _credential(self) -> tuple[UUID, UUID]:
        pid = self._provider()
        if not self.credentials[pid]:
            self.define()
        if not self.credentials[pid]:
            raise LedgerError("no credential")
        return pid, self.rng.choice(self.credentials[pid])

    def _request(self, cid: UUID, learner: str) -> IssueRequest:
        method = self.ledger.get_micro_credential(cid).specification.assessment_type
        return IssueRequest(
            learner_id=learner,
            micro_credential_id=cid,
            provider_reference=f"R-{self.rng.getrandbits(40):x}",
            assessment=assessment(method, assessed_on=self.clock().date() - timedelta(days=1)),
        )

    def _learner(self) -> str:
        if not self.learners or self.rng.random() < 0.3:
            self.learners.append(f"learner-{len(self.learners)}")
        return self.rng.choice(self.learners)

    def _record(self, receipt: Any) -> None:
        for issued in receipt.awards:
            if issued.created:
                self.awards.append(issued.award_id)
                self.awards_of.setdefault(issued.learner_id, []).append(issued.award_id)

    def issue(self) -> None:
        pid, cid = self._credential()
        requests = [self._request(cid, self._learner()) for _ in range(self.rng.randint(1, 6))]
        self._record(
            self.ledger.issue_awards(
                provider_id=pid, requests=requests, by=provider_principal(pid, f"provider:{pid}")
            )
        )

    def prior_learning(self) -> None:
        pid, cid = self._credential()
        self._record(
            self.ledger.recognise_prior_learning(
                provider_id=pid,
                request=self._request(cid, self._learner()),
                evidence="portfolio of workplace projects",
                by=provider_principal(pid, f"provider:{pid}"),
            )
        )

    def stack(self) -> None:
        if not self.targets:
            raise LedgerError("no target")
        pid, target = self.rng.choice(self.targets)
        rule = self.ledger.get_micro_credential(target).stacking_rule
        assert rule is not None
        for learner, awards in self.awards_of.items():
            record = self.ledger.get_learner_record(learner)
            chosen = []
            for component in rule.required_components:
                for award_id in awards:
                    award = record.awards[award_id]
                    if award.terms.micro_credential_id == component and award.revoked_at is None:
                        chosen.append(award_id)
                        break
            if len(chosen) == len(rule.required_components):
                self._record(
                    self.ledger.stack_awards(
                        provider_id=pid,
                        learner_id=learner,
                        target_credential_id=target,
                        component_award_ids=chosen,
                        provider_reference=f"S-{self.rng.getrandbits(40):x}",
                        by=provider_principal(pid, f"provider:{pid}"),
                    )
                )
                return
        # no learner qualifies yet: give one the components
        learner = self._learner()
        for component in rule.required_components:
            self._record(
                self.ledger.issue_awards(
                    provider_id=pid,
                    requests=[self._request(component, learner)],
                    by=provider_principal(pid, f"provider:{pid}"),
                )
            )

    def revoke(self) -> None:
        if not self.awards:
            raise LedgerError("nothing to revoke")
        award_id = self.rng.choice(self.awards)
        category = self.rng.choice(list(RevocationReason))
        note = self.rng.choice(["fraud", "clerical error"])
        self.ledger.revoke_award(award_id, category=category, note=note, by=self._revoker(award_id))

    def change_method(self) -> None:
        pid, cid = self._credential()
        self.ledger.change_assessment_method(
            cid,
            assessment_type=f"method {self.rng.randint(1, 9)}",
            reason="new exam board",
            by=provider_principal(pid, "provider:x"),
        )

    def revalidate(self) -> None:
        _, cid = self._credential()
        self.ledger.revalidate_micro_credential(cid, decision_reference="REV-1", by=THE_AUTHORITY)

    def amend(self) -> None:
        pid, cid = self._credential()
        changes: dict[str, Any] = {"further_information": f"see {self.rng.choice(WORDS)} handbook"}
        if self.done % 2:
            changes["esco_skills"] = skill_tags(self.done)
        self.ledger.amend_micro_credential(
            cid, changes=changes, reason="clarified", by=provider_principal(pid, "provider:x")
        )

    def provider_change(self) -> None:
        pid = self._provider()
        choice = self.rng.choice(["suspend", "reinstate", "renew", "withdraw"])
        if choice == "suspend":
            self.ledger.suspend_provider(
                pid, reason="audit", decision_reference="S-1", by=THE_AUTHORITY
            )
        elif choice == "reinstate":
            self.ledger.reinstate_provider(
                pid, reason="fixed", decision_reference="R-1", by=THE_AUTHORITY
            )
        elif choice == "renew":
            self.ledger.renew_provider(
                pid,
                valid_until=self.clock().date() + timedelta(days=4000),
                decision_reference="RN-1",
                by=THE_AUTHORITY,
            )
        elif self.rng.random() < 0.3:
            self.ledger.withdraw_provider(
                pid, reason="closed", decision_reference="W-1", by=THE_AUTHORITY
            )

    def withdraw_credential(self) -> None:
        if self.rng.random() < 0.5:
            return
        _, cid = self._credential()
        self.ledger.withdraw_micro_credential(
            cid, reason="obsolete", decision_reference="WD-1", by=THE_AUTHORITY
        )

    def personal_data(self) -> None:
        if not self.awards_of:
            raise LedgerError("no learner")
        learner = self.rng.choice(sorted(self.awards_of))
        # By the provider of one of the learner's awards: it is the learner's custodian.
        custodian = self.ledger.locate_award(self.awards_of[learner][0]).provider_id
        self.ledger.record_personal_data(
            learner, {"name": f"Person {learner}"}, by=provider_principal(custodian, "provider:x")
        )

    def erase(self) -> None:
        if not self.awards_of:
            raise LedgerError("no learner")
        learner = self.rng.choice(sorted(self.awards_of))
        self.ledger.erase_learner(learner, reason="GDPR-17", by=THE_AUTHORITY)

    def advance_clock(self) -> None:
        self.clock.advance(timedelta(days=self.rng.choice([30, 120, 200])))


def snapshot(ledger: Ledger) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every view table, as sorted tuples of text."""
    d = make_dialect(ledger)
    out: dict[str, list[tuple[str, ...]]] = {}
    with d.read() as c:
        for view in make_views(d):
            for table in view.tables:
                c.execute(d.q("SELECT * FROM {s}" + table))
                rows = c.fetchall()
                values = [row.values() if isinstance(row, dict) else tuple(row) for row in rows]
                out[table] = sorted(tuple(str(v) for v in row) for row in values)
    return out
