"""The raw-PostgreSQL baselines: what the database does with no application in the way.

* a batched INSERT of rows shaped like the ledger's stored events (uuid, version, topic,
  a state of the real average size), 100 rows per statement, one commit per statement:
  the ceiling for issuance;
* a server-side cursor scan of the events table: the ceiling for a rebuild;

and one reference that is not a goal: eventsourcing's own ``Application.save`` of new
aggregates, many per call, with nothing else (no API, no index, no views). The issue's
goal for issuance was set against it ("batching 100 aggregates in one save about
0.37" of the raw INSERT where the goal was written); measured beside the raw INSERT,
it shows what that ratio is on the machine at hand.
"""

from __future__ import annotations

import os
import time
import uuid

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from ledger.config import DatabaseSettings

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


class _Saved(Aggregate):
    """A new aggregate: one created event whose state is about the ledger's size."""

    @event("Created")
    def __init__(self, payload: str) -> None:
        self.payload = payload


def eventsourcing_saves_per_second(
    url: str, *, aggregates: int, per_save: int, state_size: int
) -> float:
    """New aggregates per second through eventsourcing's ``Application.save``,
    ``per_save`` aggregates in each call, into a schema of its own (dropped after)."""
    schema = "bench_eventsourcing_save"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    # The ledger's own connection settings, with eventsourcing's own recorder.
    env = DatabaseSettings(url=url, schema=schema).eventsourcing_env()
    del env["APPLICATION_RECORDER_TOPIC"]
    app = Application(env=env)
    try:
        # The payload tops the event's stored state up to the ledger's average size.
        empty = _Saved("").collect_events()[0]
        payload = "x" * max(0, state_size - len(app.mapper.to_stored_event(empty).state))
        calls = max(1, aggregates // per_save)
        batches = [[_Saved(payload) for _ in range(per_save)] for _ in range(calls)]
        started = time.perf_counter()
        for batch in batches:
            app.save(*batch)
        elapsed = time.perf_counter() - started
    finally:
        app.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return calls * per_save / elapsed


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
