"""W3C Bitstring Status List v1.0, as pure functions: the list, its positions, its credential.

A credential says where its status bit is (`status_entry`, its ``credentialStatus``); the
issuer publishes a status list credential (`status_list_credential`) whose ``encodedList``
is the multibase base64url (``u``, no padding) of the GZIP of the bitstring, index 0 being
the left-most (most significant) bit of the first byte (https://www.w3.org/TR/vc-bitstring-status-list/).

- `encode_list` / `decode_list`: the bits and their ``encodedList`` text. Different gzip
  implementations write different text for the same bits, so lists are compared by their
  decoded bits (`Bitstring`), never by text. Decoding is bounded (`MAX_LIST_BYTES`): a gzip
  bomb is refused without being inflated past the bound. A list shorter than the spec's
  minimum (`LIST_LENGTH`) is refused, which the npm verifier does not check.
- `IndexPermutation`: where the n-th credential of a list puts its bit. The spec wants
  indexes allocated at random, so that a bit does not tell which credential (or when it was
  issued) it belongs to. A keyed pseudorandom permutation gives that from a plain counter:
  position n (0, 1, 2, ... as the database counts) maps to ``index_of(n)``, never the same
  index twice (it is a bijection), unlinkable to issue order without the key, in O(1)
  memory, with no table of used indexes to keep or to race on.
- `read_status_list_credential`: a status list credential's shape checked and its list
  decoded. Its proof is the caller's check (`data_integrity.verify_proof`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ledger.credentials.documents import VC_V2

LIST_LENGTH = 131_072
"""The spec's minimum number of entries (16 KiB of bits), so that a list hides its members."""
MAX_LIST_BYTES = 2 * 1024 * 1024
"""The largest decompressed list accepted: 2 MiB, 16,777,216 bits, 128 minimum lists."""
MAX_ENCODED_CHARS = 4 * MAX_LIST_BYTES
"""The longest ``encodedList`` text accepted; even incompressible bits under the decompressed
bound (gzip adds a few bytes per 16 kB, base64 a third) stay well below it."""

PURPOSES = ("revocation", "suspension")
"""The single-bit purposes this ledger publishes (``message`` lists need more bits per entry)."""
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
CREDENTIAL_TYPE = "BitstringStatusListCredential"

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_GZIP = 31
"""zlib's ``wbits`` for a GZIP wrapper (a header and a CRC-32 trailer) around DEFLATE."""


class StatusListError(ValueError):
    """An ``encodedList`` or a status list credential that cannot be read as a status list."""


@dataclass(frozen=True, slots=True)
class Bitstring:
    """A decoded status list: immutable bits, index 0 the left-most bit of the first byte."""

    data: bytes

    def __len__(self) -> int:
        return len(self.data) * 8

    def is_set(self, index: int) -> bool:
        """Whether the bit at ``index`` is set; an index outside the list is an error."""
        if not 0 <= index < len(self):
            raise StatusListError(f"the index {index} is outside the list of {len(self)} bits")
        return bool(self.data[index >> 3] & (0x80 >> (index & 7)))

    def set_indexes(self) -> list[int]:
        """Every set index, in increasing order."""
        return [
            byte_index * 8 + bit
            for byte_index, byte in enumerate(self.data)
            if byte
            for bit in range(8)
            if byte & (0x80 >> bit)
        ]


def bits_of(set_indexes: Iterable[int], length: int = LIST_LENGTH) -> Bitstring:
    """The ``length``-bit list with exactly ``set_indexes`` set."""
    if length < LIST_LENGTH or length % 8:
        raise ValueError(
            f"a status list has a multiple of 8 bits, at least {LIST_LENGTH}: not {length}"
        )
    data = bytearray(length // 8)
    for index in set_indexes:
        if not 0 <= index < length:
            raise ValueError(f"the index {index} is outside the list of {length} bits")
        data[index >> 3] |= 0x80 >> (index & 7)
    return Bitstring(bytes(data))


def encode_list(set_indexes: Iterable[int], length: int = LIST_LENGTH) -> str:
    """The ``encodedList`` of the ``length``-bit list with exactly ``set_indexes`` set.

    The same bits give the same text from this code (zlib writes mtime 0), but not
    necessarily from another gzip: compare decoded bits.
    """
    return encode_bits(bits_of(set_indexes, length))


def encode_bits(bits: Bitstring) -> str:
    """The ``encodedList`` of ``bits``: ``u`` + base64url (no padding) of their GZIP."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, _GZIP)
    gzipped = compressor.compress(bits.data) + compressor.flush()
    return "u" + base64.urlsafe_b64encode(gzipped).decode("ascii").rstrip("=")


def decode_list(encoded: str) -> Bitstring:
    """The bits of an ``encodedList``, refusing (`StatusListError`) what is not one: no
    ``u`` prefix, bad base64url, not a whole GZIP stream, more than `MAX_LIST_BYTES`
    decompressed (never inflated past that), or fewer than `LIST_LENGTH` bits."""
    return Bitstring(_gunzip_bounded(_multibase_base64url(encoded)))


def _multibase_base64url(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("an encodedList is multibase base64url: it starts with 'u'")
    if len(encoded) > MAX_ENCODED_CHARS:
        raise StatusListError(
            f"the encodedList is {len(encoded)} characters, over the bound of {MAX_ENCODED_CHARS}"
        )
    text = encoded[1:]
    # Multibase 'u' is unpadded; a length of 1 mod 4 is no whole byte.
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise StatusListError("the encodedList is not unpadded base64url after its 'u'")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise StatusListError(f"the encodedList is not base64url: {error}") from error


def _gunzip_bounded(gzipped: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=_GZIP)
    try:
        # One byte more than the bound is enough to know the bound is passed; the rest is
        # left compressed in `unconsumed_tail`.
        data = decompressor.decompress(gzipped, MAX_LIST_BYTES + 1)
    except zlib.error as error:
        raise StatusListError(f"the encodedList is not GZIP: {error}") from error
    if len(data) > MAX_LIST_BYTES:
        raise StatusListError(
            f"the encodedList decompresses to more than {MAX_LIST_BYTES} bytes, the bound"
        )
    if not decompressor.eof:
        raise StatusListError("the encodedList is a truncated GZIP stream")
    if decompressor.unused_data:
        raise StatusListError("the encodedList has bytes after its GZIP stream")
    if len(data) * 8 < LIST_LENGTH:
        raise StatusListError(
            f"the list has {len(data) * 8} bits, fewer than the minimum of {LIST_LENGTH}"
        )
    return data


class IndexPermutation:
    """A keyed pseudorandom permutation of [0, size): list position -> published index.

    A balanced Feistel network over ``2h`` bits (the least even number of bits that covers
    ``size``), `ROUNDS` rounds, each round function HMAC-SHA256 keyed by ``key`` over
    (size, round, half) truncated to ``h`` bits; outputs of ``size`` or more are encrypted
    again (cycle-walking), which keeps a bijection on [0, size). Any Feistel network is a
    permutation whatever its round function, so "never reused" holds by construction, not
    by a pseudorandomness argument; the key only makes the order unpredictable.

    For halves of up to `TABULATED_HALF_BITS` bits (lists up to 2**24 entries) each round
    function is computed once for every half value at construction (for 2**17: 10 rounds
    of 512 HMACs), so that a position costs table look-ups, not HMACs.
    """

    ROUNDS = 10
    """More than Luby-Rackoff's 4, as a small domain (9-bit halves for 2**17) needs."""
    MIN_KEY_BYTES = 16
    TABULATED_HALF_BITS = 12

    def __init__(self, key: bytes, size: int = LIST_LENGTH) -> None:
        if len(key) < self.MIN_KEY_BYTES:
            raise ValueError(f"the permutation key must be at least {self.MIN_KEY_BYTES} bytes")
        if size < 2:
            raise ValueError(f"a permutation needs at least 2 positions, not {size}")
        self.size = size
        bits = (size - 1).bit_length()
        self._half_bits = (bits + 1) // 2
        self._mask = (1 << self._half_bits) - 1
        self._mac = hmac.new(key, b"ledger status list index permutation v1", hashlib.sha256)
        self._mac.update(size.to_bytes(8, "big"))
        self._tables: list[list[int]] | None = None
        if self._half_bits <= self.TABULATED_HALF_BITS:
            self._tables = [
                [self._hmac_round(round_, half) for half in range(1 << self._half_bits)]
                for round_ in range(self.ROUNDS)
            ]

    def index_of(self, position: int) -> int:
        """The published index of list position ``position``."""
        value = self._check(position, "position")
        value = self._encrypt(value)
        while value >= self.size:
            value = self._encrypt(value)
        return value

    def position_of(self, index: int) -> int:
        """The list position whose published index is ``index`` (the inverse of `index_of`)."""
        value = self._check(index, "index")
        value = self._decrypt(value)
        while value >= self.size:
            value = self._decrypt(value)
        return value

    def _check(self, value: int, what: str) -> int:
        if not 0 <= value < self.size:
            raise ValueError(f"the {what} {value} is outside [0, {self.size})")
        return value

    def _encrypt(self, value: int) -> int:
        left, right = value >> self._half_bits, value & self._mask
        for round_ in range(self.ROUNDS):
            left, right = right, left ^ self._round(round_, right)
        return (left << self._half_bits) | right

    def _decrypt(self, value: int) -> int:
        left, right = value >> self._half_bits, value & self._mask
        for round_ in reversed(range(self.ROUNDS)):
            left, right = right ^ self._round(round_, left), left
        return (left << self._half_bits) | right

    def _round(self, round_: int, half: int) -> int:
        if self._tables is not None:
            return self._tables[round_][half]
        return self._hmac_round(round_, half)

    def _hmac_round(self, round_: int, half: int) -> int:
        mac = self._mac.copy()
        mac.update(round_.to_bytes(1, "big") + half.to_bytes(8, "big"))
        return int.from_bytes(mac.digest()[:8], "big") & self._mask


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A credential's ``credentialStatus``: its bit ``index`` in the list at ``list_url``."""
    _check_purpose(purpose)
    if index < 0:
        raise ValueError(f"a status list index is not negative: {index}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str,
    encoded_list: str,
    valid_from: datetime,
    ttl_ms: int,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """The unsigned status list credential publishing ``encoded_list`` at ``list_url``.

    The VC 2.0 context defines every term used (``ttl`` included, in the scoped context of
    ``BitstringStatusList``), so the status list context is not needed.
    """
    _check_purpose(purpose)
    if valid_from.tzinfo is None:
        raise ValueError("valid_from must be timezone-aware")
    if isinstance(ttl_ms, bool) or ttl_ms < 0:
        raise ValueError(f"ttl is a number of milliseconds, not {ttl_ms!r}")
    decode_list(encoded_list)
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": LIST_TYPE,
            "statusPurpose": purpose,
            "encodedList": encoded_list,
            "ttl": ttl_ms,
        },
    }


class StatusList(NamedTuple):
    """What a status list credential publishes."""

    purpose: str
    bits: Bitstring
    ttl_ms: int | None
    """None when the credential gives no ``ttl`` (the spec makes it optional)."""


def read_status_list_credential(document: Mapping[str, Any]) -> StatusList:
    """The purpose, bits and ttl of a status list credential, its shape checked
    (`StatusListError` for a wrong one). Its proof is not checked here."""
    context = document.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2:
        raise StatusListError(f"a status list credential's @context starts with {VC_V2}")
    if not _has_type(document.get("type"), "VerifiableCredential", CREDENTIAL_TYPE):
        raise StatusListError(f"the document is not typed a {CREDENTIAL_TYPE}")
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping) or not _has_type(subject.get("type"), LIST_TYPE):
        raise StatusListError(f"the credentialSubject is not one {LIST_TYPE}")
    purpose = subject.get("statusPurpose")
    if purpose not in PURPOSES:
        raise StatusListError(f"the statusPurpose {purpose!r} is not one of {PURPOSES}")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("the credentialSubject has no encodedList text")
    ttl = subject.get("ttl")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0):
        raise StatusListError(f"the ttl is a number of milliseconds, not {ttl!r}")
    return StatusList(purpose, decode_list(encoded), ttl)


def _has_type(value: Any, *wanted: str) -> bool:
    types = value if isinstance(value, list) else [value]
    return all(type_ in types for type_ in wanted)


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"the status purpose {purpose!r} is not one of {PURPOSES}")
