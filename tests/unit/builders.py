"""Aggregates in a known state, built through their own commands (no storage)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from ledger.domain import ids
from ledger.domain.learner_record import AwardTerms, LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.domain.values import ProviderKind, StackingRule
from ledger.policy import IRELAND, NationalPolicy
from tests.conftest import AUTHORITY, PROVIDER_ACTOR, assessment, scope, spec

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def registered_provider(code: str = "SETU") -> Provider:
    return Provider.register(
        code=code,
        name="South East Technological University",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        actor=AUTHORITY,
    )


def accredited_provider(valid_until: date = TODAY + timedelta(days=365)) -> Provider:
    provider = registered_provider()
    provider.accredit(
        scope=scope(),
        valid_until=valid_until,
        decision_reference="QQI/ACC/2026/17",
        actor=AUTHORITY,
        today=TODAY,
    )
    return provider


def defined_credential(
    policy: NationalPolicy = IRELAND,
    code: str = "DA-101",
    stacking_rule: StackingRule | None = None,
    **spec_overrides: Any,
) -> MicroCredential:
    return MicroCredential.define(
        provider_id=ids.provider_id("SETU"),
        code=code,
        specification=spec(**spec_overrides),
        stacking_rule=stacking_rule,
        policy=policy,
        actor=PROVIDER_ACTOR,
    )


def accredited_credential(
    policy: NationalPolicy = IRELAND, **spec_overrides: Any
) -> MicroCredential:
    credential = defined_credential(policy, **spec_overrides)
    credential.accredit(decision_reference="QQI/MC/2026/4", actor=AUTHORITY, today=TODAY)
    return credential


def terms(credential_id: UUID | None = None, workload: Decimal = Decimal(10)) -> AwardTerms:
    return AwardTerms(
        micro_credential_id=credential_id or uuid4(),
        provider_id=ids.provider_id("SETU"),
        title="Data Analytics Fundamentals",
        workload_ects=workload,
        nqf_level=6,
        eqf_level=5,
    )


def open_record(learner_id: str = "learner-0001") -> LearnerRecord:
    return LearnerRecord.open(learner_id=learner_id, actor=PROVIDER_ACTOR)


def issue(
    record: LearnerRecord,
    reference: str,
    *,
    award_terms: AwardTerms | None = None,
    expires_on: date | None = None,
    issued_on: date | None = None,
    award_id: UUID | None = None,
) -> UUID:
    award_id = award_id or ids.new_award_id()
    record.issue(
        award_id=award_id,
        terms=award_terms or terms(),
        provider_reference=reference,
        assessment=assessment(),
        issued_on=issued_on or date.today(),
        expires_on=expires_on,
        actor=PROVIDER_ACTOR,
    )
    return award_id
