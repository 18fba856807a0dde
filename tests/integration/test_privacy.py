"""Crypto-shredding, checked below the application: the raw stored events never hold a
learner's personal data in plain text, and after erasure the key is gone from the key
table (and, as far as the store allows, from its files) while awards stay checkable."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from ledger import errors
from ledger.application import Ledger
from ledger.domain.status import AwardStatus
from ledger.domain.values import RevocationReason
from tests.conftest import THE_AUTHORITY, provider_principal
from tests.integration.scenario import issue_one, ready_to_issue
from tests.integration.store import RawStore

LEARNER = "learner-0001"
PERSONAL = {
    "name": "Aoife Ní Bhriain",
    "date_of_birth": "1998-04-17",
    "national_id": "7654321TA",
    "email": "aoife.nibhriain@example.ie",
}


def plaintext_fragments() -> list[bytes]:
    """Every value, and distinctive pieces of it, as they could appear in JSON."""
    fragments = []
    for value in PERSONAL.values():
        fragments += [value.encode(), value.lower().encode(), value.split()[0].encode()]
    return [*fragments, b"Bhriain", b"7654321", b"example.ie", b"1998-04-17"]


def test_no_event_holds_personal_data_in_plain_text(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    issue_one(ledger, setup, "R1", LEARNER)
    ledger.record_personal_data(LEARNER, PERSONAL, by=provider_principal(setup.provider))
    ledger.record_personal_data(
        LEARNER, {**PERSONAL, "email": "new@example.ie"}, by=provider_principal(setup.provider, "p")
    )
    assert ledger.read_personal_data(LEARNER, by=THE_AUTHORITY) == {
        **PERSONAL,
        "email": "new@example.ie",
    }

    events = RawStore(ledger).stored_events()
    assert any(topic.endswith("PersonalDataRecorded") for _, _, topic, _ in events)
    for _, _, topic, state in events:
        for fragment in [*plaintext_fragments(), b"new@example.ie"]:
            assert fragment not in state, (topic, fragment)


def test_the_key_lives_only_in_the_key_table(ledger: Ledger) -> None:
    setup = ready_to_issue(ledger)
    issue_one(ledger, setup, "R1", LEARNER)
    ledger.record_personal_data(LEARNER, PERSONAL, by=provider_principal(setup.provider))
    store = RawStore(ledger)
    row = store.key_row(ledger.get_learner_record(LEARNER).id)
    assert row is not None
    key, erased = row
    assert key is not None and len(key) == 32 and not erased
    for _, _, _, state in store.stored_events():
        assert key not in state


def test_after_erasure_the_data_is_unreadable_and_the_awards_stay_checkable(
    ledger: Ledger,
) -> None:
    setup = ready_to_issue(ledger)
    award_id = issue_one(ledger, setup, "R1", LEARNER)
    ledger.record_personal_data(LEARNER, PERSONAL, by=provider_principal(setup.provider))
    record_id = ledger.get_learner_record(LEARNER).id
    store = RawStore(ledger)

    ledger.erase_learner(LEARNER, reason="GDPR art. 17 request 2026-0042", by=THE_AUTHORITY)

    assert store.key_row(record_id) == (None, True)
    assert ledger.read_personal_data(LEARNER, by=THE_AUTHORITY) is None
    report = ledger.award_status(award_id)
    assert report.status is AwardStatus.VALID
    assert report.award.terms.title == "Data Analytics Fundamentals"
    ledger.revoke_award(
        award_id,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="misconduct",
        by=THE_AUTHORITY,
    )
    assert ledger.award_status(award_id).status is AwardStatus.REVOKED
    names = [type(e).__name__ for e in ledger.history(record_id)]
    assert names[-3:] == ["PersonalDataRecorded", "PersonalDataErased", "AwardRevoked"]
    for _, _, _, state in store.stored_events():
        for fragment in plaintext_fragments():
            assert fragment not in state


def test_erased_personal_data_is_not_recorded_again(ledger: Ledger) -> None:
    ledger.record_personal_data(LEARNER, PERSONAL, by=THE_AUTHORITY)
    ledger.erase_learner(LEARNER, reason="request", by=THE_AUTHORITY)
    before = ledger.recorder.max_notification_id()
    with pytest.raises(errors.PersonalDataErased):
        ledger.record_personal_data(LEARNER, PERSONAL, by=THE_AUTHORITY)
    with pytest.raises(errors.PersonalDataErased):
        ledger.erase_learner(LEARNER, reason="again", by=THE_AUTHORITY)
    assert ledger.recorder.max_notification_id() == before


def test_unknown_personal_fields_are_refused(ledger: Ledger) -> None:
    with pytest.raises(errors.MissingStandardElement, match="shoe_size"):
        ledger.record_personal_data(LEARNER, {"shoe_size": "42"}, by=THE_AUTHORITY)


def test_the_erased_key_is_gone_from_the_store_files_too(ledger: Ledger) -> None:
    """An UPDATE leaves the old row version behind (PostgreSQL: a dead tuple until
    VACUUM; SQLite: the old page in the write-ahead log until a checkpoint). Erasure
    follows up on both, so the key bytes are not left in the live table's storage."""
    ledger.record_personal_data(LEARNER, PERSONAL, by=THE_AUTHORITY)
    record_id = ledger.get_learner_record(LEARNER).id
    store = RawStore(ledger)
    row = store.key_row(record_id)
    assert row is not None and row[0] is not None
    key = row[0]
    assert key in storage_bytes(ledger)  # the check can see the key while it exists

    ledger.erase_learner(LEARNER, reason="request", by=THE_AUTHORITY)

    assert key not in storage_bytes(ledger)


def storage_bytes(ledger: Ledger) -> bytes:
    """Every byte the store holds for the key table: the PostgreSQL heap pages of
    ``learner_keys`` (read with pageinspect), or the SQLite database and WAL files."""
    database = ledger.settings.database
    if database.is_postgres:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
            table = f'"{database.schema}".learner_keys'
            pages = conn.execute(
                "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int",
                (table,),
            ).fetchone()
            assert pages is not None
            return b"".join(
                bytes(conn.execute("SELECT get_raw_page(%s, %s)", (table, n)).fetchone()[0])  # type: ignore[index]
                for n in range(int(pages[0]))
            )
    path = Path(database.sqlite_path)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_only_a_provider_that_awarded_the_learner_reads_their_personal_data(
    ledger: Ledger,
) -> None:
    setu = ready_to_issue(ledger, "SETU")
    atu = ready_to_issue(ledger, "ATU")
    issue_one(ledger, setu, "R-1")
    ledger.record_personal_data(LEARNER, PERSONAL, by=provider_principal(setu.provider))

    assert ledger.read_personal_data(LEARNER, by=provider_principal(setu.provider)) == PERSONAL
    assert ledger.read_personal_data(LEARNER, by=THE_AUTHORITY) == PERSONAL  # the authority
    with pytest.raises(errors.NotYourLearner):
        ledger.read_personal_data(LEARNER, by=provider_principal(atu.provider))
    with pytest.raises(errors.NotYourLearner):  # not LearnerNotFound: existence stays hidden
        ledger.read_personal_data("learner-unknown", by=provider_principal(atu.provider))
