"""Rebuild throughput against a raw scan of the events table (issue 6's yardstick).

    python -m scripts.rebuild_bench [--awards 50000]

Uses the store named by ``LEDGER_DATABASE_URL`` (and ``LEDGER_DATABASE_SCHEMA``); when
the log is smaller than asked, it first issues awards in batches of 1,000 into it, so
point it at a scratch database or schema. Prints events/s of a raw scan (a server-side
cursor on PostgreSQL, a plain cursor on SQLite), of decoding alone, and of
``rebuild`` of all views, and the ratios.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledger.application import IssueRequest, Ledger
from ledger.config import Settings
from ledger.domain.principal import Principal
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    CredentialSpecification,
    ParticipationForm,
    ProviderKind,
)
from ledger.errors import LedgerError
from projections.rebuild import rebuild

AUTHORITY = Principal.authority("authority:bench")


def populate(ledger: Ledger, awards: int) -> None:
    try:
        provider = ledger.register_provider(
            code="BENCH", name="Bench", country="IE", kind=ProviderKind.OTHER, by=AUTHORITY
        ).aggregate_id
        ledger.accredit_provider(
            provider,
            scope=AccreditationScope((6,), ("0688 ICT",)),
            valid_until=date.today() + timedelta(days=999),
            decision_reference="B",
            by=AUTHORITY,
        )
        credential = ledger.define_micro_credential(
            provider_id=provider,
            code="B1",
            by=AUTHORITY,
            specification=CredentialSpecification(
                title="Bench",
                learning_outcomes=("x",),
                workload_ects=Decimal(10),
                assessment_type="exam",
                participation_form=ParticipationForm.ONLINE,
                quality_assurance="qa",
                field_of_study="0688 ICT",
                nqf_level=6,
            ),
        ).aggregate_id
        ledger.accredit_micro_credential(credential, decision_reference="B", by=AUTHORITY)
    except LedgerError:
        from ledger.domain import ids

        provider = ids.provider_id("BENCH")
        credential = ids.micro_credential_id(provider, "B1")
    have = int(ledger.recorder.max_notification_id() or 0)
    start = have // 2
    for batch in range(start, awards, 1000):
        requests = [
            IssueRequest(
                learner_id=f"bench-{n}",
                micro_credential_id=credential,
                provider_reference=f"bench-{n}",
                assessment=Assessment("exam", date.today(), "pass"),
            )
            for n in range(batch, min(batch + 1000, awards))
        ]
        ledger.issue_awards(provider_id=provider, requests=requests, by=AUTHORITY)


def raw_scan(ledger: Ledger) -> int:
    recorder: Any = ledger.recorder
    datastore = recorder.datastore
    rows = 0
    if type(datastore).__name__ == "PostgresDatastore":
        from psycopg.sql import SQL, Identifier

        with (
            datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(name="bench_scan") as cursor,
        ):
            cursor.itersize = 10_000
            cursor.execute(
                SQL("SELECT * FROM {0}.{1} ORDER BY notification_id").format(
                    Identifier(datastore.schema), Identifier(recorder.events_table_name)
                )
            )
            for _ in cursor:
                rows += 1
        return rows
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT rowid, * FROM {recorder.events_table_name} ORDER BY rowid")
        while batch := cursor.sqlite_cursor.fetchmany(10_000):
            rows += len(batch)
    return rows


def decode_only(ledger: Ledger, page: int = 5000) -> int:
    recorder: Any = ledger.recorder
    to_domain_event = ledger.mapper.to_domain_event
    position, count = 1, 0
    while notifications := recorder.select_notifications(position, page):
        for n in notifications:
            to_domain_event(n)
        count += len(notifications)
        position = notifications[-1].id + 1
    return count


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--awards", type=int, default=50_000)
    args = parser.parse_args()
    ledger = Ledger(Settings.from_env())
    try:
        populate(ledger, args.awards)
        events = int(ledger.recorder.max_notification_id() or 0)
        scan_s, rows = timed(raw_scan, ledger)
        decode_s, _ = timed(decode_only, ledger)
        rebuild_s, _ = timed(rebuild, ledger)
        scan_rate = rows / scan_s
        print(f"events in the log      {events:>10,}")
        print(f"raw scan               {scan_rate:>10,.0f} events/s")
        print(
            f"select + decode        {events / decode_s:>10,.0f} events/s  "
            f"({events / decode_s / scan_rate:.2f} of the raw scan)"
        )
        print(
            f"rebuild of all views   {events / rebuild_s:>10,.0f} events/s  "
            f"({events / rebuild_s / scan_rate:.2f} of the raw scan)"
        )
    finally:
        ledger.close()


if __name__ == "__main__":
    main()
