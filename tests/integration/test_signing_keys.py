"""Signing keys on both stores: private halves only encrypted, bound to their row, under
the configured secret; rotation keeps old keys verifiable; a provider that may not
sign gets no key."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from composition import Process, open_process
from ledger.application.signing import rotate, signer_for
from ledger.config import DatabaseSettings, Settings, SigningSettings
from ledger.domain.values import ProviderKind
from ledger.errors import ProviderNotAccredited, ProviderNotFound
from ledger.infrastructure.did_web import public_key_from_multibase
from ledger.infrastructure.signing_keys import SigningSecretError
from ledger.policy import IRELAND
from tests.conftest import THE_AUTHORITY, new_postgres_schema
from tests.integration.scenario import accredited_provider

SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))

Opener = Callable[..., Process]


@pytest.fixture
def open_store(database: DatabaseSettings) -> Iterator[Opener]:
    """Processes on one store, each with the signing secret it is given."""
    opened: list[Process] = []

    def open_(secret: bytes | None = SECRET) -> Process:
        settings = Settings(
            database=database, policy=IRELAND, signing=SigningSettings(secret=secret)
        )
        process = open_process(settings)
        opened.append(process)
        return process

    yield open_
    for process in opened:
        process.close()


def raw_private(process: Process, owner: str) -> bytes:
    _, key = process.signing_keys.signing_key(owner)
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def test_a_private_key_is_in_no_event_and_not_in_clear_in_its_row(open_store: Opener) -> None:
    process = open_store()
    accredited_provider(process.ledger, "SETU")
    private = raw_private(process, "SETU")
    rows = process.side_tables.query("SELECT * FROM {t}signing_keys")
    assert len(rows) == 1
    row_text = repr(rows[0]).encode()
    for form in (private, private.hex().encode(), base64.b64encode(private)):
        assert form not in row_text
    assert private not in base64.b64decode(rows[0]["encrypted_private_key"])
    for notification in process.ledger.recorder.select_notifications(start=1, limit=10_000):
        assert private not in notification.state
        assert base64.b64encode(private) not in notification.state


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(open_store: Opener) -> None:
    process = open_store()
    keys = process.signing_keys
    keys.signing_key("authority")
    accredited_provider(process.ledger, "SETU")
    keys.signing_key("SETU")
    authority_row = process.side_tables.query(
        "SELECT * FROM {t}signing_keys WHERE owner = 'authority'"
    )[0]
    process.side_tables.execute(
        "UPDATE {t}signing_keys SET encrypted_private_key = ? WHERE owner = 'provider:SETU'",
        (authority_row["encrypted_private_key"],),
    )
    with pytest.raises(SigningSecretError, match="cannot be decrypted"):
        keys.signing_key("SETU")


def test_a_wrong_secret_is_a_clear_error(open_store: Opener) -> None:
    open_store(SECRET).signing_keys.signing_key("authority")
    with pytest.raises(SigningSecretError, match="LEDGER_SIGNING_KEY_SECRET is not the secret"):
        open_store(OTHER_SECRET).signing_keys.signing_key("authority")


def test_the_same_secret_reads_the_same_key_in_another_process(open_store: Opener) -> None:
    first = open_store()
    method, key = first.signing_keys.signing_key("authority")
    again_method, again = open_store().signing_keys.signing_key("authority")
    assert again_method == method
    assert raw_private(first, "authority") == again.private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    assert key.public_key() == again.public_key()


def test_rotation_keeps_the_old_key_published_until_it_was_retired(open_store: Opener) -> None:
    process = open_store()
    keys = process.signing_keys
    old_method, old_key = keys.signing_key("authority")
    new = rotate(process.ledger, keys, "authority")
    new_method, new_key = keys.signing_key("authority")

    assert new_method == new.verification_method_id != old_method
    published = keys.public_keys("authority")
    assert [k.verification_method_id for k in published] == [old_method, new_method]
    old, current = published
    assert old.valid_until is not None and current.valid_until is None
    assert old.valid_until == current.valid_from
    # Each published key is the public half of the key that signed with it.
    signature = new_key.sign(b"checkpoint")
    public_key_from_multibase(current.public_key_multibase).verify(signature, b"checkpoint")
    assert public_key_from_multibase(old.public_key_multibase) == old_key.public_key()

    today = datetime.now(UTC).date()
    assert keys.key_valid_on(old_method, today)  # current for part of today
    assert not keys.key_valid_on(old_method, today + timedelta(days=1))
    assert not keys.key_valid_on(old_method, today - timedelta(days=1))
    assert keys.key_valid_on(new_method, today + timedelta(days=400))
    assert keys.key_valid_on(old_method, old.valid_until - timedelta(microseconds=1))
    assert not keys.key_valid_on(old_method, old.valid_until)
    assert keys.key_valid_on(new_method, old.valid_until)
    assert not keys.key_valid_on(old_method.replace("#z", "#zX"), today)
    assert not keys.key_valid_on("did:web:elsewhere.example#" + old.key_id, today)


def test_an_owner_never_has_two_current_keys(open_store: Opener) -> None:
    """Two processes that both found no key and both insert one: the second insert
    meets the one-current-key index and writes nothing."""
    keys = open_store().signing_keys
    racing = keys._insert("authority"), keys._insert("authority")
    for statement in racing:
        keys._tables.execute(*statement)
    assert [len(keys.public_keys("authority"))] == [1]
    assert keys.signing_key("authority")[0].endswith(str(racing[0][1][0]))


def test_two_first_needs_make_one_key(open_store: Opener) -> None:
    first, second = open_store(), open_store()
    assert (
        first.signing_keys.signing_key("authority")[0]
        == (second.signing_keys.signing_key("authority")[0])
    )
    assert len(first.signing_keys.public_keys("authority")) == 1


@pytest.mark.parametrize("decision", ["suspend", "withdraw"])
def test_a_suspended_or_withdrawn_provider_signs_nothing_new(
    open_store: Opener, decision: str
) -> None:
    process = open_store()
    ledger, keys = process.ledger, process.signing_keys
    provider = accredited_provider(ledger, "SETU")
    method, _ = signer_for(ledger, keys, "SETU")
    decide = ledger.suspend_provider if decision == "suspend" else ledger.withdraw_provider
    decide(provider, reason="quality review", decision_reference="QQI/D/1", by=THE_AUTHORITY)

    with pytest.raises(ProviderNotAccredited, match="signs nothing new"):
        signer_for(ledger, keys, "SETU")
    with pytest.raises(ProviderNotAccredited):
        rotate(ledger, keys, "SETU")
    # What it signed before stays verifiable: its key is still published, unchanged.
    [published] = keys.public_keys("SETU")
    assert published.verification_method_id == method and published.current


def test_a_registered_provider_not_yet_accredited_gets_no_key(open_store: Opener) -> None:
    process = open_store()
    process.ledger.register_provider(
        code="NEW",
        name="New Institute",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        by=THE_AUTHORITY,
    )
    with pytest.raises(ProviderNotAccredited):
        signer_for(process.ledger, process.signing_keys, "NEW")
    with pytest.raises(ProviderNotFound, match="no provider 'NOPE'"):
        signer_for(process.ledger, process.signing_keys, "nope")
    assert process.signing_keys.all_keys() == []


# --- where the secret comes from ------------------------------------------------------
def test_the_embedded_store_makes_its_secret_file_once_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}"), policy=IRELAND
    )
    secret_file = tmp_path / "ledger.signing-secret"
    process = open_process(settings)
    try:
        assert not secret_file.exists()  # made on first need, not on opening
        method, _ = process.signing_keys.signing_key("authority")
        assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
        written = secret_file.read_bytes()
        assert len(base64.b64decode(written)) == 32
    finally:
        process.close()
    again = open_process(settings)
    try:
        assert again.signing_keys.signing_key("authority")[0] == method
        assert secret_file.read_bytes() == written
    finally:
        again.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_configured_secret_wins_over_the_file(tmp_path: Path) -> None:
    database = DatabaseSettings(url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    settings = Settings(database=database, policy=IRELAND)
    process = open_process(replace(settings, signing=SigningSettings(secret=SECRET)))
    try:
        process.signing_keys.signing_key("authority")
    finally:
        process.close()
    assert not (tmp_path / "ledger.signing-secret").exists()


@pytest.mark.postgres
def test_postgres_without_the_secret_refuses_to_make_or_use_a_key(
    postgres_database: str,
) -> None:
    database = new_postgres_schema(postgres_database)
    process = open_process(Settings(database=database, policy=IRELAND))
    try:
        with pytest.raises(SigningSecretError, match="LEDGER_SIGNING_KEY_SECRET is not set"):
            process.signing_keys.signing_key("authority")
        with pytest.raises(SigningSecretError, match="LEDGER_SIGNING_KEY_SECRET is not set"):
            process.signing_keys.rotate("authority")
        assert process.side_tables.query("SELECT * FROM {t}signing_keys") == []
        # What is published needs no secret.
        assert process.signing_keys.public_keys("authority") == []
    finally:
        process.close()


def test_the_secret_setting_is_base64_of_32_bytes() -> None:
    encoded = base64.b64encode(SECRET).decode()
    assert Settings.from_env({"LEDGER_SIGNING_KEY_SECRET": encoded}).signing.secret == SECRET
    with pytest.raises(ValueError, match="LEDGER_SIGNING_KEY_SECRET must be base64 of 32"):
        Settings.from_env({"LEDGER_SIGNING_KEY_SECRET": base64.b64encode(b"short").decode()})
    with pytest.raises(ValueError, match="LEDGER_SIGNING_KEY_SECRET must be base64"):
        Settings.from_env({"LEDGER_SIGNING_KEY_SECRET": "not base64!"})
    shown = repr(Settings.from_env({"LEDGER_SIGNING_KEY_SECRET": encoded}))
    assert encoded not in shown and repr(SECRET) not in shown
