"""Two writers on the same learner record: the second to commit gets one clean conflict
(or succeeds on its retry) and no event is lost.

The race is made deterministic: writer B's write is intercepted, writer A commits in
between, then B's write goes ahead against the record it had read before A's change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ledger import errors
from ledger.application import Ledger
from ledger.domain.values import RevocationReason
from tests.conftest import THE_AUTHORITY, provider_principal
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
        b.revoke_award(
            r1,
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="misconduct",
            by=THE_AUTHORITY,
        )

    assert event_names(a, "learner-0001") == ["Opened", "AwardIssued", "AwardIssued"]
    b.revoke_award(
        r1,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="misconduct",
        by=THE_AUTHORITY,
    )  # the retry succeeds
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
    first = RevocationReason.ISSUED_IN_ERROR
    before_first_write(b, lambda: a.revoke_award(r1, category=first, by=THE_AUTHORITY))
    with pytest.raises(errors.ConcurrentUpdate):
        b.revoke_award(r1, category=RevocationReason.OTHER, note="second", by=THE_AUTHORITY)
    with pytest.raises(errors.AwardAlreadyRevoked, match="issued_in_error"):
        b.revoke_award(r1, category=RevocationReason.OTHER, note="second", by=THE_AUTHORITY)
    assert event_names(a, "learner-0001").count("AwardRevoked") == 1


def test_an_issuance_that_loses_the_race_retries_and_both_awards_stand(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, setup = writers
    attempts = before_first_write(b, lambda: issue_one(a, setup, "R2"))
    receipt = b.issue_award(
        provider_id=setup.provider,
        request=request(setup, "R3"),
        by=provider_principal(setup.provider, "p"),
    )
    assert receipt.awards[0].created
    assert len(attempts) == 2  # the first write conflicted, the retry committed
    assert event_names(a, "learner-0001") == ["Opened"] + ["AwardIssued"] * 3
    assert a.award_status(receipt.awards[0].award_id).award.provider_reference == "R3"


def test_an_issuance_that_lost_a_race_retries_alone_and_a_batch_arriving_meanwhile_waits(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    a, b, setup = writers
    arriving: list[threading.Thread] = []
    finished_during_retry: list[bool] = []

    def another_batch_arrives() -> None:
        if not arriving:  # b's first write: a batch of a's commits first
            issue_one(a, setup, "R2")
            arriving.append(threading.Thread(target=issue_one, args=(a, setup, "R4")))
            return
        # b's retry: a new batch starts now, and must wait for b's retry to commit
        arriving[0].start()
        arriving[0].join(timeout=0.5)
        finished_during_retry.append(not arriving[0].is_alive())

    attempts = before_first_write(b, another_batch_arrives, writes=2)
    receipt = b.issue_award(
        provider_id=setup.provider,
        request=request(setup, "R3"),
        by=provider_principal(setup.provider, "p"),
    )
    arriving[0].join(timeout=30)

    assert receipt.awards[0].created
    assert len(attempts) == 2
    assert finished_during_retry == [False]
    record = a.get_learner_record("learner-0001")
    assert [award.provider_reference for award in record.awards.values()] == [
        "R1",
        "R2",
        "R3",
        "R4",
    ]


def test_an_issuance_retries_while_other_kinds_of_write_win_and_then_gives_up_cleanly(
    writers: tuple[Ledger, Ledger, Setup],
) -> None:
    """A retry holds the store alone among batches, not against revocations: those can
    still win, and after five lost races the batch is refused with nothing written."""
    a, b, setup = writers
    revocable = iter([issue_one(a, setup, f"O{n}") for n in range(9)])

    def revoke_one() -> None:
        a.revoke_award(
            next(revocable),
            category=RevocationReason.ISSUED_IN_ERROR,
            note="issued in error",
            by=THE_AUTHORITY,
        )

    attempts = before_first_write(b, revoke_one, writes=4)
    receipt = b.issue_award(
        provider_id=setup.provider,
        request=request(setup, "R3"),
        by=provider_principal(setup.provider, "p"),
    )
    assert receipt.awards[0].created
    assert len(attempts) == 5  # lost four races, committed on the fifth attempt

    attempts = before_first_write(b, revoke_one, writes=5)
    with pytest.raises(errors.ConcurrentUpdate, match="retry"):
        b.issue_award(
            provider_id=setup.provider,
            request=request(setup, "R4"),
            by=provider_principal(setup.provider, "p"),
        )
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
        b,
        lambda: a.issue_award(
            provider_id=setup.provider, request=mine, by=provider_principal(setup.provider)
        ),
    )
    receipt = b.issue_award(
        provider_id=setup.provider, request=mine, by=provider_principal(setup.provider)
    )
    assert not receipt.awards[0].created  # B's retry found A's award: idempotent
    assert event_names(a, "new-learner") == ["Opened", "AwardIssued"]


def test_many_threads_issuing_to_one_learner_lose_no_award_and_none_is_refused(
    make_ledger: MakeLedger,
) -> None:
    """Whatever the interleaving: every award is issued, and is on the record exactly
    once; a writer that lost a race retried alone, so none had to give up."""
    ledgers = [make_ledger() for _ in range(4)]
    setup = ready_to_issue(ledgers[0])

    def issue(n: int) -> str:
        ledgers[n % 4].issue_award(
            provider_id=setup.provider,
            request=request(setup, f"T{n}", "busy-learner"),
            by=provider_principal(setup.provider),
        )
        return f"T{n}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        issued = sorted(pool.map(issue, range(8)))
    record = ledgers[0].get_learner_record("busy-learner")
    assert sorted(a.provider_reference for a in record.awards.values()) == issued
    assert len(issued) == 8
    assert event_names(ledgers[0], "busy-learner").count("AwardIssued") == 8


def push_batches(
    ledgers: list[Ledger], setup: Setup, learners: list[str], *, batches: int, threads: int
) -> list[int]:
    """Push ``batches`` batches at once from ``threads`` threads, each with one award for
    every learner, taking the ledgers in turn; how many awards each batch created."""

    def push(batch: int) -> int:
        requests = [request(setup, f"B{batch}-{learner}", learner) for learner in learners]
        receipt = ledgers[batch % len(ledgers)].issue_awards(
            provider_id=setup.provider, requests=requests, by=provider_principal(setup.provider)
        )
        return sum(award.created for award in receipt.awards)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(push, range(batches)))


def test_concurrent_batches_sharing_learners_are_all_issued(
    make_ledger: MakeLedger, caplog: pytest.LogCaptureFixture
) -> None:
    """Four processes push batches over the same few learners at once, as a provider
    pushing one batch per course does: batches collide, and still every one of them is
    issued, with each award once."""
    ledgers = [make_ledger() for _ in range(4)]
    setup = ready_to_issue(ledgers[0])
    learners = [f"student-{n}" for n in range(6)]

    with caplog.at_level("INFO", logger="ledger.application"):
        created = push_batches(ledgers, setup, learners, batches=24, threads=4)

    assert created == [len(learners)] * 24
    for learner in learners:
        record = ledgers[0].get_learner_record(learner)
        references = [award.provider_reference for award in record.awards.values()]
        assert sorted(references) == sorted(f"B{batch}-{learner}" for batch in range(24))
    assert "retries alone" in caplog.text  # the batches did collide


def test_many_batches_at_once_in_one_process_are_all_issued(ledger: Ledger) -> None:
    """More batches at once than the process has store connections: a retry, which needs
    connections for its reads and its save, is never left waiting for ones held by saves
    that wait for it."""
    setup = ready_to_issue(ledger)
    learners = [f"student-{n}" for n in range(60)]

    created = push_batches([ledger], setup, learners, batches=32, threads=16)

    assert created == [len(learners)] * 32
    record = ledger.get_learner_record("student-0")
    assert len(record.awards) == 32
