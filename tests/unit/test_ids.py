"""The ledger's deterministic ids are RFC 4122 version-5 UUIDs in its namespace; award
ids are random."""

from __future__ import annotations

import pickle
import random
import uuid

from ledger.domain import ids, limits

PROVIDER = uuid.UUID("0b1c2d3e-4f50-5617-8899-aabbccddeeff")


def test_every_id_is_uuid5_of_its_name_in_the_ledger_namespace() -> None:
    ns = ids.LEDGER_NAMESPACE
    assert ids.provider_id(" tu-dub ") == uuid.uuid5(ns, "provider:TU-DUB")
    assert ids.micro_credential_id(PROVIDER, " MC-1 ") == uuid.uuid5(
        ns, f"micro-credential:{PROVIDER}:MC-1"
    )
    assert ids.learner_record_id(" L-42 ") == uuid.uuid5(ns, "learner:L-42")


def test_an_award_id_is_a_fresh_random_uuid_each_time() -> None:
    made = [ids.new_award_id() for _ in range(1000)]
    assert len(set(made)) == 1000
    assert all((a.version, a.variant) == (4, uuid.RFC_4122) for a in made)


def test_names_of_any_text_give_the_standard_uuid_in_every_respect() -> None:
    rng = random.Random(7)
    alphabet = "abcXYZ019 -_/:éßø漢字\U0001f393"
    for _ in range(2000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        made = ids.learner_record_id(name)
        standard = uuid.uuid5(ids.LEDGER_NAMESPACE, f"learner:{name.strip()}")
        assert made == standard
        assert (made.version, made.variant, made.is_safe) == (5, uuid.RFC_4122, standard.is_safe)
        assert hash(made) == hash(standard)
        assert str(made) == str(standard)


def test_an_id_survives_pickling_and_compares_with_a_parsed_one() -> None:
    made = ids.learner_record_id("L-1")
    assert pickle.loads(pickle.dumps(made)) == made
    assert uuid.UUID(str(made)) == made
    assert {made: 1}[uuid.UUID(made.hex)] == 1


def test_a_provider_code_is_one_code_however_it_is_spaced_or_cased() -> None:
    assert limits.provider_code("  setu ") == "SETU"
    assert ids.provider_id(" setu") == ids.provider_id("SETU")
