"""Rebuilds without downtime (issue 22, item 2), on SQLite and PostgreSQL.

A rebuild fills tables beside the live views and puts them in place in one
transaction: status checks answer from the live views throughout, writes made during
the rebuild are in the switched view, and a rebuild that fails leaves the live views
serving (and its tables for the next rebuild to drop). A new version whose views'
indexes alone changed makes them on the rows in place.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple
from uuid import UUID

import psycopg
import pytest

from ledger.application import Ledger
from projections.dialect import Dialect
from projections.failures import ProjectionStalled
from projections.follower import Follower
from projections.read import ReadModel
from projections.rebuild import SwitchBlocked, rebuild
from projections.schema import SHADOW_SUFFIX
from projections.store import ViewStore
from projections.views import CredentialStatusView
from tests.projections.conftest import World, make_world, snapshot

AWARDS = 120
rebuild_module = importlib.import_module("projections.rebuild")  # not the function


def issue_awards(world: World, count: int, prefix: str = "a") -> list[UUID]:
    return [world.issue(f"learner-{prefix}{n}", f"R-{prefix}{n}") for n in range(count)]


class Projected(NamedTuple):
    ledger: Ledger
    awards: list[UUID]
    before: dict[str, list[tuple[str, ...]]]  # every view's rows, by `snapshot`


def projected(make_ledger: Callable[..., Ledger], count: int) -> Projected:
    """A ledger with `count` awards issued and every view caught up with them."""
    ledger = make_ledger()
    awards = issue_awards(make_world(ledger), count)
    Follower(ledger).catch_up()
    return Projected(ledger, awards, snapshot(ledger))


class StatusReader:
    """Checks awards' status in a thread of its own, on a ledger of its own (as an API
    process does), until stopped: every answer that is not "valid" is kept."""

    def __init__(self, ledger: Ledger, awards: list[UUID]) -> None:
        self.read = ReadModel(ledger)
        self.awards = awards
        self.reads = 0
        self.wrong: list[tuple[UUID, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="status-reader")

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            award = self.awards[n % len(self.awards)]
            n += 1
            try:
                found = self.read.credential_status(award)
            except Exception as error:  # a failed read is a wrong answer too
                self.wrong.append((award, error))
                continue
            self.reads += 1
            if found is None or found.status != "valid":
                self.wrong.append((award, found))

    @contextmanager
    def running(self) -> Iterator[StatusReader]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(30)
            assert not self._thread.is_alive()


def slow_switch(monkeypatch: pytest.MonkeyPatch, seconds: float = 0.3) -> list[int]:
    """Hold the switch's transaction open a moment after each view is put in place
    (readers meanwhile meet the switch's locks); the positions switched."""
    switched: list[int] = []
    put_in_place = rebuild_module._put_in_place

    def slowly(d: Dialect, cursor: Any, view: Any, shadow: Any, position: int) -> None:
        put_in_place(d, cursor, view, shadow, position)
        switched.append(position)
        time.sleep(seconds)

    monkeypatch.setattr(rebuild_module, "_put_in_place", slowly)
    return switched


def shadow_tables(ledger: Ledger) -> list[str]:
    d = ViewStore(ledger).dialect
    with d.read() as c:
        return sorted(name for name in d.relations(c) if SHADOW_SUFFIX in name)


def test_status_checks_answer_valid_throughout_a_rebuild(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, awards, before = projected(make_ledger, AWARDS)
    switched = slow_switch(monkeypatch)
    reader = StatusReader(make_ledger(), awards)

    with reader.running():
        time.sleep(0.05)
        reads_before = reader.reads
        positions = rebuild(ledger, page_size=7)  # many pages: a rebuild that takes a while
        time.sleep(0.05)

    assert reader.wrong == []
    assert reader.reads > reads_before
    assert switched == [ReadModel(ledger).log_position()] * 5
    assert set(positions.values()) == {ReadModel(ledger).log_position()}
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []


def test_one_view_rebuilt_beside_readers_leaves_the_others_alone(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, awards, before = projected(make_ledger, AWARDS)
    slow_switch(monkeypatch)

    with StatusReader(make_ledger(), awards).running() as reader:
        positions = rebuild(ledger, ["credential_status"], page_size=5)

    assert reader.wrong == []
    assert list(positions) == ["credential_status"]
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []


def test_writes_between_the_catch_up_and_the_switch_are_in_the_switched_view(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = make_ledger()
    world = make_world(ledger)
    issue_awards(world, 30)
    Follower(ledger).catch_up()
    late: list[UUID] = []
    switch = rebuild_module._switch

    def write_first(follower: Follower, live: Any, lock_timeout: float) -> dict[str, int]:
        # The rebuild has caught up: these come after its last page, and no follower
        # applies them to the live views.
        late.extend(issue_awards(world, 4, prefix="late"))
        return switch(follower, live, lock_timeout)

    monkeypatch.setattr(rebuild_module, "_switch", write_first)
    positions = rebuild(ledger, page_size=10)

    read = ReadModel(ledger)
    log = read.log_position()
    assert set(positions.values()) == {log}
    assert set(read.positions().values()) == {log}
    found = read.credential_statuses(late)
    assert sorted(found) == sorted(late)
    assert {s.status for s in found.values()} == {"valid"}


def test_writes_during_a_rebuild_beside_a_following_worker_are_all_in_the_view(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = make_ledger()
    world = make_world(ledger)
    awards = issue_awards(world, 60)
    Follower(ledger).catch_up()
    slow_switch(monkeypatch, 0.1)
    live = Follower(make_ledger(), poll_interval=0.01)
    worker = threading.Thread(target=live.run, name="live-follower")
    writing = threading.Event()
    written: list[UUID] = []
    failed: list[BaseException] = []

    # An API process of its own issuing awards all along.
    issuer = World(make_ledger(), world.provider_id, world.credential_id)

    def write() -> None:
        try:
            n = 0
            while not writing.wait(0.005):
                written.append(issuer.issue(f"learner-w{n}", f"R-w{n}"))
                n += 1
        except BaseException as error:
            failed.append(error)

    writer = threading.Thread(target=write, name="writer")
    worker.start()
    writer.start()
    try:
        with StatusReader(make_ledger(), awards).running() as reader:
            rebuild(ledger, page_size=5)
    finally:
        writing.set()
        writer.join(30)
        read = ReadModel(ledger)
        caught_up = read.wait_for(read.log_position(), timeout=20)
        live.stop()
        worker.join(30)

    assert failed == []
    assert caught_up
    assert reader.wrong == []
    assert written
    found = read.credential_statuses(written)
    assert sorted(found) == sorted(written)
    incremental = snapshot(ledger)
    rebuild(ledger)
    assert snapshot(ledger) == incremental


def test_a_rebuild_that_fails_half_way_leaves_the_live_views_serving(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, awards, before = projected(make_ledger, 40)
    positions_before = ReadModel(ledger).positions()
    handled = 0
    issued = CredentialStatusView.course_award_issued

    def fail_after_twenty(view: CredentialStatusView, *args: Any) -> None:
        nonlocal handled
        handled += 1
        if handled > 20:
            raise RuntimeError("the handler broke")
        issued(view, *args)

    monkeypatch.setattr(CredentialStatusView, "course_award_issued", fail_after_twenty)
    with (
        StatusReader(make_ledger(), awards).running() as reader,
        pytest.raises(ProjectionStalled, match="the handler broke"),
    ):
        rebuild(ledger, ["credential_status"], page_size=6)

    assert reader.wrong == []
    assert snapshot(ledger) == before
    read = ReadModel(ledger)
    assert read.positions() == positions_before
    assert read.projection_failures() == {}  # the live views are well
    assert shadow_tables(ledger)  # left behind, as by a killed process

    monkeypatch.setattr(CredentialStatusView, "course_award_issued", issued)
    rebuild(ledger, ["credential_status"])
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []


def test_a_rebuild_after_one_killed_in_its_switch_starts_clean(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, _, before = projected(make_ledger, 20)
    put_in_place = rebuild_module._put_in_place

    def die_after_renaming(*args: Any) -> None:
        put_in_place(*args)
        raise KeyboardInterrupt  # the process stops in the middle of the switch

    monkeypatch.setattr(rebuild_module, "_put_in_place", die_after_renaming)
    with pytest.raises(KeyboardInterrupt):
        rebuild(ledger, ["credential_status"])
    assert snapshot(ledger) == before  # the switch rolled back whole

    monkeypatch.setattr(rebuild_module, "_put_in_place", put_in_place)
    rebuild(ledger)
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []


def test_a_new_version_that_adds_an_index_keeps_the_rows_readable(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, awards, before = projected(make_ledger, 40)
    positions = ReadModel(ledger).positions()
    statements = CredentialStatusView.index_statements

    def one_more_index(view: CredentialStatusView) -> list[str]:
        return [
            *statements(view),
            "CREATE INDEX IF NOT EXISTS proj_credential_status_title "
            "ON {s}proj_credential_status (title)",
        ]

    with StatusReader(make_ledger(), awards).running() as reader:
        monkeypatch.setattr(CredentialStatusView, "index_statements", one_more_index)
        upgraded = make_ledger()  # a process of the new version starts
        ViewStore(upgraded).ensure_views()
        after = ReadModel(upgraded).positions()
        with_index = indexes(upgraded)
        monkeypatch.setattr(CredentialStatusView, "index_statements", statements)
        ViewStore(make_ledger()).ensure_views()  # and back: the index goes
        time.sleep(0.05)

    assert reader.wrong == []
    assert after == positions
    assert "proj_credential_status_title" in with_index
    assert "proj_credential_status_title" not in indexes(ledger)
    assert "proj_credential_status_revoked" in indexes(ledger)
    assert snapshot(ledger) == before
    assert ReadModel(ledger).positions() == positions


def indexes(ledger: Ledger) -> list[str]:
    d = ViewStore(ledger).dialect
    with d.read() as c:
        return d.indexes_of(c, "proj_credential_status")


def test_a_process_that_finds_the_views_made_does_not_wait_for_a_page(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger = make_ledger()
    world = make_world(ledger)
    Follower(ledger).catch_up()
    world.issue("learner-1", "R-1")
    follower = Follower(ledger)
    in_page = threading.Event()
    release = threading.Event()

    def hold(_notifications: Any) -> None:
        in_page.set()
        release.wait(20)

    follower.before_commit = hold
    worker = threading.Thread(target=follower.catch_up)
    worker.start()
    try:
        assert in_page.wait(10)
        # The page has written the status view's row and holds its tracking rows.
        started = time.monotonic()
        ViewStore(make_ledger()).ensure_views()
        took = time.monotonic() - started
    finally:
        release.set()
        worker.join(30)
    assert took < 3, took


def test_a_new_version_whose_tables_changed_rebuilds_them_beside_the_old_ones(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, awards, before = projected(make_ledger, 60)
    log = ReadModel(ledger).log_position()
    statements = CredentialStatusView.create_statements

    def one_more_column(view: CredentialStatusView) -> list[str]:
        first, *rest = statements(view)
        return [
            first.replace("position {bigint} NOT NULL)", "position {bigint} NOT NULL, note TEXT)"),
            *rest,
        ]

    # The processes of the old version answer throughout (their store made sure of the
    # views before); the first process of the new one rebuilds before it serves.
    switched = slow_switch(monkeypatch)
    with StatusReader(make_ledger(), awards).running() as reader:
        time.sleep(0.05)
        monkeypatch.setattr(CredentialStatusView, "create_statements", one_more_column)
        store = ViewStore(make_ledger(), rebuild=rebuild_module.rebuild_changed)
        store.ensure_views()
        time.sleep(0.05)

    assert reader.wrong == []
    assert switched == [log]
    read = ReadModel(store.ledger, store=store)
    assert read.positions()["credential_status"] == log
    assert read.credential_status(awards[0]) is not None
    d = store.dialect
    with d.read() as c:
        c.execute(d.q("SELECT note FROM {s}proj_credential_status"))
        assert len(c.fetchall()) == len(awards)
    after = snapshot(store.ledger)
    assert {t: rows for t, rows in after.items() if t != "proj_credential_status"} == {
        t: rows for t, rows in before.items() if t != "proj_credential_status"
    }
    assert [row[:-1] for row in after["proj_credential_status"]] == before["proj_credential_status"]
    assert shadow_tables(ledger) == []
    # The next process of the new version finds it done.
    ViewStore(make_ledger(), rebuild=rebuild_module.rebuild_changed).ensure_views()
    assert switched == [log]
    assert snapshot(store.ledger) == after


def test_the_composition_root_rebuilds_changed_tables_beside_the_old_ones(
    make_ledger: Callable[..., Ledger],
) -> None:
    from composition.process import open_process

    ledger = make_ledger()
    world = make_world(ledger)
    Follower(ledger).catch_up()
    before = snapshot(ledger)
    d = ViewStore(ledger).dialect
    with d.write() as c:  # as if an older version of the code had made the table
        c.execute(d.q("UPDATE {s}proj_views SET layout = 'old' WHERE view_name = 'providers'"))
    process = open_process(ledger.settings)
    try:
        read = process.read_model  # a process of the new version starts
        # Rebuilt before use, not emptied for the follower to refill.
        assert read.positions()["providers"] == read.log_position()
        assert read.provider(world.provider_id) is not None
    finally:
        process.close()
    assert snapshot(ledger) == before


@contextmanager
def a_transaction_reading_the_status_view(ledger: Ledger) -> Iterator[Callable[[], None]]:
    """Another session with an open transaction that has read the status view (an export,
    a reporting query left open): it holds the table's shared lock until it ends. Yields
    the function that ends it."""
    d = ViewStore(ledger).dialect
    database = ledger.settings.database
    with psycopg.connect(database.url) as session:
        session.execute(d.q("SELECT count(*) FROM {s}proj_credential_status"))
        yield session.commit
        session.rollback()


def timed_status_checks(ledger: Ledger, award: UUID, stop: threading.Event) -> list[float]:
    """Seconds each status check took, made one after another until ``stop``."""
    read = ReadModel(ledger)
    took: list[float] = []
    while not stop.is_set():
        started = time.monotonic()
        found = read.credential_status(award)
        took.append(time.monotonic() - started)
        assert found is not None and found.status == "valid"
    return took


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # SQLite has no lock wait
def test_a_long_transaction_on_a_view_holds_neither_the_checks_nor_the_rebuild(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, awards, before = projected(make_ledger, 30)
    monkeypatch.setattr(rebuild_module, "SWITCH_RETRY_PAUSE", 0.2)
    stop, checks = threading.Event(), make_ledger()
    took: list[float] = []
    checking = threading.Thread(
        target=lambda: took.extend(timed_status_checks(checks, awards[0], stop))
    )

    with a_transaction_reading_the_status_view(ledger) as end_it:
        checking.start()
        switched: list[dict[str, int]] = []
        rebuilding = threading.Thread(
            target=lambda: switched.append(rebuild(ledger, lock_timeout=0.2))
        )
        rebuilding.start()
        time.sleep(2.0)  # the switch tries, gives up its locks, tries again ...
        assert not switched, "the switch dropped a table a transaction was reading"
        end_it()
        rebuilding.join(30)
    stop.set()
    checking.join(30)

    assert switched and set(switched[0].values()) == {ReadModel(ledger).log_position()}
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []
    assert len(took) > 20
    # Without the lock timeout every check would have queued behind the switch's drop
    # for the whole 2 s; with it, a check waits at most one attempt's 0.2 s.
    assert max(took) < 1.0, f"a status check waited {max(took):.2f} s"


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_switch_that_never_gets_its_locks_fails_and_leaves_the_live_views(
    make_ledger: Callable[..., Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, _, before = projected(make_ledger, 10)
    positions_before = ReadModel(ledger).positions()
    monkeypatch.setattr(rebuild_module, "SWITCH_ATTEMPTS", 3)
    monkeypatch.setattr(rebuild_module, "SWITCH_RETRY_PAUSE", 0.05)

    with (
        a_transaction_reading_the_status_view(ledger),
        pytest.raises(SwitchBlocked, match="proj_credential_status"),
    ):
        rebuild(ledger, ["credential_status"], lock_timeout=0.1)

    assert snapshot(ledger) == before
    assert ReadModel(ledger).positions() == positions_before
    rebuild(ledger, ["credential_status"])  # once the transaction has ended
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []
