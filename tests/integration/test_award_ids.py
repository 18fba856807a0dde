"""Award ids are random; the provider's own reference still names one award, also when
two processes issue it at once and in a store written before ids were random."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

import psycopg
import pytest

from ledger import errors
from ledger.application import BatchRejected, Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain import ids
from ledger.domain.learner_record import LearnerRecord
from ledger.policy import IRELAND
from tests.conftest import (
    PROVIDER_ACTOR,
    Clock,
    assessment,
    new_postgres_schema,
    provider_principal,
)
from tests.integration.scenario import Setup, ready_to_issue, request
from tests.integration.test_concurrent_writers import before_first_write, event_names

MakeLedger = Callable[..., Ledger]


def formula_id(provider: uuid.UUID, reference: str) -> uuid.UUID:
    """The id an award used to get: computable by anyone from public facts."""
    return uuid.uuid5(ids.LEDGER_NAMESPACE, f"award:{provider}:{reference.strip()}")


def another_store(database: DatabaseSettings, tmp_path: Path) -> DatabaseSettings:
    if database.is_postgres:
        return new_postgres_schema(database.url)
    return DatabaseSettings(url=f"sqlite:///{tmp_path / 'other.sqlite3'}")


def awards_named(ledger: Ledger, reference: str, learners: list[str]) -> list[uuid.UUID]:
    found = []
    for learner in learners:
        try:
            record = ledger.get_learner_record(learner)
        except errors.LearnerNotFound:
            continue
        found += [a.award_id for a in record.awards.values() if a.provider_reference == reference]
    return found


def test_an_award_id_is_random_and_not_the_name_of_its_reference(
    make_ledger: MakeLedger, database: DatabaseSettings, tmp_path: Path, clock: Clock
) -> None:
    ledger = make_ledger()
    setup = ready_to_issue(ledger)
    other = Ledger(
        Settings(database=another_store(database, tmp_path), policy=IRELAND), clock=clock
    )
    try:
        other_setup = ready_to_issue(other)
        assert other_setup.provider == setup.provider  # the same public provider code
        mine = ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "2026-DA101-000042"),
            by=provider_principal(setup.provider, "p"),
        ).awards[0]
        theirs = other.issue_award(
            provider_id=setup.provider,
            request=request(other_setup, "2026-DA101-000042"),
            by=provider_principal(setup.provider, "p"),
        ).awards[0]
    finally:
        other.close()

    assert mine.award_id != formula_id(setup.provider, "2026-DA101-000042")
    assert mine.award_id.version == 4
    assert mine.award_id != theirs.award_id
    # The ledger still finds the award by the provider's reference.
    assert ledger.find_award(setup.provider, " 2026-DA101-000042 ") == mine.award_id
    assert ledger.find_award(setup.provider, "2026-DA101-000043") is None


def test_the_same_reference_issued_at_once_for_two_learners_is_one_award(
    make_ledger: MakeLedger,
) -> None:
    """Two processes, two learners, one reference: the learners' records do not collide,
    so only the award index's one (provider, reference) row can stop the second."""
    a, b = make_ledger(), make_ledger()
    setup = ready_to_issue(a)
    attempts = before_first_write(
        b,
        lambda: a.issue_award(
            provider_id=setup.provider,
            request=request(setup, "N1", "learner-a"),
            by=provider_principal(setup.provider, "p"),
        ),
    )

    with pytest.raises(BatchRejected) as refused:
        b.issue_award(
            provider_id=setup.provider,
            request=request(setup, "N1", "learner-b"),
            by=provider_principal(setup.provider, "p"),
        )

    assert isinstance(refused.value.failures[0].error, errors.ProviderReferenceConflict)
    assert len(attempts) == 1  # the write conflicted; the retry found A's award and refused
    assert len(awards_named(a, "N1", ["learner-a", "learner-b"])) == 1
    with pytest.raises(errors.LearnerNotFound):
        a.get_learner_record("learner-b")


def test_the_same_prior_learning_recognised_at_once_for_two_learners_is_one_award(
    make_ledger: MakeLedger,
) -> None:
    a, b = make_ledger(), make_ledger()
    setup = ready_to_issue(a)

    def recognise(ledger: Ledger, learner: str) -> object:
        return ledger.recognise_prior_learning(
            provider_id=setup.provider,
            request=request(setup, "P1", learner),
            evidence="a portfolio",
            by=provider_principal(setup.provider),
        )

    before_first_write(b, lambda: recognise(a, "learner-a"))
    with pytest.raises(errors.ConcurrentUpdate):
        recognise(b, "learner-b")
    with pytest.raises(errors.ProviderReferenceConflict):
        recognise(b, "learner-b")  # the provider's retry
    assert len(awards_named(a, "P1", ["learner-a", "learner-b"])) == 1


def test_the_same_award_issued_at_once_to_one_learner_is_issued_once(
    make_ledger: MakeLedger,
) -> None:
    a, b = make_ledger(), make_ledger()
    setup = ready_to_issue(a)
    mine = request(setup, "N1", "learner-a")
    first = a.issue_award(
        provider_id=setup.provider,
        request=request(setup, "N0", "learner-a"),
        by=provider_principal(setup.provider, "p"),
    )
    assert first.awards[0].created
    before_first_write(
        b,
        lambda: a.issue_award(
            provider_id=setup.provider, request=mine, by=provider_principal(setup.provider, "p")
        ),
    )

    receipt = b.issue_award(
        provider_id=setup.provider, request=mine, by=provider_principal(setup.provider, "p")
    )

    assert not receipt.awards[0].created
    assert receipt.awards[0].award_id == a.find_award(setup.provider, "N1")
    assert event_names(a, "learner-a") == ["Opened", "AwardIssued", "AwardIssued"]


# --- a store written before award ids were random --------------------------------------
OLD_AWARD_INDEX = (
    "CREATE TABLE {schema}award_index (award_id {uuid} PRIMARY KEY, "
    "learner_record_id {uuid} NOT NULL, provider_id {uuid} NOT NULL)"
)


def run_sql(database: DatabaseSettings, *statements: tuple[str, tuple[object, ...]]) -> None:
    if database.is_postgres:
        with psycopg.connect(database.url, autocommit=True) as conn:
            for statement, params in statements:
                text = statement.replace("{schema}", f'"{database.schema}".')
                conn.execute(text.replace("{uuid}", "uuid").replace("?", "%s"), params)  # type: ignore[call-overload]
        return
    with closing(sqlite3.connect(database.sqlite_path, isolation_level=None)) as conn:
        for statement, params in statements:
            text = statement.replace("{schema}", "").replace("{uuid}", "TEXT")
            conn.execute(text, [p.hex if isinstance(p, uuid.UUID) else p for p in params])


def old_store(ledger: Ledger, setup: Setup) -> dict[str, uuid.UUID]:
    """Awards as the code before the fix wrote them: name-based ids, and an award index
    without references."""
    written: dict[str, uuid.UUID] = {}
    rows: list[tuple[str, tuple[object, ...]]] = [
        ("DROP TABLE {schema}award_index", ()),
        (OLD_AWARD_INDEX, ()),
    ]
    for learner, reference, prior in (("old-1", "OLD-1", False), ("old-2", "OLD-2", True)):
        record = LearnerRecord.open(learner_id=learner, actor=PROVIDER_ACTOR)
        credential = ledger.get_micro_credential(setup.credential)
        award_id = formula_id(setup.provider, reference)
        common = {
            "award_id": award_id,
            "terms": ledger._terms(credential),
            "provider_reference": reference,
            "assessment": assessment(),
            "issued_on": date.today(),
            "expires_on": None,
            "actor": PROVIDER_ACTOR,
        }
        if prior:
            record.recognise_prior_learning(evidence="a portfolio", **common)  # type: ignore[arg-type]
        else:
            record.issue(**common)  # type: ignore[arg-type]
        ledger.save(record)
        rows.append(
            (
                "INSERT INTO {schema}award_index VALUES (?, ?, ?)",
                (award_id, record.id, setup.provider),
            )
        )
        written[reference] = award_id
    run_sql(ledger.settings.database, *rows)
    return written


def test_a_store_written_before_random_ids_is_upgraded_and_its_awards_stay_idempotent(
    make_ledger: MakeLedger,
) -> None:
    before_upgrade = make_ledger()
    setup = ready_to_issue(before_upgrade)
    old = old_store(before_upgrade, setup)
    before_upgrade.close()

    ledger = make_ledger()  # the new code starts on the old store
    position = ledger.recorder.max_notification_id()

    again = ledger.issue_award(
        provider_id=setup.provider,
        request=request(setup, "OLD-1", "old-1"),
        by=provider_principal(setup.provider, "p"),
    ).awards[0]
    prior_again = ledger.recognise_prior_learning(
        provider_id=setup.provider,
        request=request(setup, "OLD-2", "old-2"),
        evidence="a portfolio",
        by=provider_principal(setup.provider, "p"),
    ).awards[0]

    assert (again.award_id, again.created) == (old["OLD-1"], False)
    assert (prior_again.award_id, prior_again.created) == (old["OLD-2"], False)
    assert ledger.recorder.max_notification_id() == position
    with pytest.raises(BatchRejected) as refused:
        ledger.issue_award(
            provider_id=setup.provider,
            request=request(setup, "OLD-1", "someone-else"),
            by=provider_principal(setup.provider, "p"),
        )
    assert isinstance(refused.value.failures[0].error, errors.ProviderReferenceConflict)
    # Old awards keep their ids; new ones are random.
    new = ledger.issue_award(
        provider_id=setup.provider,
        request=request(setup, "NEW-1", "old-1"),
        by=provider_principal(setup.provider, "p"),
    ).awards[0]
    assert new.created and new.award_id.version == 4
    assert ledger.award_status(old["OLD-1"]).award.provider_reference == "OLD-1"
    # A second start finds the store upgraded and changes nothing.
    make_ledger()
    assert ledger.find_award(setup.provider, "OLD-2") == old["OLD-2"]
