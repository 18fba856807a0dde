"""Bitstring Status List v1.0: the list's bits and their encodedList text, the keyed
permutation that hands out its indexes, and the signed status list credential."""

from __future__ import annotations

import base64
import copy
import random
import struct
import time
import zlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.credentials.canonical import canonical_nquads
from ledger.credentials.data_integrity import create_proof, verify_proof
from ledger.credentials.documents import VC_V2
from ledger.credentials.status_list import (
    LIST_LENGTH,
    MAX_ENCODED_CHARS,
    MAX_LIST_BYTES,
    Bitstring,
    IndexPermutation,
    StatusListError,
    decode_list,
    encode_list,
    read_status_list_credential,
    status_entry,
    status_list_credential,
)

SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
"""The encodedList of the spec's examples: 131,072 clear bits (gzipped by another gzip)."""
LIST_URL = "https://ledger.example.gov/status/3"
ISSUER = "did:web:ledger.example.gov"
KEY = b"permutation key for the tests!!!"


def raw_gzip(encoded: str) -> bytes:
    return base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))


def encoded_gzip(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def gzip_of(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


# --- the bits and their text -------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_random_index_sets_round_trip_through_the_encoded_list(seed: int) -> None:
    rng = random.Random(seed)
    indexes = {0, LIST_LENGTH - 1, *rng.sample(range(LIST_LENGTH), rng.randrange(1, 2000))}
    bits = decode_list(encode_list(indexes))
    assert len(bits) == LIST_LENGTH
    assert bits.set_indexes() == sorted(indexes)
    assert all(bits.is_set(index) for index in indexes)
    assert not any(bits.is_set(index) for index in range(LIST_LENGTH) if index not in indexes)


def test_a_longer_list_round_trips_with_its_length() -> None:
    bits = decode_list(encode_list([5, 2 * LIST_LENGTH - 1], length=2 * LIST_LENGTH))
    assert len(bits) == 2 * LIST_LENGTH
    assert bits.set_indexes() == [5, 2 * LIST_LENGTH - 1]


def test_index_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    data = zlib.decompress(raw_gzip(encode_list([0, 9, LIST_LENGTH - 1])), wbits=31)
    assert len(data) == LIST_LENGTH // 8
    assert data[0] == 0b1000_0000
    assert data[1] == 0b0100_0000
    assert data[-1] == 0b0000_0001
    assert data[2:-1] == bytes(len(data) - 3)


def test_bits_written_by_hand_are_read_with_the_same_convention() -> None:
    data = bytearray(LIST_LENGTH // 8)
    data[0] = 0b0010_0001
    data[100] = 0b1000_0000
    assert decode_list(encoded_gzip(gzip_of(bytes(data)))).set_indexes() == [2, 7, 800]


def test_the_same_bits_give_the_same_text_and_gzip_header_has_no_time() -> None:
    indexes = [3, 77, 100_000]
    assert encode_list(indexes) == encode_list(reversed(indexes))
    header = raw_gzip(encode_list(indexes))[:10]
    assert header[:4] == b"\x1f\x8b\x08\x00"
    assert header[4:8] == b"\x00\x00\x00\x00"


def test_the_specs_example_decodes_to_131072_clear_bits() -> None:
    bits = decode_list(SPEC_EXAMPLE)
    assert len(bits) == LIST_LENGTH
    assert bits.set_indexes() == []
    # Another gzip's text for the same bits: equal as bits, not as text.
    assert encode_list([]) != SPEC_EXAMPLE
    assert decode_list(encode_list([])) == bits


def test_a_list_with_one_in_a_thousand_bits_set_is_about_350_bytes_gzipped() -> None:
    indexes = random.Random(7).sample(range(LIST_LENGTH), LIST_LENGTH // 1000)
    encoded = encode_list(indexes)
    assert 250 <= len(raw_gzip(encoded)) <= 500
    assert len(encoded) < 700


def test_an_index_outside_the_list_is_refused_when_encoding() -> None:
    with pytest.raises(ValueError, match="outside the list"):
        encode_list([LIST_LENGTH])
    with pytest.raises(ValueError, match="outside the list"):
        encode_list([-1])


@pytest.mark.parametrize("length", [LIST_LENGTH - 8, LIST_LENGTH + 4, 0])
def test_a_length_below_the_minimum_or_not_whole_bytes_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="multiple of 8 bits, at least 131072"):
        encode_list([], length=length)


def test_reading_a_bit_outside_the_list_is_an_error() -> None:
    bits = decode_list(encode_list([]))
    with pytest.raises(StatusListError, match="outside the list"):
        bits.is_set(LIST_LENGTH)
    with pytest.raises(StatusListError, match="outside the list"):
        bits.is_set(-1)


def test_a_bitstring_cannot_be_changed() -> None:
    bits = decode_list(encode_list([1]))
    with pytest.raises(AttributeError):
        bits.data = bytes(LIST_LENGTH // 8)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (SPEC_EXAMPLE[1:], "starts with 'u'"),
        ("z" + SPEC_EXAMPLE[1:], "starts with 'u'"),
        (SPEC_EXAMPLE + "==", "not unpadded base64url"),
        (SPEC_EXAMPLE[:-1] + "+", "not unpadded base64url"),
        ("uH4sI A", "not unpadded base64url"),
        ("uAAAAA", "not unpadded base64url"),
        (encoded_gzip(b"definitely not gzip data"), "not GZIP"),
        (encoded_gzip(zlib.compress(bytes(LIST_LENGTH // 8))), "not GZIP"),
        (encoded_gzip(gzip_of(bytes(LIST_LENGTH // 8))[:-12]), "truncated"),
        (encoded_gzip(gzip_of(bytes(LIST_LENGTH // 8)) + b"\x00"), "after its GZIP"),
        (encoded_gzip(gzip_of(bytes(LIST_LENGTH // 8 - 1))), "fewer than the minimum"),
        (encoded_gzip(gzip_of(b"")), "fewer than the minimum"),
        (encoded_gzip(gzip_of(bytes(MAX_LIST_BYTES + 1))), "more than"),
        ("u" + "A" * MAX_ENCODED_CHARS, "over the bound"),
    ],
)
def test_what_is_not_an_encoded_list_is_refused(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        decode_list(encoded)


def test_a_damaged_crc_is_refused() -> None:
    gzipped = bytearray(gzip_of(bytes(LIST_LENGTH // 8)))
    gzipped[-8] ^= 1
    with pytest.raises(StatusListError, match="not GZIP"):
        decode_list(encoded_gzip(bytes(gzipped)))


def test_a_list_at_the_bound_is_accepted() -> None:
    assert len(decode_list(encoded_gzip(gzip_of(bytes(MAX_LIST_BYTES))))) == MAX_LIST_BYTES * 8


def gzip_bomb(mebibytes: int, crc: int) -> bytes:
    """A real GZIP of ``mebibytes`` MiB of zeros, built without compressing them all: after
    a full flush DEFLATE starts afresh, so every further MiB compresses to the same bytes."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    final_empty_block = b"\x03\x00"
    size = (mebibytes << 20) & 0xFFFF_FFFF
    return first + again * (mebibytes - 1) + final_empty_block + struct.pack("<II", crc, size)


def test_the_bomb_builder_makes_a_real_gzip_of_zeros() -> None:
    crc = zlib.crc32(bytes(8 << 20))
    assert zlib.decompress(gzip_bomb(8, crc), wbits=31) == bytes(8 << 20)


def test_a_gzip_bomb_is_refused_quickly_without_being_inflated() -> None:
    one_gib_crc = 0x5B64C2B0
    """zlib.crc32(bytes(2**30)), computed once (half a second) rather than in every run."""
    bomb = encoded_gzip(gzip_bomb(1024, one_gib_crc))
    assert len(bomb) < 2_000_000
    started = time.perf_counter()
    with pytest.raises(StatusListError, match="more than"):
        decode_list(bomb)
    assert time.perf_counter() - started < 0.5


# --- the permutation of indexes ----------------------------------------------------------


def test_the_permutation_is_a_bijection_on_the_whole_list_and_fast() -> None:
    started = time.perf_counter()
    permutation = IndexPermutation(KEY)
    indexes = [permutation.index_of(position) for position in range(LIST_LENGTH)]
    elapsed = time.perf_counter() - started
    assert sorted(indexes) == list(range(LIST_LENGTH))
    assert elapsed < 2.0


def test_position_of_inverts_index_of() -> None:
    permutation = IndexPermutation(KEY)
    for position in [*range(2000), LIST_LENGTH - 1]:
        assert permutation.position_of(permutation.index_of(position)) == position
    for index in random.Random(3).sample(range(LIST_LENGTH), 2000):
        assert permutation.index_of(permutation.position_of(index)) == index


def test_the_first_positions_do_not_come_out_in_order() -> None:
    permutation = IndexPermutation(KEY)
    first = [permutation.index_of(position) for position in range(100)]
    assert first != sorted(first)
    # Spread over the list, not clustered at its start.
    assert max(first) > LIST_LENGTH // 2


def test_different_keys_give_different_permutations() -> None:
    one, other = IndexPermutation(KEY), IndexPermutation(KEY[::-1])
    first = [one.index_of(position) for position in range(100)]
    second = [other.index_of(position) for position in range(100)]
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 5


@pytest.mark.parametrize("size", [2, 3, 1000, 4096, 4097])
def test_sizes_that_are_not_a_power_of_four_are_permuted_by_cycle_walking(size: int) -> None:
    permutation = IndexPermutation(KEY, size)
    indexes = [permutation.index_of(position) for position in range(size)]
    assert sorted(indexes) == list(range(size))
    assert all(permutation.position_of(index) == p for p, index in enumerate(indexes))


def test_a_permutation_too_big_to_tabulate_is_computed_by_hmac_and_still_inverts() -> None:
    permutation = IndexPermutation(KEY, 2**40 + 5)
    for position in [0, 1, 2**39, 2**40 + 4]:
        index = permutation.index_of(position)
        assert 0 <= index < 2**40 + 5
        assert permutation.position_of(index) == position


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        IndexPermutation(b"fifteen bytes!!")


def test_a_position_outside_the_permutation_is_refused() -> None:
    permutation = IndexPermutation(KEY)
    with pytest.raises(ValueError, match="outside"):
        permutation.index_of(LIST_LENGTH)
    with pytest.raises(ValueError, match="outside"):
        permutation.position_of(-1)


# --- the entry and the status list credential --------------------------------------------


def test_a_status_entry_names_its_list_and_index() -> None:
    assert status_entry(LIST_URL, 94_567) == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert status_entry(LIST_URL, 1, "suspension")["statusPurpose"] == "suspension"


def test_a_status_entry_is_refused_for_an_unknown_purpose_or_a_negative_index() -> None:
    with pytest.raises(ValueError, match="purpose"):
        status_entry(LIST_URL, 1, "message")
    with pytest.raises(ValueError, match="not negative"):
        status_entry(LIST_URL, -1)


def unsigned_list(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "list_url": LIST_URL,
        "issuer": ISSUER,
        "encoded_list": encode_list([0, 42, LIST_LENGTH - 1]),
        "valid_from": datetime(
            2026, 12, 2, 15, 30, 5, 999_000, tzinfo=timezone(timedelta(hours=1))
        ),
        "ttl_ms": 300_000,
    }
    arguments.update(changes)
    return status_list_credential(**arguments)


def test_a_status_list_credential_has_the_specs_shape() -> None:
    document = unsigned_list()
    assert document["@context"] == [VC_V2]
    assert document["id"] == LIST_URL
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == ISSUER
    assert document["validFrom"] == "2026-12-02T14:30:05Z"
    assert document["credentialSubject"] == {
        "id": f"{LIST_URL}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encode_list([0, 42, LIST_LENGTH - 1]),
        "ttl": 300_000,
    }


def test_the_vc_2_context_alone_defines_every_term_of_the_list_credential() -> None:
    nquads = canonical_nquads(unsigned_list())
    assert "<https://www.w3.org/ns/credentials/status#ttl>" in nquads
    assert "<https://www.w3.org/ns/credentials/status#encodedList>" in nquads


def test_a_signed_status_list_credential_verifies_and_reads_back() -> None:
    key = Ed25519PrivateKey.generate()
    signed = create_proof(
        unsigned_list(),
        private_key=key,
        verification_method=f"{ISSUER}#z6MkStatusListKey",
        created=datetime(2026, 12, 2, 14, 31, tzinfo=UTC),
    )
    assert verify_proof(signed, key.public_key())
    purpose, bits, ttl = read_status_list_credential(signed)
    assert (purpose, bits.set_indexes(), ttl) == ("revocation", [0, 42, LIST_LENGTH - 1], 300_000)

    flipped = copy.deepcopy(signed)
    flipped["credentialSubject"]["encodedList"] = encode_list([0, 42])
    assert not verify_proof(flipped, key.public_key())


def test_the_list_credential_refuses_a_naive_time_a_bad_ttl_or_a_bad_list() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        unsigned_list(valid_from=datetime(2026, 12, 2))
    with pytest.raises(ValueError, match="milliseconds"):
        unsigned_list(ttl_ms=-1)
    with pytest.raises(StatusListError):
        unsigned_list(encoded_list="not a list")


def test_a_list_credential_without_ttl_reads_with_none() -> None:
    document = unsigned_list()
    del document["credentialSubject"]["ttl"]
    assert read_status_list_credential(document).ttl_ms is None


def reshaped(change: Any) -> dict[str, Any]:
    document = unsigned_list()
    change(document)
    return document


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}),
        lambda d: d.update({"@context": VC_V2}),
        lambda d: d.update({"type": ["VerifiableCredential"]}),
        lambda d: d.update({"credentialSubject": [d["credentialSubject"]]}),
        lambda d: d["credentialSubject"].update({"type": "StatusList2021"}),
        lambda d: d["credentialSubject"].update({"statusPurpose": "message"}),
        lambda d: d["credentialSubject"].pop("statusPurpose"),
        lambda d: d["credentialSubject"].pop("encodedList"),
        lambda d: d["credentialSubject"].update({"encodedList": "uAAAA"}),
        lambda d: d["credentialSubject"].update({"ttl": "300000"}),
        lambda d: d["credentialSubject"].update({"ttl": True}),
        lambda d: d["credentialSubject"].update({"ttl": -5}),
    ],
)
def test_a_list_credential_of_the_wrong_shape_is_refused(change: Any) -> None:
    with pytest.raises(StatusListError):
        read_status_list_credential(reshaped(change))


def test_bitstrings_are_equal_by_their_bits() -> None:
    assert Bitstring(bytes(16_384)) == decode_list(SPEC_EXAMPLE)
