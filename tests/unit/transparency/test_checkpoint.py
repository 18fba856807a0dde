"""Checkpoints as signed notes: what opens, and every way a note is refused."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.transparency.checkpoint import (
    BadSignature,
    Checkpoint,
    MalformedCheckpoint,
    MalformedNote,
    MalformedVerifierKey,
    NoteError,
    UnknownKey,
    checkpoint_text,
    key_id,
    open_note,
    open_note_by_any,
    parse_checkpoint,
    parse_verifier_key,
    sign_note,
    verifier_key,
)
from ledger.transparency.hashing import leaf_hash

ORIGIN = "ledger.example.gov/log"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(32))
VKEY = verifier_key(ORIGIN, KEY.public_key())
ROOT = leaf_hash(b"root")
CHECKPOINT = Checkpoint(ORIGIN, 1234, ROOT)
NOTE = sign_note(CHECKPOINT.text(), ORIGIN, KEY)


def test_a_checkpoint_is_origin_size_and_base64_root_lines() -> None:
    root64 = base64.b64encode(ROOT).decode()
    assert CHECKPOINT.text() == f"{ORIGIN}\n1234\n{root64}\n"
    assert parse_checkpoint(CHECKPOINT.text()) == CHECKPOINT


def test_the_note_is_the_text_a_blank_line_and_the_em_dash_signature_line() -> None:
    text, signature_line = NOTE.split("\n\n")
    assert text + "\n" == CHECKPOINT.text()
    dash, name, encoded = signature_line.removesuffix("\n").split(" ")
    assert (dash, name) == ("\u2014", ORIGIN)
    raw = base64.b64decode(encoded)
    assert raw[:4] == key_id(ORIGIN, KEY.public_key())
    KEY.public_key().verify(raw[4:], CHECKPOINT.text().encode())


def test_a_signed_checkpoint_opens_with_its_verifier_key() -> None:
    assert open_note(NOTE, VKEY) == CHECKPOINT
    assert open_note(NOTE.encode(), VKEY) == CHECKPOINT
    assert open_note(NOTE, parse_verifier_key(VKEY)) == CHECKPOINT


def test_extension_lines_are_kept() -> None:
    checkpoint = Checkpoint(ORIGIN, 7, ROOT, ("ext one", "ext two"))
    assert open_note(sign_note(checkpoint.text(), ORIGIN, KEY), VKEY) == checkpoint


def test_other_signers_lines_are_passed_over() -> None:
    cosigned = sign_note(CHECKPOINT.text(), "witness.example", OTHER_KEY)
    mine = NOTE.split("\n\n")[1]
    assert open_note(cosigned + mine, VKEY) == CHECKPOINT


def forged(line: str, cut: int = 0) -> str:
    """A signature line with its signature's last bit flipped, or ``cut`` bytes cut off."""
    dash, name, encoded = line.removesuffix("\n").split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    changed = bytes(raw[: len(raw) - cut])
    return f"{dash} {name} {base64.b64encode(changed).decode()}\n"


TEXT, LINE = NOTE.split("\n\n")


def test_an_altered_text_or_signature_is_a_bad_signature() -> None:
    with pytest.raises(BadSignature):
        open_note(NOTE.replace("\n1234\n", "\n1235\n"), VKEY)
    with pytest.raises(BadSignature):
        open_note(f"{TEXT}\n\n{forged(LINE)}", VKEY)
    with pytest.raises(BadSignature):
        open_note(f"{TEXT}\n\n{forged(LINE, cut=1)}", VKEY)
    with pytest.raises(BadSignature):
        # A blank line more: the text now ends with one, and that text was never signed.
        open_note(NOTE.replace("=\n\n", "=\n\n\n"), VKEY)


def test_the_first_line_by_the_trusted_key_decides_as_in_go() -> None:
    with pytest.raises(BadSignature):
        open_note(f"{TEXT}\n\n{forged(LINE)}{LINE}", VKEY)
    assert open_note(f"{TEXT}\n\n{LINE}{forged(LINE)}", VKEY) == CHECKPOINT


def test_a_note_without_the_trusted_keys_signature_is_refused() -> None:
    by_other_key = sign_note(CHECKPOINT.text(), ORIGIN, OTHER_KEY)
    with pytest.raises(UnknownKey, match=ORIGIN):
        open_note(by_other_key, VKEY)
    by_other_name = sign_note(CHECKPOINT.text(), "elsewhere.example/log", KEY)
    with pytest.raises(UnknownKey):
        open_note(by_other_name, VKEY)


def test_a_checkpoint_of_another_origin_is_refused() -> None:
    theirs = Checkpoint("elsewhere.example/log", 5, ROOT)
    note = sign_note(theirs.text(), ORIGIN, KEY)
    with pytest.raises(MalformedCheckpoint, match="elsewhere"):
        open_note(note, VKEY)
    assert open_note(note, VKEY, origin="elsewhere.example/log") == theirs


@pytest.mark.parametrize(
    ("note", "why"),
    [
        (CHECKPOINT.text(), "blank line"),
        (NOTE.removesuffix("\n"), "ends with a signature line"),
        (NOTE.replace("\u2014", "--"), "em dash"),
        (NOTE.replace("\u2014", "-"), "em dash"),
        (NOTE.replace(f"\u2014 {ORIGIN} ", f"\u2014 {ORIGIN}"), "names its key"),
        (NOTE.replace(f"\u2014 {ORIGIN} ", "\u2014  "), "names its key"),
        (NOTE.replace(f"\u2014 {ORIGIN} ", "\u2014 a+b "), "names its key"),
        (NOTE.removesuffix("=\n") + "\n", "base64"),
        (NOTE.removesuffix("\n") + "!\n", "base64"),
        (NOTE.replace("\n1234\n", "\n12\t34\n"), "control characters"),
        (NOTE + NOTE.split("\n\n")[1] * 100, "at most 100"),
        ("\ud800" + NOTE, "UTF-8"),
        (b"\xff" + NOTE.encode(), "UTF-8"),
    ],
)
def test_malformed_notes_are_refused_saying_why(note: str | bytes, why: str) -> None:
    with pytest.raises(MalformedNote, match=why):
        open_note(note, VKEY)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (f"{ORIGIN}\n1234\n", "origin, a size and a root"),
        (f"{ORIGIN}\n01234\n{base64.b64encode(ROOT).decode()}\n", "not a decimal"),
        (f"{ORIGIN}\n-1\n{base64.b64encode(ROOT).decode()}\n", "not a decimal"),
        (f"{ORIGIN}\n\uff11\n{base64.b64encode(ROOT).decode()}\n", "not a decimal"),
        (f"{ORIGIN}\n1\n{base64.b64encode(ROOT[:31]).decode()}\n", "not a base64 SHA-256"),
        (f"{ORIGIN}\n1\n{ROOT.hex()}\n", "not a base64 SHA-256"),
        (f"\n1\n{base64.b64encode(ROOT).decode()}\n", "origin line is empty"),
        (f"{ORIGIN}\n{2**64}\n{base64.b64encode(ROOT).decode()}\n", "beyond 64 bits"),
        (f"{ORIGIN}\n{'9' * 5000}\n{base64.b64encode(ROOT).decode()}\n", "not a decimal"),
        (f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\n\n", "no empty lines"),
    ],
)
def test_a_signed_text_that_is_no_checkpoint_is_refused(text: str, why: str) -> None:
    with pytest.raises(MalformedCheckpoint, match=why):
        open_note(sign_note(text, ORIGIN, KEY), VKEY)


@pytest.mark.parametrize(
    ("vkey", "why"),
    [
        (VKEY.replace("+", "-", 1), "8 hex digits"),
        (VKEY.split("+")[0], "name\\+keyid\\+key"),
        ("+" + VKEY.split("+", 1)[1], "not a key name"),
        (VKEY.replace(VKEY.split("+")[1], "00000000"), "does not match"),
        (VKEY.replace(VKEY.split("+")[1], VKEY.split("+")[1][:7]), "8 hex digits"),
        (VKEY.replace("+AQ", "+Ag"), "0x01 and a 32-byte"),
        (VKEY[:-4], "0x01 and a 32-byte"),
    ],
)
def test_malformed_verifier_keys_are_refused_saying_why(vkey: str, why: str) -> None:
    with pytest.raises(MalformedVerifierKey, match=why):
        parse_verifier_key(vkey)
    with pytest.raises(NoteError):
        open_note(NOTE, vkey)


def test_every_refusal_is_a_value_error() -> None:
    for error in (MalformedNote, UnknownKey, BadSignature, MalformedCheckpoint):
        assert issubclass(error, NoteError)
    assert issubclass(NoteError, ValueError)


def test_what_cannot_be_signed_is_not() -> None:
    with pytest.raises(ValueError, match="ends with a newline"):
        sign_note("no newline", ORIGIN, KEY)
    with pytest.raises(ValueError, match="control"):
        sign_note("a\tb\n", ORIGIN, KEY)
    for name in ("", "has space", "a+b"):
        with pytest.raises(ValueError, match="key name"):
            sign_note(CHECKPOINT.text(), name, KEY)
    with pytest.raises(ValueError, match="32 bytes"):
        checkpoint_text(ORIGIN, 1, ROOT[:5])
    for size in (-1, 2**64):
        with pytest.raises(ValueError, match="at least 0"):
            checkpoint_text(ORIGIN, size, ROOT)
    with pytest.raises(ValueError, match="origin"):
        checkpoint_text("two\nlines", 1, ROOT)


def test_a_verifier_key_id_in_upper_case_is_accepted_as_go_does() -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))
    vkey = verifier_key("x.example", other.public_key())
    name, hex_id, key = vkey.split("+", 2)
    assert hex_id == "e4f2cd45"
    assert parse_verifier_key(f"{name}+E4F2CD45+{key}") == parse_verifier_key(vkey)


def test_a_note_opens_with_whichever_of_the_logs_keys_signed_it() -> None:
    """A rotated log: checkpoints signed by the old key and by the new one both open
    with the list of its keys; a note none of them signed is refused."""
    origin = "ledger.example.gov/log"
    old, new, other = (Ed25519PrivateKey.generate() for _ in range(3))
    keys = [parse_verifier_key(verifier_key(origin, k.public_key())) for k in (old, new)]
    text = checkpoint_text(origin, 3, leaf_hash(b"x"))

    for key in (old, new):
        assert open_note_by_any(sign_note(text, origin, key), keys).size == 3
    with pytest.raises(UnknownKey):
        open_note_by_any(sign_note(text, origin, other), keys)
    with pytest.raises(UnknownKey):
        open_note_by_any(sign_note(text, origin, old), [])
