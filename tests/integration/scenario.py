"""A ledger brought to a known state through its own commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from ledger.application import IssueRequest, Ledger
from ledger.domain.values import Assessment, ProviderKind, StackingRule
from tests.conftest import (
    THE_AUTHORITY,
    assessment,
    provider_principal,
    scope,
    spec,
)


@dataclass(frozen=True)
class Setup:
    provider: UUID
    credential: UUID


def accredited_provider(ledger: Ledger, code: str = "SETU") -> UUID:
    provider = ledger.register_provider(
        code=code,
        name=f"{code} Institute",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        by=THE_AUTHORITY,
    ).aggregate_id
    ledger.accredit_provider(
        provider,
        scope=scope(),
        valid_until=date.today() + timedelta(days=3 * 365),
        decision_reference=f"QQI/ACC/{code}",
        by=THE_AUTHORITY,
    )
    return provider


def accredited_credential(
    ledger: Ledger,
    provider: UUID,
    code: str = "DA-101",
    stacking_rule: StackingRule | None = None,
    **spec_overrides: object,
) -> UUID:
    credential = ledger.define_micro_credential(
        provider_id=provider,
        code=code,
        specification=spec(**spec_overrides),
        stacking_rule=stacking_rule,
        by=provider_principal(provider),
    ).aggregate_id
    ledger.accredit_micro_credential(
        credential, decision_reference=f"QQI/MC/{code}", by=THE_AUTHORITY
    )
    return credential


def ready_to_issue(ledger: Ledger, code: str = "SETU") -> Setup:
    provider = accredited_provider(ledger, code)
    return Setup(provider, accredited_credential(ledger, provider))


def request(
    setup: Setup,
    reference: str,
    learner: str = "learner-0001",
    credential: UUID | None = None,
    taken: Assessment | None = None,
) -> IssueRequest:
    return IssueRequest(
        learner_id=learner,
        micro_credential_id=credential or setup.credential,
        provider_reference=reference,
        assessment=taken or assessment(),
    )


def issue_one(ledger: Ledger, setup: Setup, reference: str, learner: str = "learner-0001") -> UUID:
    receipt = ledger.issue_award(
        provider_id=setup.provider,
        request=request(setup, reference, learner),
        by=provider_principal(setup.provider),
    )
    return receipt.awards[0].award_id
