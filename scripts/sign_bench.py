"""Credentials signed per second, and served per second once signed (issue 20).

    python -m scripts.sign_bench [--awards 5000] [--database-url postgresql://...]

Each award is signed once (an Open Badges 3.0 credential with an ``eddsa-rdfc-2022``
proof, its status-list slot reserved) and its bytes are served as they are ever after.
This measures, on a scratch store it makes (a new SQLite file by default, or a new
schema of the PostgreSQL database named):

- signing: ``ledger credentials sign``'s path (`CredentialService.sign_outstanding`),
  awards/s and CPU per award, in one process;
- serving: `CredentialService.credential` for awards already signed (a read of the kept
  document), per second;
- for scale: the status read of the same awards (`ReadModel.credential_status`), and the
  canonicalization alone (`canonical_nquads`) of one credential, which is most of a
  signature's cost.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import orjson
import psycopg

from composition import open_process
from ledger.config import DatabaseSettings, Settings, SigningSettings
from ledger.credentials.canonical import canonical_nquads
from ledger.policy import IRELAND
from projections.follower import Follower
from scripts.rebuild_bench import populate

T = TypeVar("T")


def scratch_settings(url: str | None, folder: Path) -> Settings:
    if url is None:
        database = DatabaseSettings(url=f"sqlite:///{folder / 'sign-bench.sqlite3'}")
    else:
        schema = f"sign_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        database = DatabaseSettings(url=url, schema=schema, pool_size=4)
    return Settings(
        database=database, policy=IRELAND, signing=SigningSettings(secret=os.urandom(32))
    )


def timed(run: Callable[[], T]) -> tuple[T, float, float]:
    """What ``run()`` returns, and the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite)")
    parser.add_argument("--reads", type=int, default=5000, help="served credentials timed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        settings = scratch_settings(args.database_url, Path(folder))
        process = open_process(settings)
        try:
            print(f"store: {settings.database.describe()}; seeding {args.awards} awards")
            populate(process.ledger, args.awards)
            Follower(process.ledger, store=process.view_store).catch_up()

            summary, wall, cpu = timed(process.credentials.sign_outstanding)
            signed = summary.signed
            print(
                f"signing: {signed} awards in {wall:.1f} s: {signed / wall:,.0f} signed/s,"
                f" {cpu / signed * 1e3:.2f} ms CPU per award (this process)"
            )

            award_ids: list[UUID] = []
            after: UUID | None = None
            while page := process.read_model.awards_after(after, 1000):
                award_ids.extend(award_id for award_id, _ in page)
                after = page[-1][0]
            sample = [random.choice(award_ids) for _ in range(args.reads)]

            def serve() -> None:
                for award_id in sample:
                    process.credentials.credential(award_id)

            def status() -> None:
                for award_id in sample:
                    process.read_model.credential_status(award_id)

            _, served, _ = timed(serve)
            _, statuses, _ = timed(status)
            print(
                f"serving a signed credential: {args.reads / served:,.0f}/s"
                f" ({served / args.reads * 1e6:.0f} µs each)"
            )
            print(
                f"status read of the same awards: {args.reads / statuses:,.0f}/s"
                f" ({statuses / args.reads * 1e6:.0f} µs each)"
            )
            document = orjson.loads(process.credentials.credential(sample[0]))
            document.pop("proof")
            _, canonical, _ = timed(lambda: [canonical_nquads(document) for _ in range(50)])
            print(f"canonicalizing one credential: {canonical / 50 * 1e3:.2f} ms")
        finally:
            process.close()
            if args.database_url is not None:
                with psycopg.connect(args.database_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{settings.database.schema}" CASCADE')


if __name__ == "__main__":
    main()
