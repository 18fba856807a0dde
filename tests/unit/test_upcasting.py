"""Event classes evolve: `Provider.Registered` is at class_version 2 (it gained the
provider's website); a version-1 event, stored before that, reads back as version 2.
`LearnerRecord.AwardRevoked` is at class_version 2 (its free-text reason became a
category and a private note)."""

from __future__ import annotations

from uuid import UUID, uuid4

import orjson
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.learner_record import LearnerRecord
from ledger.domain.provider import Provider
from ledger.domain.values import ProviderKind, RevocationReason
from ledger.transcoding import OrjsonTranscoder

# Exactly what the first release of the ledger stored for a registration.
V1_STATE = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-25T16:50:43.621123+00:00"},'
    b'"originator_topic":"ledger.domain.provider:Provider","code":"SETU","name":"SETU",'
    b'"country":"IE","kind":{"_type_":"enum","_data_":["ledger.domain.values:ProviderKind",'
    b'"university"]},"actor":"authority:officer-1"}'
)
TOPIC = "ledger.domain.provider:Provider.Registered"


def test_registered_is_at_class_version_2() -> None:
    assert Provider.Registered.class_version == 2


def test_a_version_1_registration_is_read_as_version_2_without_a_website() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    stored = StoredEvent(originator_id=uuid4(), originator_version=1, topic=TOPIC, state=V1_STATE)
    event = mapper.to_domain_event(stored)
    assert isinstance(event, Provider.Registered)
    assert event.website is None
    provider = event.mutate(None)
    assert isinstance(provider, Provider)
    assert (provider.code, provider.kind, provider.website) == (
        "SETU",
        ProviderKind.UNIVERSITY,
        None,
    )


def test_a_new_registration_is_stored_as_version_2_with_its_website() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    provider = Provider.register(
        code="SETU",
        name="SETU",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        actor="a",
        website="https://www.setu.ie",
    )
    stored = mapper.to_stored_event(provider.collect_events()[0])
    state = orjson.loads(stored.state)
    assert state["class_version"] == 2
    assert state["website"] == "https://www.setu.ie"
    event = mapper.to_domain_event(stored)
    assert isinstance(event, Provider.Registered)
    assert event.website == "https://www.setu.ie"


# What the ledger stored for a revocation before reason categories: free text, which
# the public status answers showed.
V1_REVOCATION = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-25T16:50:43.621123+00:00"},'
    b'"award_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000000"},'
    b'"reason":"academic integrity case EB-2025-031","actor":"provider:SETU:3f9a0c1b2d4e"}'
)
REVOKED_TOPIC = "ledger.domain.learner_record:LearnerRecord.AwardRevoked"


def test_a_version_1_revocation_reads_as_category_other_with_its_text_as_the_note() -> None:
    assert LearnerRecord.AwardRevoked.class_version == 2
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    stored = StoredEvent(
        originator_id=uuid4(), originator_version=3, topic=REVOKED_TOPIC, state=V1_REVOCATION
    )
    event = mapper.to_domain_event(stored)
    assert isinstance(event, LearnerRecord.AwardRevoked)
    assert event.category is RevocationReason.OTHER
    assert event.note == "academic integrity case EB-2025-031"
    assert "reason" not in vars(event)  # the old text is the note, nothing else


def test_a_new_revocation_is_stored_as_version_2_with_its_category_and_note() -> None:
    mapper: Mapper[UUID] = Mapper(transcoder=OrjsonTranscoder())
    event = LearnerRecord.AwardRevoked(  # type: ignore[call-arg]
        originator_id=uuid4(),
        originator_version=3,
        timestamp=LearnerRecord.AwardRevoked.create_timestamp(),
        award_id=UUID(int=0),
        category=RevocationReason.ISSUED_IN_ERROR,
        note=None,
        actor="provider:SETU:3f9a0c1b2d4e",
    )
    state = orjson.loads(mapper.to_stored_event(event).state)
    assert state["class_version"] == 2
    assert state["category"]["_data_"][1] == "issued_in_error"
    assert "reason" not in state
