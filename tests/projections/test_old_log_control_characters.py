"""A log written before control characters were refused: events holding U+0000 in
their strings. PostgreSQL ``text`` cannot hold U+0000, and such an event stopped every
view for good (the follower, ``ledger project --once`` and ``ledger rebuild`` all
failed on it again and again). The views now show U+FFFD in its place, on both
stores, and go on; the exact value stays in the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from typer.testing import CliRunner

from cli import app
from ledger.application import IssueRequest, Ledger, _Batch
from ledger.config import DatabaseSettings
from ledger.domain import ids
from ledger.domain.learner_record import AwardTerms, LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.domain.values import ProviderKind, RevocationReason
from ledger.infrastructure.recorder import AwardLocation
from projections.follower import Follower
from projections.read import AuditFilter, ReadModel
from projections.rebuild import rebuild
from tests.conftest import AUTHORITY, THE_AUTHORITY, assessment, provider_principal, scope, spec
from tests.projections.test_cli import env_for

NUL = "\x00"
SHOWN = "\ufffd"
ACTOR = "provider:OLD:key-1"


@dataclass(frozen=True)
class OldLog:
    provider_id: UUID
    credential_id: UUID
    learner_id: str
    revoked_award: UUID
    later_award: UUID


def write_old_log(ledger: Ledger) -> OldLog:
    """Events with NUL in a provider's name, a credential's title and outcomes, a
    learner id, a provider reference, an assessment and a revocation reason, written
    the way the ledger wrote them before the boundary refused them (the aggregates'
    own events, without the commands' checks), then an ordinary award after them."""
    provider = Provider(
        code="OLD",
        name=f"Old{NUL}Institute",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        actor=AUTHORITY,
        website=None,
        imported_from=None,
    )
    ledger.save(provider)
    ledger.accredit_provider(
        provider.id,
        scope=scope(),
        valid_until=date.today() + timedelta(days=365),
        decision_reference="QQI/ACC/OLD",
        by=THE_AUTHORITY,
    )
    credential = MicroCredential(
        provider_id=provider.id,
        code="NUL-1",
        specification=spec(
            title=f"Data{NUL}Analytics",
            learning_outcomes=(f"Clean{NUL}data", "Explain a regression"),
            further_information=f"see{NUL}",
        ),
        stacking_rule=None,
        actor=ACTOR,
        imported_from=None,
    )
    ledger.save(credential)
    ledger.accredit_micro_credential(
        credential.id, decision_reference="QQI/VAL/NUL-1", by=THE_AUTHORITY
    )
    learner_id = f"learner{NUL}1"
    record = LearnerRecord(learner_id=learner_id, actor=ACTOR)
    reference = f"REF{NUL}1"
    award_id = ids.new_award_id()
    record.trigger_event(
        LearnerRecord.AwardIssued,
        award_id=award_id,
        terms=AwardTerms(
            micro_credential_id=credential.id,
            provider_id=provider.id,
            title=f"Data{NUL}Analytics",
            workload_ects=credential.specification.workload_ects,
            nqf_level=6,
            eqf_level=5,
        ),
        provider_reference=reference,
        assessment=assessment(result=f"pass{NUL}"),
        issued_on=date.today(),
        expires_on=None,
        actor=ACTOR,
    )
    record.trigger_event(
        LearnerRecord.AwardRevoked,
        award_id=award_id,
        category=RevocationReason.OTHER,
        note=f"fraud{NUL}found",
        actor=ACTOR,
    )
    batch = _Batch(records={record.id: record})
    # As the index row of a version before references were indexed: none (a NUL one
    # could not be stored in PostgreSQL text, and the upgrade leaves it out).
    batch.locations.append(AwardLocation(award_id, record.id, provider.id, ""))
    ledger._save_batch(batch)

    later = ledger.issue_award(
        provider_id=provider.id,
        request=IssueRequest(
            learner_id="learner-2",
            micro_credential_id=credential.id,
            provider_reference="REF-2",
            assessment=assessment(),
        ),
        by=provider_principal(provider.id, ACTOR),
    )
    return OldLog(provider.id, credential.id, learner_id, award_id, later.awards[0].award_id)


def assert_views_show_the_old_log(ledger: Ledger, old: OldLog) -> None:
    read = ReadModel(ledger)
    log = read.log_position()
    assert set(read.positions().values()) == {log}
    assert read.projection_failures() == {}

    revoked = read.credential_status(old.revoked_award)
    assert revoked is not None
    assert revoked.status == "revoked"
    assert revoked.revocation_category == "other"
    assert revoked.title == f"Data{SHOWN}Analytics"
    assert revoked.provider_name == f"Old{SHOWN}Institute"
    assert list(revoked.learning_outcomes) == [f"Clean{SHOWN}data", "Explain a regression"]
    later = read.credential_status(old.later_award)
    assert later is not None and later.status == "valid"

    catalogue = read.catalogue(text="data")
    assert [c.title for c in catalogue.items] == [f"Data{SHOWN}Analytics"]
    transcript = read.transcript("learner-2")
    assert transcript is not None and len(transcript.awards) == 1
    entries = read.audit(AuditFilter(award_id=old.revoked_award)).entries
    assert [e.reason for e in entries] == [None, f"other: fraud{SHOWN}found"]
    # The log itself keeps the exact value.
    assert entries[-1].data["note"] == f"fraud{NUL}found"
    assert ledger.get_learner_record("learner-2").learner_id == "learner-2"


def test_a_follower_goes_past_events_holding_nul(ledger: Ledger) -> None:
    old = write_old_log(ledger)
    Follower(ledger).catch_up()
    assert_views_show_the_old_log(ledger, old)


def test_a_rebuild_goes_past_events_holding_nul(ledger: Ledger) -> None:
    old = write_old_log(ledger)
    rebuild(ledger, page_size=3)
    assert_views_show_the_old_log(ledger, old)


def test_ledger_project_once_and_rebuild_go_past_events_holding_nul(
    ledger: Ledger, database: DatabaseSettings
) -> None:
    old = write_old_log(ledger)
    runner = CliRunner()
    result = runner.invoke(app, ["project", "--once"], env=env_for(database))
    assert result.exit_code == 0, result.output
    assert_views_show_the_old_log(ledger, old)
    rebuilt = runner.invoke(app, ["rebuild", "--processes", "0"], env=env_for(database))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert_views_show_the_old_log(ledger, old)
