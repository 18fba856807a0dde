"""The raw-PostgreSQL baselines: what the database does with no application in the way.

* a batched INSERT of rows shaped like the ledger's stored events (uuid, version, topic,
  a state of the real average size), 100 rows per statement, one commit per statement:
  the ceiling for issuance;
* a server-side cursor scan of the events table: the ceiling for a rebuild.
"""

from __future__ import annotations

import os
import time
import uuid

import psycopg
from psycopg import sql

INSERT_ROWS_PER_STATEMENT = 100
EVENTS_TABLE = "ledger_events"  # eventsourcing names it after the application


def average_state_size(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT coalesce(avg(length(state)), 600)::int FROM {}.ledger_events").format(
            sql.Identifier(schema)
        )
    ).fetchone()
    return int(str(row[0])) if row else 600


def raw_insert_rows_per_second(url: str, schema: str, *, rows: int, state_size: int) -> float:
    """Rows per second of a multi-row INSERT (100 rows per statement, each committed)
    into a plain table with the events table's columns and primary key."""
    table = sql.Identifier(schema, "bench_raw_insert")
    topic = "ledger.domain.learner_record:LearnerRecord.AwardIssued"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
                " topic text, state bytea, PRIMARY KEY (originator_id, originator_version))"
            ).format(table)
        )
        values = sql.SQL(", ").join([sql.SQL("(%s, %s, %s, %s)")] * INSERT_ROWS_PER_STATEMENT)
        statement = sql.SQL("INSERT INTO {} VALUES ").format(table) + values
        statements = max(1, rows // INSERT_ROWS_PER_STATEMENT)
        batches = []
        for _ in range(statements):
            params: list[object] = []
            for _ in range(INSERT_ROWS_PER_STATEMENT):
                params += [uuid.uuid4(), 1, topic, os.urandom(state_size)]
            batches.append(params)
        with conn.cursor() as cursor:
            started = time.perf_counter()
            for params in batches:
                cursor.execute(statement, params, prepare=True)
            elapsed = time.perf_counter() - started
        conn.execute(sql.SQL("DROP TABLE {}").format(table))
    return statements * INSERT_ROWS_PER_STATEMENT / elapsed


def raw_scan_rows_per_second(url: str, schema: str) -> tuple[float, int]:
    """Rows per second reading every row of the events table, in log order, through a
    server-side cursor; and the number of rows."""
    table = sql.Identifier(schema, EVENTS_TABLE)
    with psycopg.connect(url) as conn:
        cursor = conn.cursor(name="bench_scan")
        cursor.itersize = 10_000
        started = time.perf_counter()
        cursor.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} ORDER BY notification_id"
            ).format(table)
        )
        count = 0
        for _ in cursor:
            count += 1
        elapsed = time.perf_counter() - started
        cursor.close()
    return (count / elapsed if elapsed else 0.0), count
