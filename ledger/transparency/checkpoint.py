"""Checkpoints (C2SP tlog-checkpoint) signed as C2SP signed notes with Ed25519.

A checkpoint is the text ``<origin>\\n<size>\\n<base64 root>\\n`` (optionally followed by
extension lines) naming one tree. The authority signs it as a signed note
(https://c2sp.org/signed-note): the text, a blank line, then one line per signature,
``— <name> <base64(key ID || signature)>``, the em dash U+2014 and a space first. The key
ID is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), 0x01 naming
Ed25519. Verifier keys are Go's golang.org/x/mod/sumdb/note format,
``<name>+<hex key ID>+<base64(0x01 || public key)>``.

Opening a note follows Go's ``note.Open``: the text is everything up to the last blank
line, the first signature by the given key decides (one that does not verify refuses the
whole note), signatures by other keys are passed over, and a note with none by the given
key is refused.
Ed25519 is deterministic, so the same text and key always give the same note.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.transparency.hashing import HASH_SIZE

ALGORITHM_ED25519 = 0x01
SIGNATURE_PREFIX = "— "
"""U+2014 EM DASH and a space: how every signature line starts."""
MAX_SIGNATURES = 100
"""Go's note.Open refuses notes with more signature lines than this."""

MAX_TREE_SIZE = 1 << 64
"""C2SP sizes are unsigned 64-bit numbers."""

_KEY_ID_SIZE = 4
_ED25519_KEY_SIZE = 32
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A signed note, checkpoint or verifier key that cannot be accepted."""


class MalformedNote(NoteError):
    """Not a signed note at all: the text, the blank line or a signature line is wrong."""


class UnknownKey(NoteError):
    """No signature on the note is by the key the caller trusts."""


class BadSignature(NoteError):
    """A signature by the trusted key that does not verify: the note is forged or altered."""


class MalformedCheckpoint(NoteError):
    """A correctly signed text that is not a checkpoint (or not of the expected log)."""


class MalformedVerifierKey(NoteError):
    """A verifier key that is not ``name+keyid+base64(0x01 || key)`` or does not add up."""


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement of the log: its origin, a tree size and that tree's root."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The checkpoint body, ready to sign."""
        return checkpoint_text(self.origin, self.size, self.root, self.extensions)


@dataclass(frozen=True)
class Verifier:
    """A parsed verifier key: whose it is, its key ID and the Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


def checkpoint_text(origin: str, size: int, root: bytes, extensions: tuple[str, ...] = ()) -> str:
    """``<origin>\\n<size>\\n<base64 root>\\n`` and one line per extension."""
    if not origin or _has_control(origin) or origin != origin.strip():
        raise ValueError("a checkpoint origin is one non-empty line without edge spaces")
    if not 0 <= size < MAX_TREE_SIZE:
        raise ValueError(f"a tree size is at least 0 and below 2**64, not {size}")
    if len(root) != HASH_SIZE:
        raise ValueError(f"a root is {HASH_SIZE} bytes, not {len(root)}")
    if any(not line or _has_control(line) for line in extensions):
        raise ValueError("an extension is one non-empty line")
    lines = [origin, str(size), base64.b64encode(root).decode("ascii"), *extensions]
    return "".join(f"{line}\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint a (verified) note text states; MalformedCheckpoint if it is not one."""
    if not text.endswith("\n"):
        raise MalformedCheckpoint("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedCheckpoint("a checkpoint has an origin, a size and a root line")
    origin, raw_size, raw_root, *extensions = lines
    if not origin:
        raise MalformedCheckpoint("the checkpoint's origin line is empty")
    if _DECIMAL.fullmatch(raw_size) is None or len(raw_size) > 20:
        raise MalformedCheckpoint(f"the tree size {raw_size!r} is not a decimal number")
    if int(raw_size) >= MAX_TREE_SIZE:
        raise MalformedCheckpoint(f"the tree size {raw_size} is beyond 64 bits")
    root = _decode_base64(raw_root)
    if root is None or len(root) != HASH_SIZE:
        raise MalformedCheckpoint(f"the root {raw_root!r} is not a base64 SHA-256 hash")
    if any(not line for line in extensions):
        raise MalformedCheckpoint("a checkpoint has no empty lines")
    return Checkpoint(origin, int(raw_size), root, tuple(extensions))


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    material = name.encode("utf-8") + b"\n" + bytes([ALGORITHM_ED25519]) + _raw(public_key)
    return hashlib.sha256(material).digest()[:_KEY_ID_SIZE]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key to publish: ``name+hexkeyid+base64(0x01 || public key)``."""
    _check_name(name)
    encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + _raw(public_key)).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> Verifier:
    """The key a verifier key names, checked against its own key ID."""
    # The name and the ID hold no "+"; the base64 key may.
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise MalformedVerifierKey("a verifier key is name+keyid+key")
    name, hex_id, encoded = parts
    if not _is_valid_name(name):
        raise MalformedVerifierKey(f"{name!r} is not a key name")
    # Go's note reads the ID with ParseUint, so upper case is as good as lower.
    if re.fullmatch(r"[0-9a-fA-F]{8}", hex_id) is None:
        raise MalformedVerifierKey("a verifier key's ID is 8 hex digits")
    raw = _decode_base64(encoded)
    if raw is None or len(raw) != 1 + _ED25519_KEY_SIZE or raw[0] != ALGORITHM_ED25519:
        raise MalformedVerifierKey("the key is not base64 of 0x01 and a 32-byte Ed25519 key")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key).hex() != hex_id.lower():
        raise MalformedVerifierKey("the verifier key's ID does not match its name and key")
    return Verifier(name, bytes.fromhex(hex_id), public_key)


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """``text``, a blank line and the signature line of ``name``'s key over ``text``."""
    _check_name(name)
    if not text.endswith("\n") or _has_control(text.replace("\n", "")):
        raise ValueError("a note's text ends with a newline and has no control characters")
    signature = private_key.sign(text.encode("utf-8"))
    encoded = base64.b64encode(key_id(name, private_key.public_key()) + signature)
    return f"{text}\n{SIGNATURE_PREFIX}{name} {encoded.decode('ascii')}\n"


def open_note(
    note: str | bytes, verifier: Verifier | str, *, origin: str | None = None
) -> Checkpoint:
    """The checkpoint of a note signed by ``verifier``'s key, or a NoteError saying why not.

    The checkpoint's origin must be ``origin``, by default the verifier's key name (a log
    signs its checkpoints under its origin, so a checkpoint of another log signed with
    the same key is refused too).
    """
    trusted = parse_verifier_key(verifier) if isinstance(verifier, str) else verifier
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note is UTF-8 text") from None
    text, signatures = _split_note(note)
    # Others' signatures (a witness's, a key this caller does not trust) are passed over;
    # as in Go, the first line by the trusted key decides and later ones are not read.
    mine = [sig for name, kid, sig in signatures if (name, kid) == (trusted.name, trusted.key_id)]
    if not mine:
        raise UnknownKey(f"the note has no signature by {trusted.name}+{trusted.key_id.hex()}")
    try:
        trusted.public_key.verify(mine[0], text.encode("utf-8"))
    except InvalidSignature:
        raise BadSignature(f"the signature of {trusted.name} does not verify") from None
    checkpoint = parse_checkpoint(text)
    expected = trusted.name if origin is None else origin
    if checkpoint.origin != expected:
        raise MalformedCheckpoint(
            f"the checkpoint is of {checkpoint.origin!r}, not of {expected!r}"
        )
    return checkpoint


def open_note_by_any(note: str | bytes, verifiers: Sequence[Verifier]) -> Checkpoint:
    """`open_note` with the first of ``verifiers`` that opens it (a log's checkpoints,
    signed by whichever of its keys was current); the first key's NoteError if none."""
    refusals: list[NoteError] = []
    for verifier in verifiers:
        try:
            return open_note(note, verifier)
        except NoteError as refusal:
            refusals.append(refusal)
    raise refusals[0] if refusals else UnknownKey("no key to check the note's signature with")


def _split_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The signed text and the (name, key ID, signature) of every signature line."""
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNote("a note is UTF-8 text") from None
    if _has_control(note.replace("\n", "")):
        raise MalformedNote("a note has no control characters but newlines")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("a note has a blank line between its text and its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNote("a note ends with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"a note has at most {MAX_SIGNATURES} signatures")
    return text, [_signature_line(line) for line in lines]


def _signature_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNote(f"a signature line starts with an em dash and a space: {line!r}")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space or not _is_valid_name(name):
        raise MalformedNote(f"a signature line names its key: {line!r}")
    raw = _decode_base64(encoded)
    if raw is None or len(raw) <= _KEY_ID_SIZE:
        raise MalformedNote(f"a signature is base64 of a key ID and the signature: {line!r}")
    return name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:]


def _decode_base64(value: str) -> bytes | None:
    """Standard padded base64 in its one canonical spelling, or None."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == value else None


def _is_valid_name(name: str) -> bool:
    # Go's note: non-empty, no Unicode space, no "+" (the verifier key's separator).
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() for c in name)
        and (not _has_control(name))
    )


def _check_name(name: str) -> None:
    if not _is_valid_name(name):
        raise ValueError(f"{name!r} is not a key name: non-empty, no spaces, no '+'")


def _has_control(text: str) -> bool:
    # Go's note refuses the C0 controls only (DEL and C1 pass, as there).
    return any(ord(c) < 0x20 for c in text)


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes_raw()
