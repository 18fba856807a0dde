"""Raw access to what a ledger wrote, below the application: the stored event rows and
the side tables, read with plain SQL on SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from ledger.application import Ledger


class RawStore:
    def __init__(self, ledger: Ledger) -> None:
        self.database = ledger.settings.database
        self.events_table: str = ledger.recorder.events_table_name  # type: ignore[attr-defined]

    @property
    def is_postgres(self) -> bool:
        return self.database.is_postgres

    def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a statement; ``{schema}`` in it names the store's schema (nothing on SQLite)
        and ``?`` marks parameters on both stores."""
        if self.is_postgres:
            text = statement.replace("{schema}", f'"{self.database.schema}".').replace("?", "%s")
            with psycopg.connect(self.database.url, autocommit=True) as conn:
                cursor = conn.execute(sql.SQL(text), params)
                return cursor.fetchall() if cursor.description else []
        with closing(sqlite3.connect(self.database.sqlite_path, isolation_level=None)) as conn:
            return conn.execute(statement.replace("{schema}", ""), params).fetchall()

    def _uuid(self, value: UUID) -> Any:
        return value if self.is_postgres else value.hex

    def stored_events(self) -> list[tuple[str, int, str, bytes]]:
        """Every stored event: originator id, version, topic and the raw state bytes."""
        order = "notification_id" if self.is_postgres else "rowid"
        rows = self.query(
            f"SELECT originator_id, originator_version, topic, state "
            f"FROM {{schema}}{self.events_table} ORDER BY {order}"
        )
        return [(str(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) FROM {{schema}}{table}")[0][0])

    def award_index_rows(self) -> int:
        return self.count("award_index")

    def key_row(self, learner_record_id: UUID) -> tuple[bytes | None, bool] | None:
        rows = self.query(
            "SELECT aes_key, erased FROM {schema}learner_keys WHERE learner_record_id = ?",
            self._uuid(learner_record_id),
        )
        if not rows:
            return None
        key, erased = rows[0]
        return (None if key is None else bytes(key)), bool(erased)

    def insert_stored_event(
        self, originator_id: UUID, version: int, topic: str, state: bytes
    ) -> None:
        """Write an event row directly, as an older version of the code would have."""
        self.query(
            f"INSERT INTO {{schema}}{self.events_table} "
            f"(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            self._uuid(originator_id),
            version,
            topic,
            state,
        )
