"""Events are stored as JSON by orjson; every type the domain stores comes back exactly
(same value and same type), and anything else is refused clearly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from ledger.domain.learner_record import AwardTerms
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    ParticipationForm,
    StackingRule,
    Supervision,
)
from ledger.policy import RevalidationRegime
from ledger.transcoding import OrjsonTranscoder
from tests.conftest import spec

CASES: list[tuple[str, Any]] = [
    ("none", None),
    ("str", "Baile Átha Cliath, Éire"),
    ("int", 2**62),
    ("float", 0.1),
    ("bool", True),
    ("date", date(2026, 2, 28)),
    ("utc datetime", datetime(2026, 11, 25, 16, 49, 12, 123456, tzinfo=UTC)),
    ("offset datetime", datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("naive datetime", datetime(2026, 1, 1, 0, 0)),
    ("uuid", UUID("6f1f2c8e-4a4b-5b7e-9c39-1d5f0a7e2b10")),
    ("decimal with trailing zero", Decimal("7.50")),
    ("decimal exponent", Decimal("1E+3")),
    ("tiny decimal", Decimal("0.000000000000000000001")),
    ("str enum", ParticipationForm.BLENDED),
    ("policy enum", RevalidationRegime.FLEXIBLE),
    ("tuple", (1, "two", date(2026, 3, 3))),
    ("empty tuple", ()),
    ("nested tuple", ((1, 2), (uuid4(),))),
    ("list", [Decimal(1), [Decimal(2)]]),
    ("bytes", bytes(range(256))),
    ("empty bytes", b""),
    ("dict", {"a": Decimal("1.0"), "b": {"c": (UUID(int=1),)}}),
    ("value object", spec(supervision=Supervision.SUPERVISED_WITH_ID_CHECK)),
    ("scope", AccreditationScope(levels=(5, 6), fields=("0688 ICT",))),
    ("stacking rule", StackingRule((UUID(int=7),), Decimal("30.0"))),
    ("assessment", Assessment("exam", date(2026, 5, 1), "pass", accommodation="extra time")),
    (
        "award terms",
        AwardTerms(UUID(int=1), UUID(int=2), "T", Decimal("2.5"), None, 5),
    ),
]


def same_types(a: Any, b: Any) -> bool:
    """Equal values are not enough: 7.50 must not come back as 7.5 or as a str."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_types(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same_types(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, datetime):
        return bool(a.utcoffset() == b.utcoffset())
    return True


@pytest.mark.parametrize(("case", "value"), CASES, ids=[c for c, _ in CASES])
def test_a_value_round_trips_exactly(case: str, value: Any) -> None:
    transcoder = OrjsonTranscoder()
    state = {"value": value}
    decoded = transcoder.decode(transcoder.encode(state))
    assert decoded == state
    assert same_types(decoded, state)


def test_the_whole_table_round_trips_in_one_event_state() -> None:
    transcoder = OrjsonTranscoder()
    state = {case: value for case, value in CASES}
    assert transcoder.decode(transcoder.encode(state)) == state


def test_events_are_stored_as_json_text() -> None:
    encoded = OrjsonTranscoder().encode({"when": date(2026, 1, 2), "ects": Decimal("5.5")})
    assert encoded.startswith(b"{")
    assert b'"2026-01-02"' in encoded
    assert b'"5.5"' in encoded


@pytest.mark.parametrize("value", [{1, 2}, frozenset(), object(), 1j, timedelta(days=1)])
def test_an_unknown_type_is_a_clear_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match=f"cannot store a {type(value).__qualname__} in an event"):
        OrjsonTranscoder().encode({"value": value})


def test_a_stored_value_object_comes_back_frozen_and_hashable() -> None:
    transcoder = OrjsonTranscoder()
    terms = AwardTerms(UUID(int=1), UUID(int=2), "T", Decimal("2.5"), None, 5)
    restored = transcoder.decode(transcoder.encode({"terms": terms}))["terms"]
    assert restored == terms
    assert hash(restored) == hash(terms)
    with pytest.raises(dataclasses.FrozenInstanceError):
        restored.title = "changed"  # type: ignore[misc]


def test_a_value_stored_before_a_field_was_added_takes_the_fields_default() -> None:
    transcoder = OrjsonTranscoder()
    stored = orjson.loads(transcoder.encode({"a": Assessment("exam", date(2026, 5, 1), "pass")}))
    del stored["a"]["_data_"][1]["accommodation"]  # as written before the field existed
    restored = transcoder.decode(orjson.dumps(stored))["a"]
    assert restored == Assessment("exam", date(2026, 5, 1), "pass", accommodation=None)
    assert restored.accommodation is None


@dataclasses.dataclass(frozen=True)
class Normalised:
    code: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", self.code.upper())


def test_a_value_whose_init_does_more_than_assign_is_made_by_its_init() -> None:
    transcoder = OrjsonTranscoder()
    stored = orjson.loads(transcoder.encode({"n": Normalised("ie")}))
    stored["n"]["_data_"][1]["code"] = "fi"  # as an older version of the class stored it
    assert transcoder.decode(orjson.dumps(stored))["n"] == Normalised("FI")
