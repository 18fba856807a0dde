"""Benchmark of the tamper-evident log on PostgreSQL, figures side by side in one run:

* leaves appended per second by the log's follower, against a raw scan of the same
  events (what reading them alone costs), over ``--events`` stored events;
* the storage the log adds per event, and proof times at that size;
* issuance through ``Ledger.issue_awards`` with the log's follower running beside it
  (``ledger log append --follow``, its own process) and without.

    .venv/bin/python -m scripts.log_bench                      # 1,000,000 events
    .venv/bin/python -m scripts.log_bench --events 100000 --awards 5000
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from ledger.application import IssueRequest, Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Principal
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    CredentialSpecification,
    ParticipationForm,
)
from ledger.policy import IRELAND
from projections.dialect import make_dialect
from projections.tlog.appender import StaticSigner
from projections.tlog.log import TransparencyLog
from scripts.bench.baselines import EVENTS_TABLE, raw_scan_rows_per_second
from scripts.bench.run import fresh_database, postgres_version

REPO = Path(__file__).resolve().parent.parent
AUTHORITY = Principal.authority("authority:bench")
TOPIC = "ledger.domain.learner_record:LearnerRecord.AwardIssued"


def schema_ledger(url: str, schema: str) -> Ledger:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return Ledger(Settings(database=DatabaseSettings(url=url, schema=schema), policy=IRELAND))


def fill_events(url: str, schema: str, events: int, state_size: int) -> None:
    """``events`` stored events of the ledger's average size, by COPY: the log reads
    stored rows and never decodes them, so what they say does not matter here."""
    state = b'{"x":"' + b"x" * (state_size - 8) + b'"}'
    table = sql.Identifier(schema, EVENTS_TABLE)
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        statement = sql.SQL(
            "COPY {} (originator_id, originator_version, topic, state) FROM STDIN"
        ).format(table)
        with cursor.copy(statement) as copy:
            for _ in range(events):
                copy.write_row((uuid.uuid4(), 1, TOPIC, state))


def measure_appending(url: str, events: int) -> list[str]:
    schema = "bench_log"
    ledger = schema_ledger(url, schema)
    try:
        fill_events(url, schema, events, 630)
        scan_rate, _ = raw_scan_rows_per_second(url, schema)
        d = make_dialect(ledger)
        log = TransparencyLog(
            ledger.recorder, d, StaticSigner("bench.example/log", Ed25519PrivateKey.generate())
        )
        log.appender.page_size = 5000
        started = time.perf_counter()
        appended = log.appender.catch_up()
        elapsed = time.perf_counter() - started
        rate = appended / elapsed
        size = log.checkpoint().size
        rng = random.Random(1)
        positions = [rng.randrange(1, events + 1) for _ in range(1000)]
        started = time.perf_counter()
        for position in positions:
            log.inclusion(position)
        inclusion_ms = (time.perf_counter() - started) / len(positions) * 1000
        started = time.perf_counter()
        for _ in range(1000):
            first = rng.randrange(1, size)
            log.consistency(first, size)
        consistency_ms = (time.perf_counter() - started) / 1000 * 1000
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname IN ('tlog_hashes', 'tlog_leaves', "
                "'tlog_checkpoints')",
                (schema,),
            ).fetchone()
            events_row = conn.execute(
                "SELECT pg_total_relation_size(%s)", (f"{schema}.{EVENTS_TABLE}",)
            ).fetchone()
        log_bytes = int(row[0]) if row and row[0] else 0
        event_bytes = int(events_row[0]) if events_row and events_row[0] else 0
    finally:
        ledger.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return [
        f"| Leaves appended ({appended:,} events, pages of 5,000) | {rate:,.0f} leaves/s "
        f"| {scan_rate:,.0f} rows/s (raw scan of the same events) | {rate / scan_rate:.2f} |",
        f"| Inclusion proof at {size:,} leaves (mean of 1,000, from the database) "
        f"| {inclusion_ms:.2f} ms | | |",
        f"| Consistency proof at {size:,} leaves (mean of 1,000) | {consistency_ms:.2f} ms | | |",
        f"| Storage of the log | {log_bytes / size:,.0f} B per event "
        f"| {event_bytes / size:,.0f} B per stored event | {log_bytes / event_bytes:.2f} |",
    ]


def issue(
    ledger: Ledger, provider_id: uuid.UUID, credential_id: uuid.UUID, awards: int, tag: str
) -> float:
    today = date.today()
    requests = [
        IssueRequest(
            learner_id=f"{tag}-{n}",
            micro_credential_id=credential_id,
            provider_reference=f"{tag}-{n}",
            assessment=Assessment("exam", today - timedelta(days=1), "pass"),
        )
        for n in range(awards)
    ]
    started = time.perf_counter()
    for start in range(0, awards, 500):
        ledger.issue_awards(
            provider_id=provider_id, requests=requests[start : start + 500], by=AUTHORITY
        )
    return awards / (time.perf_counter() - started)


def measure_issuance(url: str, awards: int) -> list[str]:
    schema = "bench_log_issuance"
    ledger = schema_ledger(url, schema)
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_DATABASE_SCHEMA": schema,
        "LEDGER_SIGNING_KEY_SECRET": os.environ.get(
            "LEDGER_SIGNING_KEY_SECRET", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
        ),
    }
    try:
        provider = ledger.register_provider(
            code="BENCH",
            name="Bench",
            country="IE",
            kind="university",
            by=AUTHORITY,  # type: ignore[arg-type]
        ).aggregate_id
        ledger.accredit_provider(
            provider,
            scope=AccreditationScope((6,), ("0688 ICT",)),
            valid_until=date.today() + timedelta(days=365),
            decision_reference="B",
            by=AUTHORITY,
        )
        specification = CredentialSpecification(
            title="Bench",
            learning_outcomes=("Bench",),
            workload_ects=Decimal(5),
            assessment_type="exam",
            participation_form=ParticipationForm.ONLINE,
            quality_assurance="bench",
            field_of_study="0688 ICT",
            nqf_level=6,
        )
        credential = ledger.define_micro_credential(
            provider_id=provider, code="B-1", specification=specification, by=AUTHORITY
        ).aggregate_id
        ledger.accredit_micro_credential(credential, decision_reference="B", by=AUTHORITY)
        issue(ledger, provider, credential, 1000, "warm")
        off = issue(ledger, provider, credential, awards, "off")
        follower = subprocess.Popen(
            [sys.executable, "-c", "from cli import main; main()", "log", "append", "--follow"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            on = issue(ledger, provider, credential, awards, "on")
        finally:
            follower.terminate()
            follower.wait(30)
    finally:
        ledger.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return [
        f"| Issuance, `Ledger.issue_awards` in batches of 500, the log's follower running "
        f"({awards:,} awards) | {on:,.0f} awards/s | {off:,.0f} awards/s (the log off) "
        f"| {on / off:.2f} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--awards", type=int, default=20_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="ledger_log_bench")
    args = parser.parse_args()
    with fresh_database(args.admin_url, args.database, keep=False) as url:
        rows = measure_appending(url, args.events) + measure_issuance(url, args.awards)
        version = postgres_version(url)
    print(
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} "
        f"cores, PostgreSQL {version}\n"
    )
    print("| measure | figure | baseline (same run) | ratio |")
    print("| --- | ---: | --- | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
