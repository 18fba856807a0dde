"""Creating the views from several connections at once (PostgreSQL).

Every process and thread that opens the views makes sure their tables and indexes
exist; a rebuild drops them and makes them again, its secondary indexes last. On
PostgreSQL, two sessions that create the same table, type or index at the same time
do not both find it made: the loser fails with a unique violation in the catalogue
(``pg_class_relname_nsp_index``, ``pg_type_typname_nsp_index``). So all of it is
serialised by the schema's lock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.policy import IRELAND
from projections.follower import Follower
from projections.rebuild import rebuild
from projections.store import ViewStore
from projections.views import View
from tests.conftest import new_postgres_schema
from tests.projections.conftest import make_world

pytestmark = pytest.mark.postgres

THREADS = 4


@pytest.fixture
def database(postgres_database: str) -> DatabaseSettings:
    return new_postgres_schema(postgres_database)


def run_together(*targets: Callable[[], None]) -> list[BaseException]:
    """Run the targets in threads released at the same moment; their errors."""
    start = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        start.wait()
        try:
            target()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_many_connections_create_the_views_of_a_fresh_schema_at_once(
    database: DatabaseSettings,
) -> None:
    ledgers = [Ledger(Settings(database=database, policy=IRELAND)) for _ in range(THREADS)]
    try:
        errors = run_together(
            *(lambda ledger=ledger: ViewStore(ledger).ensure_views() for ledger in ledgers)
        )
        assert errors == []
    finally:
        for ledger in ledgers:
            ledger.close()


def test_a_ledger_makes_sure_of_the_views_while_a_rebuild_makes_their_indexes(
    database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilding = Ledger(Settings(database=database, policy=IRELAND))
    make_world(rebuilding)
    fresh = Ledger(Settings(database=database, policy=IRELAND))
    # Both sessions reach each view's index statements at the same moment, when they
    # can (a session waiting for the other's lock cannot: then the barrier gives up).
    together = threading.Barrier(2, timeout=2)
    create_indexes = View.create_indexes

    def create_indexes_together(view: View, cursor: Any) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait()
        create_indexes(view, cursor)

    monkeypatch.setattr(View, "create_indexes", create_indexes_together)
    tables_made_again = threading.Event()

    def make_sure_after_the_tables() -> None:
        # The fresh ledger has not made sure of the views yet: it does after the
        # rebuild has made their tables again, and before it makes their indexes.
        tables_made_again.wait(10)
        ViewStore(fresh).ensure_views()

    try:
        errors = run_together(
            lambda: rebuild(rebuilding, progress=lambda *_: tables_made_again.set()),
            make_sure_after_the_tables,
        )
        assert errors == []
    finally:
        fresh.close()
        rebuilding.close()


def test_processes_starting_together_beside_a_following_worker_neither_wait_nor_deadlock(
    database: DatabaseSettings,
) -> None:
    # Processes that start while the worker applies pages find the views made: they
    # only read the catalogue (before, each took the schema's lock, then a SHARE lock
    # on every view table for CREATE INDEX IF NOT EXISTS, then waited for the tracking
    # rows a page held, while the page waited for the table: a deadlock).
    ledger = Ledger(Settings(database=database, policy=IRELAND))
    world = make_world(ledger)
    follower = Follower(ledger, page_size=1)
    follower.catch_up()
    stop = threading.Event()
    failed: list[BaseException] = []

    def issue_and_follow() -> None:
        n = 0
        try:
            while not stop.is_set():
                world.issue(f"learner-{n}", f"R-{n}")
                follower.catch_up()
                n += 1
        except BaseException as error:
            failed.append(error)

    worker = threading.Thread(target=issue_and_follow)
    worker.start()
    try:
        for _ in range(5):
            ledgers = [Ledger(Settings(database=database, policy=IRELAND)) for _ in range(THREADS)]
            try:
                started = time.monotonic()
                errors = run_together(
                    *(lambda ledger=ledger: ViewStore(ledger).ensure_views() for ledger in ledgers)
                )
                took = time.monotonic() - started
            finally:
                for opened in ledgers:
                    opened.close()
            assert errors == []
            assert took < 5, took
    finally:
        stop.set()
        worker.join(30)
        ledger.close()
    assert failed == []
