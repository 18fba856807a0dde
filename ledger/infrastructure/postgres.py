"""The production store: eventsourcing's PostgreSQL recorder plus the side tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.config import DatabaseSettings
from ledger.infrastructure.postgres_turns import PostgresTurns
from ledger.infrastructure.recorder import (
    AWARD_REFERENCE_INDEX,
    AwardLocation,
    AwardReferences,
    SideEffects,
)
from ledger.infrastructure.reliability import StoreMonitor, harden
from ledger.infrastructure.store_setup import connect_kwargs_of
from ledger.infrastructure.turns import IssuanceTurns, turn_key


def _location(row: DictRow) -> AwardLocation:
    reference = row["provider_reference"] or ""
    return AwardLocation(row["award_id"], row["learner_record_id"], row["provider_id"], reference)


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.award_index ("
                "award_id uuid PRIMARY KEY, learner_record_id uuid NOT NULL, "
                "provider_id uuid NOT NULL, provider_reference text)"
            ).format(schema)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.learner_keys ("
                "learner_record_id uuid PRIMARY KEY, aes_key bytea, "
                "erased boolean NOT NULL DEFAULT false)"
            ).format(schema)
        )
        # Arrays go as binary parameters (%b): in text form psycopg quotes every element
        # with a regular expression, a tenth of the issuance path's time (measured).
        self._insert_award_index = SQL(
            "INSERT INTO {0}.award_index (award_id, learner_record_id, provider_id, "
            "provider_reference) SELECT * FROM unnest(%b::uuid[], %b::uuid[], %b::uuid[], "
            "%b::text[])"
        ).format(schema)
        self._insert_columns = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(schema, Identifier(self.events_table_name))
        self._insert_key = SQL(
            "INSERT INTO {0}.learner_keys (learner_record_id, aes_key) VALUES (%s, %s)"
        ).format(schema)
        self._erase_key = SQL(
            "UPDATE {0}.learner_keys SET aes_key = NULL, erased = true WHERE learner_record_id = %s"
        ).format(schema)
        self._select_awards = SQL("SELECT * FROM {0}.award_index WHERE award_id = ANY(%b)").format(
            schema
        )
        self._select_awards_by_reference = SQL(
            "SELECT * FROM {0}.award_index "
            "WHERE provider_id = %b AND provider_reference = ANY(%b::text[])"
        ).format(schema)
        self._award_index_upgraded = SQL(
            "SELECT 1 FROM pg_indexes WHERE schemaname = %s AND indexname = %s"
        )
        self._add_reference_column = SQL(
            "ALTER TABLE {0}.award_index ADD COLUMN IF NOT EXISTS provider_reference text"
        ).format(schema)
        self._fill_references = SQL(
            "UPDATE {0}.award_index AS a SET provider_reference = v.reference "
            "FROM unnest(%b::uuid[], %b::text[]) AS v(award_id, reference) "
            "WHERE a.award_id = v.award_id AND a.provider_reference IS NULL"
        ).format(schema)
        self._create_reference_index = SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS {1} ON {0}.award_index "
            "(provider_id, provider_reference)"
        ).format(schema, Identifier(AWARD_REFERENCE_INDEX))
        self._select_events_of = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = ANY(%b) ORDER BY originator_id, originator_version"
        ).format(schema, Identifier(self.events_table_name))
        # First in the save's transaction, before the event table's lock: a save that
        # waits for a retry's turn then holds no lock that retry's own save needs.
        self._take_shared_turn = SQL("SELECT pg_advisory_xact_lock_shared({0})").format(
            turn_key(self.datastore.schema)
        )
        self._vacuum_keys = SQL("VACUUM {0}.learner_keys").format(schema)
        self._select_key = SQL(
            "SELECT aes_key FROM {0}.learner_keys WHERE learner_record_id = %s"
        ).format(schema)

    @classmethod
    def guard_store(cls, datastore: PostgresDatastore, database: DatabaseSettings) -> StoreMonitor:
        # Before the recorder creates its tables, so that every connection of the pool
        # fails fast while PostgreSQL is away (`ledger.infrastructure.reliability`).
        return harden(datastore, database.connect_kwargs(), database.timeout)

    def issuance_turns(self) -> IssuanceTurns:
        return PostgresTurns(connect_kwargs_of(self.datastore), self.datastore.schema)

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        side_effects: SideEffects | None = None,
        **kwargs: Any,
    ) -> None:
        if side_effects is not None:
            if side_effects.shared_turn:
                curs.execute(self._take_shared_turn, prepare=True)
            locations = side_effects.award_locations
            if locations:
                curs.execute(
                    self._insert_award_index,
                    (
                        [a.award_id for a in locations],
                        [a.learner_record_id for a in locations],
                        [a.provider_id for a in locations],
                        [a.provider_reference for a in locations],
                    ),
                    prepare=True,
                )
            for learner, key in side_effects.new_keys:
                curs.execute(self._insert_key, (learner, key))
            for learner in side_effects.erased_keys:
                curs.execute(self._erase_key, (learner,))
        super()._insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> None:
        """As eventsourcing's (table lock, NOTIFY, insert returning the notification
        ids in order), with the events as four binary column arrays instead of one
        array of composites in text form, whose quoting cost more than the insert."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self._insert_columns,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
            prepare=True,
        )

    def locate_awards(self, award_ids: Iterable[UUID]) -> dict[UUID, AwardLocation]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_awards, (list(award_ids),), prepare=True)
            return {row["award_id"]: _location(row) for row in curs.fetchall()}

    def locate_awards_by_reference(
        self, provider_id: UUID, references: Iterable[str]
    ) -> dict[str, AwardLocation]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._select_awards_by_reference,
                (provider_id, list(dict.fromkeys(references))),
                prepare=True,
            )
            return {row["provider_reference"]: _location(row) for row in curs.fetchall()}

    def upgrade_award_index(self, references: AwardReferences) -> int:
        with self.datastore.get_connection() as conn:
            upgraded = conn.execute(
                self._award_index_upgraded, (self.datastore.schema, AWARD_REFERENCE_INDEX)
            ).fetchone()
            if upgraded is not None:
                return 0
            conn.execute(self._add_reference_column)
        filled = 0
        # Each chunk is read from the log before it is written (autocommit): an
        # interrupted upgrade starts again (the index is created last), filling only
        # what is still missing.
        for chunk in references():
            with self.datastore.get_connection() as conn:
                done = conn.execute(
                    self._fill_references,
                    ([award_id for award_id, _ in chunk], [reference for _, reference in chunk]),
                )
                filled += max(done.rowcount, 0)
        with self.datastore.get_connection() as conn:
            conn.execute(self._create_reference_index)
        return filled

    def select_events_of(self, originator_ids: Iterable[UUID]) -> dict[UUID, list[StoredEvent]]:
        found: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_events_of, (list(originator_ids),), prepare=True)
            for row in curs.fetchall():
                found.setdefault(row["originator_id"], []).append(
                    StoredEvent(
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                )
        return found

    def purge_erased_keys(self) -> None:
        # An UPDATE leaves the old tuple, key and all, in the table file until VACUUM
        # reclaims it. VACUUM cannot run inside a transaction; pool connections are in
        # autocommit mode, so this statement runs on its own.
        with self.datastore.get_connection() as conn:
            conn.execute(self._vacuum_keys)

    def learner_key(self, learner_record_id: UUID) -> bytes | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_key, (learner_record_id,))
            row = curs.fetchone()
            return None if row is None or row["aes_key"] is None else bytes(row["aes_key"])

    def learner_key_ever_existed(self, learner_record_id: UUID) -> bool:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_key, (learner_record_id,))
            return curs.fetchone() is not None


def replica_datastore(database: DatabaseSettings) -> tuple[PostgresDatastore, StoreMonitor]:
    """A datastore on a read replica (a hot standby) of the store, hardened as the
    primary's (`harden`: fail fast while it is away, reconnect when it is back), and
    its monitor (`StoreMonitor.release` it when done). Nothing is created on it: a
    standby is read-only, and its tables are the primary's, replicated. Its pool opens
    on first use, so a replica that is down does not hold the process's start-up."""
    kwargs = database.connect_kwargs()
    datastore = PostgresDatastore(
        dbname=kwargs["dbname"],
        host=kwargs["host"],
        port=kwargs["port"],
        user=kwargs["user"],
        password=kwargs["password"],
        connect_timeout=database.timeout,
        pool_size=database.pool_size,
        max_overflow=database.pool_size,
        pre_ping=True,
        schema=database.schema,
    )
    return datastore, harden(datastore, kwargs, database.timeout)
