"""What the historical import holds while it judges a file: the aggregates it changes
(in memory until the whole file passes), the awards it will issue, what the register
already holds, and every refusal; and the authority's decisions as the providers' own
commands."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from ledger import errors
from ledger.application.import_entries import (
    AwardEntry,
    DecisionKind,
    ProviderDecisionEntry,
    RefusedEntry,
)
from ledger.application.results import IssueRequest
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.infrastructure.recorder import AwardLocation


@dataclass
class ImportPlan:
    """The import judged: the aggregates it changes, the awards it issues (by provider,
    in file order, with their lines), and what the register already holds."""

    source: str
    actor: str
    today: date
    providers: dict[str, Provider] = field(default_factory=dict)
    credentials: dict[UUID, MicroCredential] = field(default_factory=dict)
    awards: dict[UUID, list[tuple[int, IssueRequest]]] = field(default_factory=dict)
    written: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    refused: list[RefusedEntry] = field(default_factory=list)
    in_register: set[UUID] = field(default_factory=set)
    """Aggregates read from the register (the others are new in this import)."""
    references_here: dict[UUID, set[str]] = field(default_factory=dict)
    """Decision references (by aggregate) and award references (by provider) this
    file has already used: a second use is a mistake in the file, not a resumption."""

    refused_objects: dict[str, int] = field(default_factory=dict)
    """Providers and credentials whose own rows were refused, by code, with the line:
    the rows that need them say so rather than that they do not exist."""

    def refuse(self, line: int, error: errors.LedgerError) -> None:
        self.refused.append(RefusedEntry(line, str(error), error.code()))

    def first_use(self, owner: UUID, reference: str) -> bool:
        used = self.references_here.setdefault(owner, set())
        if reference in used:
            return False
        used.add(reference)
        return True


def decide(provider: Provider, entry: ProviderDecisionEntry, plan: ImportPlan) -> None:
    """The entry's decision, as the provider's own command, from its effective day."""
    reference, on, source = entry.decision_reference, entry.effective_on, plan.source
    actor, today, reason = plan.actor, plan.today, entry.reason or ""
    if entry.decision in (DecisionKind.ACCREDIT, DecisionKind.RENEW) and not entry.valid_until:
        msg = f"a decision to {entry.decision.value} needs valid_until"
        raise errors.InvalidAccreditation(msg)
    match entry.decision:
        case DecisionKind.ACCREDIT:
            if entry.scope is None or entry.valid_until is None:
                msg = "a decision to accredit needs its scope"
                raise errors.InvalidAccreditation(msg)
            provider.accredit(
                scope=entry.scope,
                valid_until=entry.valid_until,
                decision_reference=reference,
                actor=actor,
                today=today,
                effective_on=on,
                imported_from=source,
            )
        case DecisionKind.RENEW:
            assert entry.valid_until is not None
            provider.renew(
                valid_until=entry.valid_until,
                scope=entry.scope,
                decision_reference=reference,
                actor=actor,
                today=today,
                effective_on=on,
                imported_from=source,
            )
        case DecisionKind.SUSPEND | DecisionKind.REINSTATE | DecisionKind.WITHDRAW:
            command = {
                DecisionKind.SUSPEND: provider.suspend,
                DecisionKind.REINSTATE: provider.reinstate,
                DecisionKind.WITHDRAW: provider.withdraw,
            }[entry.decision]
            command(
                reason=reason,
                decision_reference=reference,
                actor=actor,
                today=today,
                effective_on=on,
                imported_from=source,
            )


@dataclass
class AwardToJudge:
    entry: AwardEntry
    provider: Provider
    credential: MicroCredential
    reference: str
    located: AwardLocation | None = None
