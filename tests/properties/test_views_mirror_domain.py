"""The views say what the aggregates say, whatever the ledger went through.

Random command sequences (providers registered, accredited, suspended, reinstated,
withdrawn; micro-credentials defined, accredited, their method changed, withdrawn; awards
issued and revoked; the clock moved past expiry) run through the `Ledger`, under a policy
whose awards expire and which flags awards of a withdrawn issuer. The views are then
caught up, and every award's status from the views (`ReadModel.credential_status`) must
equal the aggregates' (`Ledger.award_status`), and every provider's and credential's
state and flags the views expose must equal the aggregates'. Refused commands are part
of the sequence. The SQL that mirrors a domain rule cannot drift unnoticed.

Each example runs on a fresh store: a new SQLite file (60 examples), or a new schema in
the run's PostgreSQL database (fewer examples: a schema, a pool and the views per
example cost several times more).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from ledger.application import IssueRequest, Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.values import AccreditationScope, ProviderKind, RevocationReason
from ledger.errors import LedgerError
from ledger.policy import FINLAND, NationalPolicy, WithdrawnIssuerRule
from projections import Follower, ReadModel
from tests.conftest import (
    THE_AUTHORITY,
    Clock,
    assessment,
    new_postgres_schema,
    provider_principal,
    spec,
)

# Flexible revalidation (review flags), awards valid one year, withdrawn issuers flagged.
POLICY: NationalPolicy = replace(
    FINLAND,
    award_validity_years=1,
    withdrawn_issuer=WithdrawnIssuerRule.FLAG_ISSUER_WITHDRAWN,
)
SCOPE = AccreditationScope(levels=(5, 6, 7), fields=("0688 ICT", "0413 Management"))


@dataclass
class Run:
    """The ledger under test and what the commands made (``pick`` chooses among them)."""

    ledger: Ledger
    clock: Clock
    providers: list[UUID] = field(default_factory=list)
    credentials: list[tuple[UUID, UUID]] = field(default_factory=list)
    awards: list[UUID] = field(default_factory=list)

    def provider(self, pick: int) -> UUID:
        if not self.providers:
            raise LedgerError("no provider yet")
        return self.providers[pick % len(self.providers)]

    def credential(self, pick: int) -> tuple[UUID, UUID]:
        if not self.credentials:
            raise LedgerError("no credential yet")
        return self.credentials[pick % len(self.credentials)]

    def award(self, pick: int) -> UUID:
        if not self.awards:
            raise LedgerError("no award yet")
        return self.awards[pick % len(self.awards)]


def register(run: Run, pick: int) -> None:
    code = f"P{len(run.providers)}"
    receipt = run.ledger.register_provider(
        code=code,
        name=f"Provider {code}",
        country="FI",
        kind=ProviderKind.UNIVERSITY,
        by=THE_AUTHORITY,
    )
    run.providers.append(receipt.aggregate_id)


def accredit_provider(run: Run, pick: int) -> None:
    run.ledger.accredit_provider(
        run.provider(pick),
        scope=SCOPE,
        valid_until=run.clock().date() + timedelta(days=3650),
        decision_reference="ACC-1",
        by=THE_AUTHORITY,
    )


def suspend(run: Run, pick: int) -> None:
    run.ledger.suspend_provider(
        run.provider(pick), reason="audit", decision_reference="S-1", by=THE_AUTHORITY
    )


def reinstate(run: Run, pick: int) -> None:
    run.ledger.reinstate_provider(
        run.provider(pick), reason="fixed", decision_reference="R-1", by=THE_AUTHORITY
    )


def withdraw_provider(run: Run, pick: int) -> None:
    run.ledger.withdraw_provider(
        run.provider(pick), reason="closed", decision_reference="W-1", by=THE_AUTHORITY
    )


def define(run: Run, pick: int) -> None:
    provider = run.provider(pick)
    credential = run.ledger.define_micro_credential(
        provider_id=provider,
        code=f"MC-{len(run.credentials)}",
        specification=spec(),
        by=provider_principal(provider, f"provider:{provider}"),
    ).aggregate_id
    run.credentials.append((provider, credential))


def accredit_credential(run: Run, pick: int) -> None:
    _, credential = run.credential(pick)
    run.ledger.accredit_micro_credential(credential, decision_reference="MC-1", by=THE_AUTHORITY)


def change_method(run: Run, pick: int) -> None:
    provider, credential = run.credential(pick)
    run.ledger.change_assessment_method(
        credential,
        assessment_type=f"method {pick % 3}",
        reason="new exam board",
        by=provider_principal(provider, "provider:x"),
    )


def withdraw_credential(run: Run, pick: int) -> None:
    _, credential = run.credential(pick)
    run.ledger.withdraw_micro_credential(
        credential, reason="obsolete", decision_reference="WD-1", by=THE_AUTHORITY
    )


def issue(run: Run, pick: int) -> None:
    provider, credential = run.credential(pick)
    method = run.ledger.get_micro_credential(credential).specification.assessment_type
    receipt = run.ledger.issue_award(
        provider_id=provider,
        request=IssueRequest(
            learner_id=f"learner-{pick % 4}",
            micro_credential_id=credential,
            provider_reference=f"R-{len(run.awards)}-{pick}",
            assessment=assessment(method, assessed_on=run.clock().date() - timedelta(days=1)),
        ),
        by=provider_principal(provider, f"provider:{provider}"),
    )
    run.awards.extend(a.award_id for a in receipt.awards if a.created)


def revoke(run: Run, pick: int) -> None:
    run.ledger.revoke_award(
        run.award(pick),
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="copied",
        by=THE_AUTHORITY,
    )


def advance_clock(run: Run, pick: int) -> None:
    # Past an award's one-year validity now and then, a month otherwise.
    run.clock.advance(timedelta(days=400 if pick % 2 else 30))


COMMANDS: tuple[Callable[[Run, int], None], ...] = (
    register,
    accredit_provider,
    suspend,
    reinstate,
    withdraw_provider,
    define,
    accredit_credential,
    change_method,
    withdraw_credential,
    issue,
    issue,
    issue,
    issue,
    issue,
    revoke,
    revoke,
    advance_clock,
)

# Two accredited providers with an accredited credential each, so that most examples
# issue awards; the random steps may then undo any of it.
OPENING: list[tuple[Callable[[Run, int], None], int]] = [
    (register, 0),
    (accredit_provider, 0),
    (register, 1),
    (accredit_provider, 1),
    (define, 0),
    (accredit_credential, 0),
    (define, 1),
    (accredit_credential, 1),
]

steps = st.lists(
    st.tuples(st.sampled_from(COMMANDS), st.integers(min_value=0, max_value=1000)),
    min_size=8,
    max_size=40,
)


def assert_views_mirror_aggregates(run: Run) -> None:
    Follower(run.ledger).catch_up()
    read = ReadModel(run.ledger)
    today: date = run.clock().date()
    for award_id in run.awards:
        viewed = read.credential_status(award_id)
        assert viewed is not None, f"award {award_id} missing from the status view"
        assert viewed.status == run.ledger.award_status(award_id).status.value, award_id
        event(f"status seen: {viewed.status}")
    for provider_id in run.providers:
        provider = run.ledger.get_provider(provider_id)
        entry = read.provider(provider_id)
        assert entry is not None
        assert entry.state == provider.state.value
        assert entry.accredited_now == provider.is_accredited_on(today)
        assert entry.valid_until == provider.valid_until
    for _, credential_id in run.credentials:
        credential = run.ledger.get_micro_credential(credential_id)
        listed = read.micro_credential(credential_id)
        assert listed is not None
        assert listed.state == credential.state.value
        assert listed.review_flagged == credential.review_flagged
        assert listed.assessment_type == credential.specification.assessment_type


def run_and_compare(
    steps: list[tuple[Callable[[Run, int], None], int]], database: DatabaseSettings
) -> None:
    clock = Clock()
    ledger = Ledger(Settings(database=database, policy=POLICY), clock=clock)
    try:
        run = Run(ledger, clock)
        for command, pick in OPENING + steps:
            # A refused command writes nothing, and the views must agree.
            with contextlib.suppress(LedgerError):
                command(run, pick)
        assert_views_mirror_aggregates(run)
    finally:
        ledger.close()


SETTINGS = settings(
    deadline=None,
    # No explain phase: on a failure it ran minutes for a line report the shrunk
    # example already makes plain.
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow],
)


@settings(SETTINGS, max_examples=60)
@given(steps=steps)
def test_views_mirror_the_aggregates_on_sqlite(
    steps: list[tuple[Callable[[Run, int], None], int]],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'ledger.sqlite3'}"
        run_and_compare(steps, DatabaseSettings(url=url))


@pytest.mark.postgres
@settings(SETTINGS, max_examples=10)
@given(steps=steps)
def test_views_mirror_the_aggregates_on_postgres(
    postgres_database: str, steps: list[tuple[Callable[[Run, int], None], int]]
) -> None:
    database = new_postgres_schema(postgres_database)
    try:
        run_and_compare(steps, database)
    finally:
        with psycopg.connect(postgres_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{database.schema}" CASCADE')
