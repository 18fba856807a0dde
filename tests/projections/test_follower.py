"""The follower: incremental views equal a rebuild; a crash in the middle of a page
leaves no duplicate and no gap; two followers never double-apply."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.config import DatabaseSettings
from projections.follower import Follower, PositionConflict
from projections.pipeline import short_gil_turns
from projections.read import AuditFilter, ReadModel
from projections.rebuild import rebuild
from projections.store import ViewStore
from projections.views import VIEW_NAMES
from tests.conftest import Clock
from tests.projections.conftest import RANDOM_POLICY, RandomCommands, World, snapshot

REPO = Path(__file__).resolve().parents[2]


def all_positions(ledger: Ledger) -> list[int]:
    return [n.id for n in ledger.recorder.select_notifications(1, 1_000_000)]


def test_incremental_views_equal_a_full_rebuild(
    make_ledger: Callable[..., Ledger], clock: Clock
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = RandomCommands(ledger, clock, random.Random(20260616))
    follower = Follower(ledger, page_size=7)
    for step in range(400):
        commands.step()
        if step % 13 == 0:
            follower.catch_up()
    follower.catch_up()
    assert commands.done > 250 and commands.awards, (commands.done, commands.refused)
    read = ReadModel(ledger)
    assert all(p == read.log_position() for p in read.positions().values())

    incremental = snapshot(ledger)
    rebuild(ledger)
    rebuilt = snapshot(ledger)
    assert incremental == rebuilt
    assert len(rebuilt["proj_audit"]) == len(all_positions(ledger))

    # The view agrees with the write model on every award's status.
    statuses = read.credential_statuses(commands.awards[:1000])
    assert len(statuses) == len(set(commands.awards[:1000]))
    seen = set()
    for award_id, status in statuses.items():
        assert status.status == ledger.award_status(award_id).status.value, award_id
        seen.add(status.status)
    assert {"valid", "revoked"} <= seen


def test_rebuild_of_one_view_leaves_the_others(world: World) -> None:
    ledger = world.ledger
    Follower(ledger).catch_up()
    before = snapshot(ledger)
    positions = rebuild(ledger, ["audit"])
    assert positions == {"audit": ReadModel(ledger).log_position()}
    assert snapshot(ledger) == before


def test_a_page_that_fails_midway_is_rolled_back_and_resumed(
    make_ledger: Callable[..., Ledger], clock: Clock
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = RandomCommands(ledger, clock, random.Random(7))
    for _ in range(120):
        commands.step()
    follower = Follower(ledger, page_size=10)
    pages = 0

    def die_on_third_page(_notifications: object) -> None:
        nonlocal pages
        pages += 1
        if pages == 3:
            raise RuntimeError("worker killed in the middle of a page")

    follower.before_commit = die_on_third_page
    with pytest.raises(RuntimeError):
        follower.catch_up()
    read = ReadModel(ledger)
    assert set(read.positions().values()) == {all_positions(ledger)[19]}  # two pages in

    restarted = Follower(ledger, page_size=10)
    restarted.catch_up()
    resumed = snapshot(ledger)
    audit = [int(row[0]) for row in resumed["proj_audit"]]
    assert sorted(audit) == all_positions(ledger)  # no duplicate, no gap
    rebuild(ledger)
    assert snapshot(ledger) == resumed


def test_two_followers_at_once_never_double_apply(
    make_ledger: Callable[..., Ledger], clock: Clock
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = RandomCommands(ledger, clock, random.Random(11))
    for _ in range(150):
        commands.step()
    other = make_ledger(RANDOM_POLICY)  # a second process's ledger, its own connections
    errors: list[BaseException] = []
    followers = [Follower(ledger, page_size=5), Follower(other, page_size=5)]

    def run(follower: Follower) -> None:
        try:
            follower.catch_up()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(f,)) for f in followers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    both = snapshot(ledger)
    assert sorted(int(r[0]) for r in both["proj_audit"]) == all_positions(ledger)
    rebuild(ledger)
    assert snapshot(ledger) == both


def test_a_stale_follower_is_refused_by_the_tracking_record(world: World) -> None:
    ledger = world.ledger
    stale = Follower(ledger, page_size=2)
    stale.refresh_positions()
    Follower(ledger).catch_up()
    with pytest.raises(PositionConflict):
        stale.apply_next_page()
    assert stale.catch_up() == 0  # re-reads the positions: nothing left to do
    audit = snapshot(ledger)["proj_audit"]
    assert sorted(int(r[0]) for r in audit) == all_positions(ledger)


def _worker_env(database: DatabaseSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DATABASE_URL"] = database.url
    env["LEDGER_DATABASE_SCHEMA"] = database.schema
    env["PYTHONPATH"] = str(REPO)
    return env


def test_a_killed_worker_process_restarts_without_duplicate_or_gap(
    make_ledger: Callable[..., Ledger], clock: Clock, database: DatabaseSettings
) -> None:
    ledger = make_ledger(RANDOM_POLICY)
    commands = RandomCommands(ledger, clock, random.Random(3))
    for _ in range(200):
        commands.step()
    log = all_positions(ledger)
    read = ReadModel(ledger)
    command = [sys.executable, "-c", "from cli import main; main()", "project"]
    worker = subprocess.Popen(
        [*command, "--page-size", "1", "--poll-interval", "0.05"],
        env=_worker_env(database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while min(read.positions().values()) < log[len(log) // 4]:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    reached = min(read.positions().values())
    assert reached < log[-1], "the worker finished before it was killed"

    restarted = subprocess.run(
        [*command, "--once"],
        env=_worker_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restarted.returncode == 0, restarted.stderr
    assert set(read.positions().values()) == {log[-1]}
    resumed = snapshot(ledger)
    assert sorted(int(r[0]) for r in resumed["proj_audit"]) == log
    rebuild(ledger)
    assert snapshot(ledger) == resumed


def test_lag_reports_each_view_behind_the_log(world: World) -> None:
    read = ReadModel(world.ledger)
    log = read.log_position()
    assert log > 0
    lag = read.lag()
    assert set(lag) == set(VIEW_NAMES)
    assert all(v.lag == log and v.position == 0 for v in lag.values())
    Follower(world.ledger).catch_up()
    assert all(v.lag == 0 and v.position == log for v in read.lag().values())
    assert read.audit(AuditFilter()).entries


def test_a_view_whose_layout_changed_is_rebuilt(world: World) -> None:
    ledger = world.ledger
    Follower(ledger).catch_up()
    before = snapshot(ledger)
    store = ViewStore(ledger)
    d = store.dialect
    with d.write() as c:  # as if an older version of the code had made the table
        c.execute(d.q("UPDATE {s}proj_views SET layout = 'old' WHERE view_name = 'providers'"))
        c.execute(d.q("DELETE FROM {s}proj_providers"))
    store.ensure_views()  # as the next process to start does
    positions = ReadModel(ledger).positions()
    assert positions["providers"] == 0
    assert positions["audit"] == ReadModel(ledger).log_position()
    Follower(ledger).catch_up()
    assert snapshot(ledger) == before


def test_a_failed_read_ahead_stops_after_the_pages_read_before_it(world: World) -> None:
    ledger = world.ledger
    for n in range(8):
        world.issue(f"learner-{n}", f"R-{n}")
    follower = Follower(ledger, page_size=5)
    read_log = follower.read_log
    calls = 0

    def lose_the_connection_on_the_third_read(start: int, limit: int, stop: Any = None) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("connection lost")
        return read_log(start, limit, stop)

    follower.read_log = lose_the_connection_on_the_third_read
    with pytest.raises(RuntimeError):
        follower.catch_up()
    read = ReadModel(ledger)
    assert set(read.positions().values()) == {all_positions(ledger)[9]}  # two pages in

    Follower(ledger, page_size=5).catch_up()
    assert set(read.positions().values()) == {all_positions(ledger)[-1]}


def test_a_backlog_is_applied_with_short_gil_turns_and_the_interval_put_back(
    world: World,
) -> None:
    ledger = world.ledger
    for n in range(8):
        world.issue(f"learner-{n}", f"R-{n}")
    follower = Follower(ledger, page_size=5)
    prepare = follower.preparer.prepare
    seen: list[float] = []

    def prepare_noting_the_interval(*args: Any) -> Any:
        seen.append(sys.getswitchinterval())
        return prepare(*args)

    follower.preparer.prepare = prepare_noting_the_interval  # type: ignore[method-assign]
    before = sys.getswitchinterval()
    follower.catch_up()
    # The first page is decoded before it is known to be a backlog; the rest with the
    # writer thread running, which needs the GIL back promptly.
    assert seen[0] == before and set(seen[1:]) == {short_gil_turns.interval}, seen
    assert sys.getswitchinterval() == before
    assert set(ReadModel(ledger).positions().values()) == {all_positions(ledger)[-1]}


def test_the_interval_is_put_back_by_the_last_of_overlapping_users() -> None:
    before = sys.getswitchinterval()
    first, second = short_gil_turns(), short_gil_turns()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == short_gil_turns.interval
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError), short_gil_turns():
        raise RuntimeError("a page failed")
    assert sys.getswitchinterval() == before
