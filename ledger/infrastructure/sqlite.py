"""The embedded store: eventsourcing's SQLite recorder plus the ledger's side tables."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.config import DatabaseSettings
from ledger.infrastructure.recorder import (
    AWARD_REFERENCE_INDEX,
    AwardLocation,
    AwardReferences,
    SideEffects,
)
from ledger.infrastructure.turns import IssuanceTurns, process_turns_of


def _location(row: Any) -> AwardLocation:
    return AwardLocation(
        UUID(row["award_id"]),
        UUID(row["learner_record_id"]),
        UUID(row["provider_id"]),
        row["provider_reference"] or "",
    )


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    @classmethod
    def guard_store(cls, datastore: Any, database: DatabaseSettings) -> None:
        """Nothing to guard: the embedded store is a file of this machine."""
        return None

    def issuance_turns(self) -> IssuanceTurns:
        return process_turns_of(self.datastore.pool.db_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS award_index ("
            "award_id TEXT PRIMARY KEY, learner_record_id TEXT NOT NULL, "
            "provider_id TEXT NOT NULL, provider_reference TEXT) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS learner_keys ("
            "learner_record_id TEXT PRIMARY KEY, aes_key BLOB, erased INTEGER NOT NULL DEFAULT 0)"
            " WITHOUT ROWID",
        ]

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        side_effects: SideEffects | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if side_effects is not None:
            if side_effects.award_locations:
                c.executemany(
                    "INSERT INTO award_index (award_id, learner_record_id, provider_id, "
                    "provider_reference) VALUES (?, ?, ?, ?)",
                    [
                        (
                            a.award_id.hex,
                            a.learner_record_id.hex,
                            a.provider_id.hex,
                            a.provider_reference,
                        )
                        for a in side_effects.award_locations
                    ],
                )
            for learner, key in side_effects.new_keys:
                c.execute(
                    "INSERT INTO learner_keys (learner_record_id, aes_key) VALUES (?, ?)",
                    (learner.hex, key),
                )
            if side_effects.erased_keys:
                # Overwrite freed pages so the key does not linger in the file.
                c.execute("PRAGMA secure_delete = ON")
                c.executemany(
                    "UPDATE learner_keys SET aes_key = NULL, erased = 1 "
                    "WHERE learner_record_id = ?",
                    [(learner.hex,) for learner in side_effects.erased_keys],
                )
        return super()._insert_events(c, stored_events, **kwargs)

    def locate_awards(self, award_ids: Iterable[UUID]) -> dict[UUID, AwardLocation]:
        wanted = [a.hex for a in award_ids]
        found: dict[UUID, AwardLocation] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                c.execute(f"SELECT * FROM award_index WHERE award_id IN ({marks})", chunk)
                for row in c.fetchall():
                    location = _location(row)
                    found[location.award_id] = location
        return found

    def locate_awards_by_reference(
        self, provider_id: UUID, references: Iterable[str]
    ) -> dict[str, AwardLocation]:
        wanted = list(dict.fromkeys(references))
        found: dict[str, AwardLocation] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                c.execute(
                    "SELECT * FROM award_index WHERE provider_id = ? "
                    f"AND provider_reference IN ({marks})",
                    [provider_id.hex, *chunk],
                )
                for row in c.fetchall():
                    location = _location(row)
                    found[location.provider_reference] = location
        return found

    def upgrade_award_index(self, references: AwardReferences) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                (AWARD_REFERENCE_INDEX,),
            )
            if c.fetchone() is not None:
                return 0
            c.execute("SELECT name FROM pragma_table_info('award_index')")
            columns = {row["name"] for row in c.fetchall()}
        if "provider_reference" not in columns:
            with self.datastore.transaction(commit=True) as c:
                c.execute("ALTER TABLE award_index ADD COLUMN provider_reference TEXT")
        filled = 0
        # A transaction per chunk, each read from the log before it: the log's reads
        # need a connection of the pool too. An interrupted upgrade starts again (the
        # index is created last), filling only what is still missing.
        for chunk in references():
            with self.datastore.transaction(commit=True) as c:
                c.executemany(
                    "UPDATE award_index SET provider_reference = ? "
                    "WHERE award_id = ? AND provider_reference IS NULL",
                    [(reference, award_id.hex) for award_id, reference in chunk],
                )
                filled += max(c.sqlite_cursor.rowcount, 0)
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {AWARD_REFERENCE_INDEX} "
                "ON award_index (provider_id, provider_reference)"
            )
        return filled

    def select_events_of(self, originator_ids: Iterable[UUID]) -> dict[UUID, list[StoredEvent]]:
        wanted = [o.hex for o in originator_ids]
        found: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                c.execute(
                    f"SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE originator_id IN ({marks}) "
                    "ORDER BY originator_id, originator_version",
                    chunk,
                )
                for row in c.fetchall():
                    originator_id = UUID(row["originator_id"])
                    found.setdefault(originator_id, []).append(
                        StoredEvent(
                            originator_id=originator_id,
                            originator_version=row["originator_version"],
                            topic=row["topic"],
                            state=row["state"],
                        )
                    )
        return found

    def purge_erased_keys(self) -> None:
        # secure_delete zeroes the freed cell in the new page version, but the old page
        # (key and all) stays in the write-ahead log until a checkpoint copies the new
        # one into the database file; TRUNCATE also empties the log file.
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:
            return
        # Its own autocommit connection: a checkpoint cannot run inside a transaction.
        with contextlib.closing(
            sqlite3.connect(pool.db_name, timeout=5, isolation_level=None)
        ) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def learner_key(self, learner_record_id: UUID) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT aes_key FROM learner_keys WHERE learner_record_id = ?",
                (learner_record_id.hex,),
            )
            row = c.fetchone()
            return None if row is None else row["aes_key"]

    def learner_key_ever_existed(self, learner_record_id: UUID) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM learner_keys WHERE learner_record_id = ?", (learner_record_id.hex,)
            )
            return c.fetchone() is not None
