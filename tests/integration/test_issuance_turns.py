"""Issuance turns: batches' first attempts share the store, a retry has it alone, and a
waiting retry goes before batches that arrive after it. Two ledgers on one store stand
for two processes of a deployment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from ledger.application import Ledger
from ledger.config import Settings
from ledger.policy import IRELAND
from tests.conftest import new_postgres_schema

MakeLedger = Callable[..., Ledger]


def take_turn_in_thread(
    ledger: Ledger, *, exclusive: bool, taken: list[str], name: str, hold: float = 0.0
) -> threading.Thread:
    def take() -> None:
        with ledger.issuance_turns.turn(exclusive=exclusive):
            taken.append(name)
            time.sleep(hold)

    thread = threading.Thread(target=take)
    thread.start()
    return thread


def test_first_attempts_share_the_store(make_ledger: MakeLedger) -> None:
    a, b = make_ledger(), make_ledger()
    taken: list[str] = []
    with a.issuance_turns.turn(exclusive=False):
        other = take_turn_in_thread(b, exclusive=False, taken=taken, name="b")
        other.join(timeout=5)
        assert taken == ["b"]


def test_a_retry_waits_for_the_batches_in_flight_and_goes_before_later_ones(
    make_ledger: MakeLedger,
) -> None:
    a, b, c = make_ledger(), make_ledger(), make_ledger()
    taken: list[str] = []
    with a.issuance_turns.turn(exclusive=False):
        retry = take_turn_in_thread(b, exclusive=True, taken=taken, name="retry", hold=0.2)
        time.sleep(0.3)
        later = take_turn_in_thread(c, exclusive=False, taken=taken, name="later batch")
        time.sleep(0.3)
        assert taken == []  # the retry waits for a's batch; the later batch waits too
    retry.join(timeout=5)
    later.join(timeout=5)
    assert taken == ["retry", "later batch"]


def test_a_retry_holds_the_store_alone(make_ledger: MakeLedger) -> None:
    a, b = make_ledger(), make_ledger()
    taken: list[str] = []
    with a.issuance_turns.turn(exclusive=True):
        batch = take_turn_in_thread(b, exclusive=False, taken=taken, name="batch")
        time.sleep(0.3)
        assert taken == []
    batch.join(timeout=5)
    assert taken == ["batch"]


@pytest.mark.postgres
def test_ledgers_in_other_schemas_keep_their_own_turns(postgres_database: str) -> None:
    a = Ledger(Settings(database=new_postgres_schema(postgres_database), policy=IRELAND))
    b = Ledger(Settings(database=new_postgres_schema(postgres_database), policy=IRELAND))
    try:
        taken: list[str] = []
        with a.issuance_turns.turn(exclusive=True):
            other = take_turn_in_thread(b, exclusive=True, taken=taken, name="b")
            other.join(timeout=5)
            assert taken == ["b"]
    finally:
        a.close()
        b.close()
