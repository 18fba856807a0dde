"""Per-learner AES-GCM encryption of personal data."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ledger import privacy

DATA = {"name": "Aoife Ní Bhriain", "email": "aoife@example.ie", "national_id": "1234567TA"}


def test_personal_data_round_trips_with_the_learners_key() -> None:
    key, learner = privacy.new_key(), uuid4()
    assert privacy.decrypt(key, learner, privacy.encrypt(key, learner, DATA)) == DATA


def test_the_ciphertext_shows_nothing_of_the_data() -> None:
    blob = privacy.encrypt(privacy.new_key(), uuid4(), DATA)
    for value in DATA.values():
        assert value.encode() not in blob


def test_each_encryption_uses_a_fresh_nonce() -> None:
    key, learner = privacy.new_key(), uuid4()
    assert privacy.encrypt(key, learner, DATA) != privacy.encrypt(key, learner, DATA)


def test_another_key_cannot_read_it() -> None:
    learner = uuid4()
    blob = privacy.encrypt(privacy.new_key(), learner, DATA)
    with pytest.raises(ValueError, match="could not be decrypted"):
        privacy.decrypt(privacy.new_key(), learner, blob)


def test_the_ciphertext_is_bound_to_its_learner() -> None:
    key = privacy.new_key()
    blob = privacy.encrypt(key, uuid4(), DATA)
    with pytest.raises(ValueError, match="could not be decrypted"):
        privacy.decrypt(key, uuid4(), blob)
