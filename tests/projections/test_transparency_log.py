"""The tamper-evident log on both stores: every event a leaf, in log order, exactly once;
checkpoints signed and each consistent with the last; and a direct UPDATE, DELETE or
INSERT of a stored event row found by recomputing the tree, with its position."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.application import Ledger
from ledger.config import Settings
from ledger.policy import IRELAND
from ledger.transparency.checkpoint import open_note, parse_verifier_key, verifier_key
from ledger.transparency.hashing import leaf_hash, root_of
from ledger.transparency.leaves import event_leaf
from ledger.transparency.tree import consistency_proof, verify_consistency
from projections.dialect import Dialect, make_dialect
from projections.tlog.appender import LogAppender, StaticSigner
from projections.tlog.store import LogStore, SqlHashes
from projections.tlog.verify import verify_log
from tests.conftest import new_postgres_schema
from tests.projections.conftest import make_world

ORIGIN = "ledger.example.gov/log"
TOP_HASH = (
    "UPDATE {s}tlog_hashes SET hash = ? WHERE level = (SELECT MAX(level) FROM {s}tlog_hashes)"
)
KEY = Ed25519PrivateKey.generate()
VERIFIER = parse_verifier_key(verifier_key(ORIGIN, KEY.public_key()))


def appender(ledger: Ledger, d: Dialect | None = None, **kwargs: Any) -> LogAppender:
    return LogAppender(
        ledger.recorder, d or make_dialect(ledger), signer=StaticSigner(ORIGIN, KEY), **kwargs
    )


def events_table(d: Dialect, ledger: Ledger) -> str:
    name = str(ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    return name if d.name == "sqlite" or "." in name else d.prefix + name


def position_column(d: Dialect) -> str:
    return "rowid" if d.name == "sqlite" else "notification_id"


def leaves_of_the_event_store(ledger: Ledger) -> list[bytes]:
    """Recomputed here from eventsourcing's own reading of the log."""
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    return [
        leaf_hash(event_leaf(n.id, n.originator_id, n.originator_version, n.topic, n.state))
        for n in notifications
    ]


def test_every_event_becomes_a_leaf_in_log_order_and_a_checkpoint_signs_the_root(
    ledger: Ledger,
) -> None:
    world = make_world(ledger)
    world.issue("L-1", "R-1")
    log = appender(ledger, page_size=3)

    appended = log.catch_up()

    leaves = leaves_of_the_event_store(ledger)
    assert appended == len(leaves) > 3
    checkpoint = log.store.latest_checkpoint()
    assert checkpoint is not None
    opened = open_note(checkpoint.note, VERIFIER)
    assert (opened.origin, opened.size, opened.root) == (ORIGIN, len(leaves), root_of(leaves))
    assert log.catch_up() == 0
    assert len(log.store.checkpoints()) == 1  # nothing new: no new checkpoint


def test_each_new_checkpoint_is_consistent_with_the_last(ledger: Ledger) -> None:
    world = make_world(ledger)
    log = appender(ledger)
    log.catch_up()
    world.issue("L-1", "R-1")
    world.issue("L-2", "R-2")
    log.catch_up()

    first, second = log.store.checkpoints()
    assert first.size < second.size
    with log.d.read() as cursor:
        proof = consistency_proof(first.size, second.size, SqlHashes(log.d, cursor))
    assert verify_consistency(first.size, second.size, first.root, second.root, proof)
    assert verify_log(ledger.recorder, log.d, [VERIFIER]).intact


def test_two_appenders_at_once_append_each_event_once(ledger: Ledger) -> None:
    world = make_world(ledger)
    for n in range(30):
        world.issue(f"L-{n}", f"R-{n}")
    d = make_dialect(ledger)
    logs = [appender(ledger, d, page_size=7) for _ in range(2)]
    errors: list[BaseException] = []

    def run(log: LogAppender) -> None:
        try:
            for _ in range(50):
                log.append_page()
        except Exception as error:  # an appender losing the race may fail; none may duplicate
            errors.append(error)

    threads = [threading.Thread(target=run, args=(log,)) for log in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logs[0].catch_up()

    leaves = leaves_of_the_event_store(ledger)
    state = LogStore(d).current_state()
    assert state.size == len(leaves)
    with d.read() as cursor:
        stored = SqlHashes(d, cursor).read_hashes([(0, i) for i in range(len(leaves))])
    assert stored == leaves


def tamper(d: Dialect, statement: str, *params: Any) -> None:
    with d.write() as cursor:
        cursor.execute(d.q(statement), params)


@pytest.fixture
def logged(ledger: Ledger) -> tuple[Ledger, LogAppender]:
    world = make_world(ledger)
    for n in range(5):
        world.issue(f"L-{n}", f"R-{n}")
    log = appender(ledger)
    log.catch_up()
    assert verify_log(ledger.recorder, log.d, [VERIFIER]).intact
    return ledger, log


def test_an_updated_event_row_is_found_with_its_position(
    logged: tuple[Ledger, LogAppender],
) -> None:
    ledger, log = logged
    d = log.d
    tamper(
        d,
        f"UPDATE {events_table(d, ledger)} SET state = ? WHERE {position_column(d)} = ?",
        b'{"tampered": true}',
        4,
    )

    report = verify_log(ledger.recorder, d, [VERIFIER])

    assert [str(f) for f in report.findings][:1] == ["log position 4: changed: its leaf differs"]
    assert any("another root" in f.what for f in report.findings)


def test_a_deleted_event_row_is_found_with_its_position(
    logged: tuple[Ledger, LogAppender],
) -> None:
    ledger, log = logged
    d = log.d
    tamper(d, f"DELETE FROM {events_table(d, ledger)} WHERE {position_column(d)} = ?", 6)

    report = verify_log(ledger.recorder, d, [VERIFIER])

    assert str(report.findings[0]) == "log position 6: deleted: the tree holds an event here"


@pytest.mark.postgres
def test_an_inserted_event_row_is_found_with_its_position(postgres_database: str) -> None:
    """On PostgreSQL a rolled-back write leaves a gap in the positions: a row slipped
    into it later is in the log's past, where the tree has no leaf for it. (SQLite's
    positions have no gaps: an insertion there can only replace a row, an UPDATE.)"""
    ledger = Ledger(Settings(database=new_postgres_schema(postgres_database), policy=IRELAND))
    d = make_dialect(ledger)
    world = make_world(ledger)
    sequence = f"{events_table(d, ledger)}_notification_id_seq"
    with d.write() as cursor:
        cursor.execute(f"SELECT nextval('{sequence}')")
        (gap,) = cursor.fetchone().values()
    world.issue("L-1", "R-1")
    log = appender(ledger, d)
    log.catch_up()
    tamper(
        d,
        f"INSERT INTO {events_table(d, ledger)} (originator_id, originator_version, topic, state, "
        "notification_id) SELECT originator_id, 99, topic, state, ? FROM "
        f"{events_table(d, ledger)} WHERE notification_id = 1",
        gap,
    )

    report = verify_log(ledger.recorder, d, [VERIFIER])
    ledger.close()

    assert [str(f) for f in report.findings][:1] == [
        f"log position {gap}: inserted: the tree has no leaf for it"
    ]


def test_a_rewritten_tree_is_caught_by_its_signed_checkpoint(
    logged: tuple[Ledger, LogAppender],
) -> None:
    ledger, log = logged
    d = log.d
    tamper(d, "UPDATE {s}tlog_hashes SET hash = ? WHERE level = 0 AND idx = 2", b"\0" * 32)
    tamper(
        d,
        TOP_HASH,
        b"\1" * 32,
    )

    report = verify_log(ledger.recorder, d, [VERIFIER])

    assert "log position 3: changed: its leaf differs" in [str(f) for f in report.findings]
    assert any("stored tree has another root" in str(f) for f in report.findings)
