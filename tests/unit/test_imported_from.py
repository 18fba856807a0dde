"""Events an import writes name their source in ``imported_from``; events stored
before the field existed read as ``None`` (made in this register), with no upcaster,
so the views still decode the most frequent event, an award issued, the fast way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from uuid import UUID, uuid4

import orjson
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.learner_record import AwardTerms, LearnerRecord
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.provider import Provider
from ledger.policy import IRELAND
from ledger.transcoding import OrjsonTranscoder
from projections.decoding import event_decoder
from tests.conftest import AUTHORITY, assessment, scope, spec

MAPPER: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())


def stored_without_imported_from(event: object) -> StoredEvent:
    """The event as a release before the field stored it."""
    stored = MAPPER.to_stored_event(event)  # type: ignore[arg-type]
    state = orjson.loads(stored.state)
    del state["imported_from"]
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=orjson.dumps(state),
    )


def an_award_issued(imported_from: str | None = None) -> LearnerRecord.AwardIssued:
    record = LearnerRecord.open(learner_id="L-1", actor=AUTHORITY)
    record.issue(
        award_id=uuid4(),
        terms=AwardTerms(uuid4(), uuid4(), "Data Analytics", Decimal(5), 6, 5),
        provider_reference="R-1",
        assessment=assessment(assessed_on=date(2020, 1, 1)),
        issued_on=date(2020, 1, 2),
        expires_on=None,
        actor=AUTHORITY,
        imported_from=imported_from,
    )
    issued = record.collect_events()[-1]
    assert isinstance(issued, LearnerRecord.AwardIssued)
    return issued


def test_an_award_issued_before_the_field_reads_as_made_in_this_register() -> None:
    old = stored_without_imported_from(an_award_issued())
    assert MAPPER.to_domain_event(old).imported_from is None
    wire = SimpleNamespace(
        originator_id=old.originator_id,
        originator_version=old.originator_version,
        topic=old.topic,
        state=old.state,
    )
    assert event_decoder(MAPPER)(wire).imported_from is None


def test_award_issued_stays_unversioned_so_the_views_decode_it_the_fast_way() -> None:
    assert getattr(LearnerRecord.AwardIssued, "class_version", 1) == 1
    assert "class_version" not in orjson.loads(MAPPER.to_stored_event(an_award_issued()).state)


def test_an_imported_award_names_its_source_on_the_event_and_the_award() -> None:
    issued = an_award_issued("register of 2016")
    event = MAPPER.to_domain_event(MAPPER.to_stored_event(issued))
    assert event.imported_from == "register of 2016"
    record = LearnerRecord.open(learner_id="L-1", actor=AUTHORITY)
    event.apply(record)
    assert record.awards[issued.award_id].imported_from == "register of 2016"


def test_decisions_and_definitions_stored_before_the_field_read_as_made_here() -> None:
    provider = Provider.register(
        code="SETU",
        name="SETU",
        country="IE",
        kind="university",
        actor=AUTHORITY,  # type: ignore[arg-type]
    )
    provider.accredit(
        scope=scope(),
        valid_until=date(2030, 1, 1),
        decision_reference="D-1",
        actor=AUTHORITY,
        today=date(2026, 12, 1),
    )
    credential = MicroCredential.define(
        provider_id=provider.id,
        code="DA-1",
        specification=spec(),
        stacking_rule=None,
        policy=IRELAND,
        actor=AUTHORITY,
    )
    for aggregate in (provider, credential):
        old = [
            MAPPER.to_domain_event(stored_without_imported_from(event))
            for event in aggregate.collect_events()
        ]
        assert all(event.imported_from is None for event in old)
        rebuilt = None
        for event in old:
            rebuilt = event.mutate(rebuilt)
        assert rebuilt is not None and rebuilt.code == aggregate.code
