"""eventsourcing's own recorder contract tests, run against the ledger's recorders.

The ledger's recorders subclass eventsourcing's SQLite and PostgreSQL application
recorders and override private hooks (`_insert_events`, `_insert_stored_events`, see
docs/architecture.md, "Decision records"); the views commit eventsourcing's tracking
records through its private `_insert_tracking`. The library ships the test cases it
runs against its own recorders (`eventsourcing.tests.persistence`): run here against
the recorders exactly as a running ledger builds them (through `Ledger`, so with the
hardened PostgreSQL datastore and the side tables), an upgrade of eventsourcing shows
what of that contract the ledger's overrides break.

Each test gets a fresh store (a new SQLite file, or a new schema in the run's
PostgreSQL database) since the library's cases expect an empty log. Not run:
`optional_test_insert_subscribe` on SQLite (eventsourcing's SQLite recorder has no
subscriptions; the ledger does not subscribe).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import ApplicationRecorder, TrackingRecorder
from eventsourcing.tests import persistence as contract

from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.policy import IRELAND
from projections.dialect import make_dialect
from tests.conftest import new_postgres_schema


class _LedgerStore:
    """Builds the recorder a `Ledger` runs with, on a fresh store of each test."""

    database: DatabaseSettings

    def open_ledger(self) -> Ledger:
        ledger = Ledger(Settings(database=self.database, policy=IRELAND))
        self._ledgers.append(ledger)
        return ledger

    def tearDown(self) -> None:
        # The library's concurrency cases start reader threads, tell them to stop and
        # do not wait: closing the store under a reader still in SQLite crashes the
        # interpreter (a segfault in the full suite), so they are waited for here.
        for thread in threading.enumerate():
            if "read_continuously" in thread.name:
                thread.join(timeout=30)
        for ledger in self._ledgers:
            ledger.close()
        super().tearDown()  # type: ignore[misc]


class _OnSQLite(_LedgerStore):
    @pytest.fixture(autouse=True)
    def _fresh_store(self, tmp_path: Path) -> None:
        self._ledgers: list[Ledger] = []
        self.database = DatabaseSettings(url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}")


class _OnPostgres(_LedgerStore):
    @pytest.fixture(autouse=True)
    def _fresh_store(self, postgres_database: str) -> None:
        self._ledgers: list[Ledger] = []
        self.database = new_postgres_schema(postgres_database)


class _ApplicationRecorder(_LedgerStore):
    def create_recorder(self) -> ApplicationRecorder:
        return self.open_ledger().recorder  # type: ignore[return-value]


class _TrackingRecorder(_LedgerStore):
    def create_recorder(self) -> TrackingRecorder:
        return make_dialect(self.open_ledger()).tracking_recorder


# --- SQLite ------------------------------------------------------------------------------
class TestSQLiteApplicationRecorder(
    _OnSQLite, _ApplicationRecorder, contract.ApplicationRecorderTestCase[Any]
):
    """LedgerSQLiteRecorder: inserts, selects, notifications, concurrent writers."""


class TestSQLiteNonInterleavingNotificationIds(
    _OnSQLite, _ApplicationRecorder, contract.NonInterleavingNotificationIDsBaseCase
):
    """Two racing batches get contiguous notification ids (the follower relies on it)."""


class TestSQLiteTrackingRecorder(_OnSQLite, _TrackingRecorder, contract.TrackingRecorderTestCase):
    """The tracking recorder the views commit their positions with."""


# --- PostgreSQL --------------------------------------------------------------------------
@pytest.mark.postgres
class TestPostgresApplicationRecorder(
    _OnPostgres, _ApplicationRecorder, contract.ApplicationRecorderTestCase[Any]
):
    """LedgerPostgresRecorder, with its column-array insert and the hardened pool."""

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


@pytest.mark.postgres
class TestPostgresNonInterleavingNotificationIds(
    _OnPostgres, _ApplicationRecorder, contract.NonInterleavingNotificationIDsBaseCase
):
    """The ledger's `_insert_stored_events` must keep the library's table lock."""


@pytest.mark.postgres
class TestPostgresTrackingRecorder(
    _OnPostgres, _TrackingRecorder, contract.TrackingRecorderTestCase
):
    """The tracking recorder (table ``projection_tracking``) the views commit with."""
