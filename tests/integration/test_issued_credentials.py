"""Places in the issuers' status lists, on both stores: one per award, never two awards on
one bit, even when processes reserve at the same moment, and a new list when one is full."""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

import pytest

from ledger.application import Ledger
from ledger.infrastructure import issued_credentials
from ledger.infrastructure.issued_credentials import IssuedCredentialStore
from ledger.infrastructure.side_tables import SideTables


@pytest.fixture
def store(ledger: Ledger) -> IssuedCredentialStore:
    return IssuedCredentialStore(SideTables(ledger.recorder))


def test_an_award_keeps_the_slot_it_was_first_given(store: IssuedCredentialStore) -> None:
    award = uuid4()
    first = store.reserve(award, "SETU")
    assert store.reserve(award, "SETU") == first
    found = store.find(award)
    assert found is not None and found.slot == first and found.document is None
    assert store.list_numbers("SETU") == [1]


def test_the_first_signed_document_is_the_one_kept(store: IssuedCredentialStore) -> None:
    award = uuid4()
    store.reserve(award, "SETU")
    assert store.save_signed(award, '{"first": true}') == '{"first": true}'
    assert store.save_signed(award, '{"second": true}') == '{"first": true}'


def test_indexes_are_spread_over_the_list_and_never_repeat(store: IssuedCredentialStore) -> None:
    indexes = [store.reserve(uuid4(), "SETU").index for _ in range(200)]
    assert len(set(indexes)) == 200
    # In order of issue they would be 0..199; a keyed permutation spreads them.
    assert max(indexes) > 10_000
    assert indexes != sorted(indexes)


def test_concurrent_reservations_never_share_a_bit(store: IssuedCredentialStore) -> None:
    awards = [uuid4() for _ in range(120)]
    slots: dict[UUID, tuple[int, int]] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def reserve(chunk: list[UUID]) -> None:
        try:
            for award in chunk:
                slot = store.reserve(award, "SETU")
                with lock:
                    slots[award] = (slot.list_number, slot.index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reserve, args=(awards[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(slots) == 120
    assert len(set(slots.values())) == 120


def test_a_full_list_opens_the_next(
    store: IssuedCredentialStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(issued_credentials, "LIST_LENGTH", 3)
    slots = [store.reserve(uuid4(), "SETU") for _ in range(7)]
    assert [slot.list_number for slot in slots] == [1, 1, 1, 2, 2, 2, 3]
    assert store.list_numbers("SETU") == [1, 2, 3]
    # Each list has a key of its own: the same position maps to another index.
    assert len({slot.index for slot in slots[::3]}) == 3


def test_each_issuer_has_lists_of_its_own(store: IssuedCredentialStore) -> None:
    setu = store.reserve(uuid4(), "SETU")
    atu = store.reserve(uuid4(), "ATU")
    assert (setu.issuer, atu.issuer) == ("SETU", "ATU")
    assert store.list_numbers("ATU") == [1]
    assert store.slots_of("SETU", 1, [uuid4()]) == {}
