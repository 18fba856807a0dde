"""The views' decoder (wire form) and the follower's own log reader store exactly the
rows of the exact way (every value restored, eventsourcing's ``select_notifications``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from ledger.application import Ledger
from ledger.domain.values import Assessment, Supervision
from ledger.transcoding import OrjsonTranscoder
from projections.decoding import Fallback, WireDecoder
from projections.dialect import make_dialect
from projections.follower import Follower
from projections.rebuild import rebuild
from tests.conftest import Clock
from tests.projections.conftest import RANDOM_POLICY, RandomCommands, snapshot


def test_the_wire_form_stores_the_rows_of_the_exact_way(
    make_ledger: Callable[..., Ledger], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = RandomCommands(ledger, clock, random.Random(20261125))
    for _ in range(300):
        commands.step()
    assert commands.awards

    fast = Follower(ledger)
    rebuild(ledger, page_size=9)
    wire = snapshot(ledger)
    exact_follower = Follower(ledger, exact_decoding=True)
    rebuild(ledger, page_size=9, exact_decoding=True)
    exact = snapshot(ledger)
    assert wire == exact
    assert len(exact["proj_audit"]) == ledger.recorder.max_notification_id()
    revoked = [row for row in exact["proj_audit"] if row[5] == "LearnerRecord.AwardRevoked"]
    assert revoked and all(row[9] != "None" for row in revoked)  # their provider was found

    # The comparison means something: one way gave text, the other UUIDs and datetimes.
    n = next(
        n
        for n in ledger.recorder.select_notifications(1, 10_000)
        if n.topic.endswith(".AwardIssued")
    )
    fast_event, exact_event = fast.preparer.decode_event(n), exact_follower.preparer.decode_event(n)
    assert isinstance(fast_event.award_id, str) and isinstance(exact_event.award_id, UUID)
    assert fast_event.award_id == exact_event.award_id.hex
    assert isinstance(fast_event.timestamp, str)
    assert fast_event.timestamp == exact_event.timestamp.isoformat()
    assert fast_event.terms.provider_id == exact_event.terms.provider_id.hex
    assert fast_event.terms.workload_ects == exact_event.terms.workload_ects


def test_incremental_pages_in_the_wire_form_equal_the_exact_rebuild(
    make_ledger: Callable[..., Ledger], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = RandomCommands(ledger, clock, random.Random(5))
    follower = Follower(ledger, page_size=4)
    for step in range(250):
        commands.step()
        if step % 7 == 0:
            follower.catch_up()
    follower.catch_up()
    incremental = snapshot(ledger)
    rebuild(ledger, exact_decoding=True)
    assert snapshot(ledger) == incremental


def _encoded(state: dict[str, Any]) -> bytes:
    return OrjsonTranscoder().encode(state)


def test_wire_values_and_restored_values() -> None:
    moment = datetime(2026, 11, 25, 18, 56, 48, 9488, tzinfo=UTC)
    award = uuid4()
    state = {
        "timestamp": moment,
        "award_id": award,
        "ids": (award, uuid4()),
        "issued_on": date(2026, 11, 25),
        "ects": Decimal("7.50"),
        "assessment": Assessment(
            "exam", date(2026, 1, 2), "pass", supervision=Supervision.UNSUPERVISED
        ),
        "nested": {"when": moment, "list": [award, 1, "x"]},
        "raw": b"\x00\x01",
    }
    decoded = WireDecoder().decode(_encoded(state))
    assert decoded["timestamp"] == moment.isoformat()
    assert decoded["award_id"] == award.hex
    assert decoded["ids"] == tuple(u.hex for u in state["ids"])
    assert decoded["issued_on"] == "2026-11-25"
    assert decoded["ects"] == Decimal("7.50") and str(decoded["ects"]) == "7.50"
    assessment = decoded["assessment"]
    assert type(assessment) is Assessment
    assert assessment.assessed_on == "2026-01-02"
    assert assessment.supervision is Supervision.UNSUPERVISED
    # The transcript stores the assessment as orjson's JSON of it: the same both ways.
    assert orjson.dumps(assessment) == orjson.dumps(state["assessment"])
    assert decoded["nested"] == {"when": moment.isoformat(), "list": [award.hex, 1, "x"]}
    assert decoded["raw"] == b"\x00\x01"


@pytest.mark.parametrize(
    "stored",
    [
        b'{"x":{"_type_":"something_new","_data_":"1"}}',
        b'{"x":{"_type_":"uuid_hex","_data_":"abc"}}',
        b'{"x":{"_type_":"date_iso","_data_":"20261125"}}',
        b'{"x":{"_type_":"dataclass","_data_":["ledger.domain.values:Assessment",'
        b'{"method":"exam","assessed_on":{"_type_":"date_iso","_data_":"2026-01-02"},'
        b'"result":"pass"}]}}',
        b'{"_type_":"tuple","_data_":[]}',
    ],
)
def test_what_the_wire_decoder_does_not_restore_as_the_transcoder_falls_back(
    stored: bytes,
) -> None:
    with pytest.raises(Fallback):
        WireDecoder().decode(stored)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 25, 18, 56, 48, 9488, tzinfo=UTC),
        datetime(2026, 11, 25, 18, 56, 48, tzinfo=UTC),  # no microseconds: shorter text
        datetime(2026, 11, 25, 20, 56, 48, 5, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 11, 25, 18, 56, 48, 5),  # naive: taken as UTC
    ],
)
def test_timestamps_in_either_form_give_the_same_text(value: datetime, ledger: Ledger) -> None:
    d = make_dialect(ledger)
    assert d.to_ts(value.isoformat()) == d.to_ts(value)
    assert d.to_date(value.date().isoformat()) == d.to_date(value.date())
    u = uuid4()
    assert d.to_uuid(u.hex) == d.to_uuid(u)
    assert d.to_uuid(None) is None and d.to_ts(None) is None and d.to_date(None) is None
