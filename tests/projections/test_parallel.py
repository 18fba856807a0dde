"""Pages of a large backlog prepared in worker processes (PostgreSQL only).

Each test checks that the worker processes were used, then compares every view table
with what the follower builds by itself from the same log.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from cli import app
from ledger.application import Ledger
from ledger.config import DatabaseSettings
from projections import parallel
from projections.dialect import make_dialect
from projections.follower import Follower, ProjectionStalled
from projections.read import ReadModel
from projections.rebuild import rebuild
from projections.schema import SHADOW_SUFFIX, make_views, reset_view
from projections.views import VIEW_NAMES
from tests.conftest import Clock, new_postgres_schema
from tests.projections.conftest import RANDOM_POLICY, RandomCommands, snapshot
from tests.projections.test_cli import env_for

pytestmark = pytest.mark.postgres

PAGE = 5


@pytest.fixture
def database(postgres_database: str) -> DatabaseSettings:
    return new_postgres_schema(postgres_database)


@pytest.fixture
def ranges_prepared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the ranges that worker processes prepared."""
    prepared: list[int] = []
    original = parallel.WorkerPool.ranges

    def counting(*args: Any) -> Iterator[parallel.PreparedRange]:
        for prepared_range in original(*args):
            prepared.append(prepared_range.last)
            yield prepared_range

    monkeypatch.setattr(parallel.WorkerPool, "ranges", counting)
    return prepared


def random_log(ledger: Ledger, clock: Clock, steps: int, seed: int) -> RandomCommands:
    commands = RandomCommands(ledger, clock, random.Random(seed))
    for _ in range(steps):
        commands.step()
    return commands


def log_position(ledger: Ledger) -> int:
    return int(ledger.recorder.max_notification_id() or 0)


def execute(database: DatabaseSettings, statement: str) -> Any:
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{database.schema}"')
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def start_again(ledger: Ledger, view: str) -> None:
    """Empty one view and put it back at position 0 (as a new version whose layout
    changed does)."""
    d = make_dialect(ledger)
    with d.write() as c:
        d.lock_schema(c)
        (made,) = make_views(d, [view])
        reset_view(d, c, made, indexes=True)


def rows_rebuilt_here(ledger: Ledger) -> dict[str, list[tuple[str, ...]]]:
    """Every view rebuilt from the log in this process alone; their rows."""
    rebuild(ledger, page_size=PAGE)
    return snapshot(ledger)


def test_a_rebuild_prepared_in_worker_processes_equals_one_prepared_here(
    make_ledger: Callable[..., Ledger], clock: Clock, ranges_prepared: list[int]
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    random_log(ledger, clock, 300, seed=20261126)
    here = rows_rebuilt_here(ledger)
    assert not ranges_prepared

    positions = rebuild(ledger, page_size=PAGE, processes=2)

    assert len(ranges_prepared) >= parallel.MIN_BACKLOG_PAGES
    assert ranges_prepared == sorted(ranges_prepared)
    assert snapshot(ledger) == here
    assert set(positions.values()) == {log_position(ledger)}


def test_a_range_of_positions_without_events_moves_the_views_past_it(
    make_ledger: Callable[..., Ledger],
    clock: Clock,
    database: DatabaseSettings,
    ranges_prepared: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = random_log(ledger, clock, 120, seed=7)
    # Positions taken by inserts that rolled back are never used: make a gap of
    # several ranges.
    execute(
        database,
        "SELECT setval(pg_get_serial_sequence('ledger_events', 'notification_id'), "
        f"(SELECT max(notification_id) FROM ledger_events) + {4 * PAGE})",
    )
    for _ in range(120):
        commands.step()
    here = rows_rebuilt_here(ledger)

    with caplog.at_level(logging.INFO, logger="ledger.projections"):
        positions = rebuild(ledger, page_size=PAGE, processes=2)

    assert ranges_prepared
    # Straight through: no range found the views elsewhere than it expected.
    assert "another follower moved the views" not in caplog.text
    assert snapshot(ledger) == here
    assert set(positions.values()) == {log_position(ledger)}


def test_views_at_different_positions_each_take_up_where_they_are(
    make_ledger: Callable[..., Ledger], clock: Clock, ranges_prepared: list[int]
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = random_log(ledger, clock, 150, seed=11)
    Follower(ledger, page_size=PAGE).catch_up()
    for _ in range(150):
        commands.step()
    Follower(ledger, ["audit"], page_size=PAGE).catch_up()  # one view ahead of the rest
    start_again(ledger, "credential_status")  # one from the start

    Follower(ledger, page_size=PAGE, processes=2).catch_up()

    assert ranges_prepared
    caught_up = snapshot(ledger)
    assert caught_up == rows_rebuilt_here(ledger)


def test_a_range_that_fails_stops_the_backlog_after_the_ranges_before_it(
    make_ledger: Callable[..., Ledger],
    clock: Clock,
    database: DatabaseSettings,
    ranges_prepared: list[int],
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = random_log(ledger, clock, 150, seed=13)
    (broken,) = execute(
        database,
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
        "VALUES (gen_random_uuid(), 1, 'ledger.domain.learner_record:LearnerRecord.Opened',"
        " 'not json') RETURNING notification_id",
    )[0]
    for _ in range(150):
        commands.step()

    with pytest.raises(ProjectionStalled, match="Failed to deserialise state") as stalled:
        rebuild(ledger, page_size=PAGE, processes=2)

    # The failure names the broken event, and every view's new tables took every event
    # before it (the ranges were applied whole, then the failing one an event at a
    # time). The live views were left as they were (nothing had followed the log).
    assert stalled.value.position == broken
    ((before,),) = execute(
        database, f"SELECT max(notification_id) FROM ledger_events WHERE notification_id < {broken}"
    )
    rebuilt = execute(
        database,
        "SELECT notification_id FROM projection_tracking "
        f"WHERE application_name LIKE 'projections.%{SHADOW_SUFFIX}'",
    )
    assert len(rebuilt) == len(VIEW_NAMES)
    assert {position for (position,) in rebuilt} == {before}
    assert set(ReadModel(ledger).positions().values()) == {0}
    assert ReadModel(ledger).projection_failures() == {}  # the rebuild's, not the views'
    assert ranges_prepared
    execute(database, f"DELETE FROM ledger_events WHERE notification_id = {broken}")
    Follower(ledger, page_size=PAGE).catch_up()
    caught_up = snapshot(ledger)
    assert caught_up == rows_rebuilt_here(ledger)
    assert not execute(
        database,
        "SELECT * FROM pg_tables WHERE schemaname = current_schema() "
        f"AND tablename LIKE '%{SHADOW_SUFFIX}'",
    )


def test_a_worker_following_meanwhile_never_makes_a_row_twice(
    make_ledger: Callable[..., Ledger], clock: Clock, ranges_prepared: list[int]
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    random_log(ledger, clock, 300, seed=17)
    here = rows_rebuilt_here(ledger)
    done = threading.Event()
    failed: list[BaseException] = []

    def follow() -> None:  # the `ledger project` worker, as during a real rebuild
        try:
            follower = Follower(make_ledger(RANDOM_POLICY), page_size=PAGE)
            while not done.is_set():
                follower.catch_up()
        except BaseException as error:  # the test fails on it, not the thread alone
            failed.append(error)

    worker = threading.Thread(target=follow)
    worker.start()
    try:
        rebuild(ledger, page_size=PAGE, processes=2)
    finally:
        done.set()
        worker.join(60)
    assert not worker.is_alive()
    assert failed == []
    Follower(ledger, page_size=PAGE).catch_up()

    assert ranges_prepared
    assert snapshot(ledger) == here
    assert not multiprocessing.active_children()  # the worker processes have stopped


def test_the_worker_and_a_rebuild_from_the_command_line_use_worker_processes(
    make_ledger: Callable[..., Ledger],
    clock: Clock,
    database: DatabaseSettings,
    ranges_prepared: list[int],
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    random_log(ledger, clock, 200, seed=19)
    env = env_for(database)
    page = ["--page-size", str(PAGE), "--processes", "2"]

    caught_up = CliRunner().invoke(app, ["project", "--once", *page], env=env)
    assert caught_up.exit_code == 0, caught_up.output
    assert ranges_prepared
    assert f"applied {log_position(ledger)} event(s)" in caught_up.output
    projected = snapshot(ledger)

    ranges_prepared.clear()
    rebuilt = CliRunner().invoke(app, ["rebuild", *page], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert ranges_prepared
    assert snapshot(ledger) == projected
    assert rows_rebuilt_here(ledger) == projected
