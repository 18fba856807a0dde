"""Issuance turns: batches' first attempts share the store, a retry has it alone, and a
waiting retry goes before batches that arrive after it. Two ledgers on one store stand
for two processes of a deployment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.config import Settings
from ledger.policy import IRELAND
from tests.conftest import new_postgres_schema
from tests.integration.scenario import Setup, issue_one, ready_to_issue

MakeLedger = Callable[..., Ledger]


def in_thread(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work)
    thread.start()
    return thread


@contextmanager
def paused_inside_its_save(ledger: Ledger) -> Iterator[threading.Event]:
    """``ledger``'s next save stops inside its transaction, after the shared turn is
    taken, until the event this gives is set."""
    recorder: Any = ledger.recorder
    # PostgreSQL takes the shared turn in the save's transaction, before the events are
    # inserted; SQLite holds it in the process around the whole attempt.
    postgres = hasattr(recorder, "_insert_stored_events")
    name = "_insert_stored_events" if postgres else "insert_events"
    real = getattr(recorder, name)
    inside, go_on = threading.Event(), threading.Event()

    def paused(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        go_on.wait(timeout=10)
        return real(*args, **kwargs)

    setattr(recorder, name, paused)
    try:
        yield go_on
    finally:
        go_on.set()
    assert inside.is_set(), "the save never began"


@pytest.fixture
def store(make_ledger: MakeLedger) -> tuple[list[Ledger], Setup]:
    ledgers = [make_ledger() for _ in range(3)]
    return ledgers, ready_to_issue(ledgers[0])


def test_a_batch_waits_while_a_retry_has_its_turn(store: tuple[list[Ledger], Setup]) -> None:
    (a, b, _), setup = store
    done: list[str] = []
    with a.issuance_turns.turn(exclusive=True):
        batch = in_thread(lambda: done.append(str(issue_one(b, setup, "B1"))))
        time.sleep(0.3)
        assert done == []
    batch.join(timeout=10)
    assert len(done) == 1
    assert b.get_learner_record("learner-0001").awards


def test_a_retry_waits_for_the_save_in_flight_and_goes_before_later_batches(
    store: tuple[list[Ledger], Setup],
) -> None:
    (a, b, c), setup = store
    order: list[str] = []

    def retry() -> None:
        with a.issuance_turns.turn(exclusive=True):
            order.append("retry has its turn")
            time.sleep(0.2)
            order.append("retry ends its turn")

    def later_batch() -> None:
        issue_one(c, setup, "C1", "learner-0002")
        order.append("later batch issued")

    with paused_inside_its_save(b) as save_goes_on:
        in_flight = in_thread(lambda: issue_one(b, setup, "B1"))
        time.sleep(0.3)
        retrying = in_thread(retry)
        time.sleep(0.3)
        later = in_thread(later_batch)
        time.sleep(0.3)
        assert order == []  # the retry waits for b's save; the later batch waits too
        save_goes_on.set()
    for thread in (in_flight, retrying, later):
        thread.join(timeout=10)
    assert order == ["retry has its turn", "retry ends its turn", "later batch issued"]
    assert c.get_learner_record("learner-0002").awards


def test_first_attempts_share_the_store(store: tuple[list[Ledger], Setup]) -> None:
    (_, b, c), setup = store
    with paused_inside_its_save(b) as save_goes_on:
        in_flight = in_thread(lambda: issue_one(b, setup, "B1"))
        time.sleep(0.3)
        issue_one(c, setup, "C1", "learner-0002")  # not waiting for b's save to end
        save_goes_on.set()
    in_flight.join(timeout=10)
    assert c.get_learner_record("learner-0001").awards


@pytest.mark.postgres
def test_ledgers_in_other_schemas_keep_their_own_turns(postgres_database: str) -> None:
    ledgers = [
        Ledger(Settings(database=new_postgres_schema(postgres_database), policy=IRELAND))
        for _ in range(2)
    ]
    try:
        taken: list[str] = []

        def take_turn() -> None:
            with ledgers[1].issuance_turns.turn(exclusive=True):
                taken.append("other schema")

        with ledgers[0].issuance_turns.turn(exclusive=True):
            in_thread(take_turn).join(timeout=5)
            assert taken == ["other schema"]
    finally:
        for ledger in ledgers:
            ledger.close()
