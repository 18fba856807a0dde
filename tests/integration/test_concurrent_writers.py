"""Two writers on the same learner record: the second to commit gets one clean conflict
(or succeeds on its retry) and no event is lost.

The race is made deterministic: writer B's write is intercepted, writer A commits in
between, then B's write goes ahead against the record it had read before A's change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ledger import errors
from ledger.application import Ledger
from tests.conftest import AUTHORITY, PROVIDER_ACTOR
from tests.integration.scenario import Setup, issue_one, ready_to_issue, request

MakeLedger = Callable[..., Ledger]


def before_first_write(
    ledger: Ledger, meanwhile: Callable[[], object], *, writes: int = 1
) -> list[int]:
    """Run ``meanwhile`` (the other writer) just before each of ``ledger``'s first
    ``writes`` writes; returns a list that counts ``ledger``'s write attempts."""
    recorder: Any = ledger.recorder
    real_insert = recorder.insert_events
    attempts: list[int] = []

    def insert_events(stored_events: Sequence[Any], **kwargs: Any) -> Any:
        attempts.append(len(stored_events))
        if len(attempts) <= writes:
            meanwhile()
        return real_insert(stored_events, **kwargs)

    recorder.insert_events = insert_events
    return attempts


def event_names(ledger: Ledger, learner: str) -> list[str]:
    record_id = ledger.get_learner_record(learner).id
    return [type(e).__name__ for e in ledger.history(record_id)]


@pytest.fixture
def writers(make_ledger: MakeLedger) -> tuple[Ledger, Ledger, Setup]:
    """Two ledger processes on one store, and a learner holding award R1."""
    a, b = make_ledger(), make_ledger()
    setup = ready_to_issue(a)
    issue_one(a, setup, "R1")
    return a, b, setup


def test_a_revocation_racing_an_issuance_is_one_clean_conflict(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, setup = writers
    r1 = next(iter(a.get_learner_record("learner-0001").awards))
    before_first_write(b, lambda: issue_one(a, setup, "R2"))

    with pytest.raises(errors.ConcurrentUpdate, match="retry"):
        b.revoke_award(r1, reason="misconduct", actor=AUTHORITY)

    assert event_names(a, "learner-0001") == ["Opened", "AwardIssued", "AwardIssued"]
    b.revoke_award(r1, reason="misconduct", actor=AUTHORITY)  # the retry succeeds
    assert event_names(b, "learner-0001") == [
        "Opened",
        "AwardIssued",
        "AwardIssued",
        "AwardRevoked",
    ]


def test_two_revocations_of_one_award_revoke_it_once(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, _ = writers
    r1 = next(iter(a.get_learner_record("learner-0001").awards))
    before_first_write(b, lambda: a.revoke_award(r1, reason="first", actor=AUTHORITY))
    with pytest.raises(errors.ConcurrentUpdate):
        b.revoke_award(r1, reason="second", actor=AUTHORITY)
    with pytest.raises(errors.AwardAlreadyRevoked, match="first"):
        b.revoke_award(r1, reason="second", actor=AUTHORITY)
    assert event_names(a, "learner-0001").count("AwardRevoked") == 1


def test_an_issuance_that_loses_the_race_retries_and_both_awards_stand(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, setup = writers
    attempts = before_first_write(b, lambda: issue_one(a, setup, "R2"))
    receipt = b.issue_award(provider_id=setup.provider, request=request(setup, "R3"), actor="p")
    assert receipt.awards[0].created
    assert len(attempts) == 2  # the first write conflicted, the retry committed
    assert event_names(a, "learner-0001") == ["Opened"] + ["AwardIssued"] * 3
    assert a.award_status(receipt.awards[0].award_id).award.provider_reference == "R3"


def test_an_issuance_keeps_retrying_while_other_batches_win_and_then_gives_up_cleanly(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, setup = writers
    others = iter(f"O{n}" for n in range(100))
    attempts = before_first_write(b, lambda: issue_one(a, setup, next(others)), writes=4)
    receipt = b.issue_award(provider_id=setup.provider, request=request(setup, "R3"), actor="p")
    assert receipt.awards[0].created
    assert len(attempts) == 5  # lost four races, committed on the fifth attempt

    attempts = before_first_write(b, lambda: issue_one(a, setup, next(others)), writes=5)
    with pytest.raises(errors.ConcurrentUpdate, match="retry"):
        b.issue_award(provider_id=setup.provider, request=request(setup, "R4"), actor="p")
    assert len(attempts) == 5
    assert "R4" not in {
        award.provider_reference for award in a.get_learner_record("learner-0001").awards.values()
    }


def test_the_same_award_issued_twice_at_once_to_a_new_learner_is_issued_once(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, setup = writers
    mine = request(setup, "N1", "new-learner")
    before_first_write(
        b, lambda: a.issue_award(provider_id=setup.provider, request=mine, actor=PROVIDER_ACTOR)
    )
    receipt = b.issue_award(provider_id=setup.provider, request=mine, actor=PROVIDER_ACTOR)
    assert not receipt.awards[0].created  # B's retry found A's award: idempotent
    assert event_names(a, "new-learner") == ["Opened", "AwardIssued"]


def test_many_threads_issuing_to_one_learner_lose_no_award(make_ledger: MakeLedger) -> None:
    """Whatever the interleaving: every award reported as issued is on the record, exactly
    once, and every writer either succeeded or got a clean ConcurrentUpdate."""
    ledgers = [make_ledger() for _ in range(4)]
    setup = ready_to_issue(ledgers[0])

    def issue(n: int) -> str:
        try:
            ledgers[n % 4].issue_award(
                provider_id=setup.provider,
                request=request(setup, f"T{n}", "busy-learner"),
                actor=PROVIDER_ACTOR,
            )
        except errors.ConcurrentUpdate:
            return "conflict"
        return f"T{n}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(issue, range(8)))
    issued = sorted(o for o in outcomes if o != "conflict")
    record = ledgers[0].get_learner_record("busy-learner")
    assert sorted(a.provider_reference for a in record.awards.values()) == issued
    assert event_names(ledgers[0], "busy-learner").count("AwardIssued") == len(issued)
    assert issued  # at least the first writer always commits
