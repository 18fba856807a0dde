"""Rule 7: every state change records who did it, when (timezone-aware), and under
which decision or for which reason where the action needs one. Checked over one run of
every kind of event the three aggregates emit, so a new event type cannot slip by."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import cast
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.domain.values import RevocationReason, StackingRule
from ledger.policy import FINLAND
from tests.conftest import AUTHORITY, assessment
from tests.unit.builders import (
    TODAY,
    accredited_credential,
    accredited_provider,
    issue,
    open_record,
    terms,
)

# What each event must carry besides its actor and timestamp.
JUSTIFICATION: dict[str, tuple[str, ...]] = {
    "Provider.Registered": (),
    "Provider.Accredited": ("decision_reference",),
    "Provider.Suspended": ("reason", "decision_reference"),
    "Provider.Reinstated": ("reason", "decision_reference"),
    "Provider.Renewed": ("decision_reference",),
    "Provider.Withdrawn": ("reason", "decision_reference"),
    "MicroCredential.Defined": (),
    "MicroCredential.Accredited": ("decision_reference",),
    "MicroCredential.Amended": ("reason",),
    "MicroCredential.AssessmentMethodChanged": ("reason",),
    "MicroCredential.Revalidated": ("decision_reference",),
    "MicroCredential.Withdrawn": ("reason", "decision_reference"),
    "LearnerRecord.Opened": (),
    "LearnerRecord.AwardIssued": (),
    "LearnerRecord.PriorLearningRecognised": ("evidence",),
    "LearnerRecord.AwardsStacked": (),
    "LearnerRecord.AwardRevoked": ("reason",),
    "LearnerRecord.PersonalDataRecorded": (),
    "LearnerRecord.PersonalDataErased": ("reason",),
}


def every_kind_of_event() -> list[Aggregate.Event]:
    provider = accredited_provider()
    provider.suspend(reason="audit", decision_reference="S/1", actor=AUTHORITY, today=TODAY)
    provider.renew(
        valid_until=TODAY + timedelta(days=800),
        decision_reference="R/1",
        actor=AUTHORITY,
        today=TODAY,
    )
    provider.reinstate(reason="remedied", decision_reference="RE/1", actor=AUTHORITY, today=TODAY)
    provider.withdraw(reason="closed", decision_reference="W/1", actor=AUTHORITY, today=TODAY)

    credential = accredited_credential(FINLAND)
    credential.amend(changes={"title": "New title"}, reason="clarity", policy=FINLAND, actor="p")
    credential.change_assessment_method(
        assessment_type="exam", reason="online", policy=FINLAND, actor="p"
    )
    credential.revalidate(decision_reference="RV/1", actor=AUTHORITY)
    credential.withdraw(reason="superseded", decision_reference="W/2", actor=AUTHORITY)

    record = open_record()
    first = issue(record, "R1")
    record.recognise_prior_learning(
        award_id=uuid4(),
        terms=terms(),
        provider_reference="RPL",
        assessment=assessment(),
        evidence="portfolio",
        issued_on=date.today(),
        expires_on=None,
        actor="p",
    )
    second = issue(record, "R2")
    record.stack(
        award_id=uuid4(),
        terms=terms(workload=Decimal(20)),
        rule=StackingRule(),
        provider_reference="S1",
        component_award_ids=(first, second),
        issued_on=date.today(),
        at=record.award(second).issued_at + timedelta(seconds=1),
        expires_on=None,
        actor="p",
    )
    record.revoke(
        award_id=first,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="misconduct",
        actor=AUTHORITY,
    )
    record.record_personal_data(ciphertext=b"c", actor="p")
    record.erase_personal_data(reason="request", actor=AUTHORITY)

    aggregates: list[Aggregate] = [provider, credential, record]
    return [cast(Aggregate.Event, e) for a in aggregates for e in a.collect_events()]


def event_name(event: Aggregate.Event) -> str:
    return type(event).__qualname__


def test_the_scenario_covers_every_event_type_the_aggregates_declare() -> None:
    declared = {
        f"{aggregate.__name__}.{name}"
        for aggregate in (Provider, MicroCredential, LearnerRecord)
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, Aggregate.Event)
        and name not in ("Event", "Created")
    }
    assert declared == set(JUSTIFICATION)
    assert {event_name(e) for e in every_kind_of_event()} == declared


def test_every_event_records_a_non_empty_actor() -> None:
    for event in every_kind_of_event():
        actor = getattr(event, "actor", None)
        assert isinstance(actor, str) and actor.strip(), event_name(event)


def test_every_event_records_a_timezone_aware_time() -> None:
    for event in every_kind_of_event():
        assert event.timestamp.tzinfo is not None, event_name(event)
        assert event.timestamp.utcoffset() is not None, event_name(event)


def test_every_event_that_needs_a_reason_or_decision_records_it() -> None:
    for event in every_kind_of_event():
        for attribute in JUSTIFICATION[event_name(event)]:
            value = getattr(event, attribute, None)
            assert isinstance(value, str) and value.strip(), (event_name(event), attribute)
