"""The employers' status read on PostgreSQL, without blocking the event loop.

The status route takes thousands of requests a second on one event loop per worker. The
read model's read is synchronous: called from the ``async`` route it stalls every other
request for the length of a database round trip (which grows fast when the machine is
busy), and from a thread pool it pays a thread hop. Here the same read goes through an
asyncio connection pool of its own, so the loop serves other requests meanwhile.

Same SQL and same row-to-answer conversion as `ReadModel.credential_status`, so the
answers are identical; nothing is cached, so a revocation shows as soon as the status
view has it. One round trip per request: connections are not pinged before use. A
broken pooled connection (after a database restart, say) fails its read; the pool is
then checked (broken connections replaced) and the read retried once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from ledger.config import Settings
from projections.read import CredentialStatus, ReadModel


class AsyncStatusReader:
    def __init__(self, read_model: ReadModel, settings: Settings) -> None:
        self.read_model = read_model
        env = settings.database.eventsourcing_env()
        conninfo = make_conninfo(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=env["POSTGRES_CONNECT_TIMEOUT"],
        )
        size = max(1, settings.database.pool_size)
        self.pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            conninfo,
            min_size=size,
            max_size=size,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row},
            name="status-reads",
        )
        d = read_model.d
        # The read model's own statement: one primary-key read joined to the provider
        # register and the catalogue.
        self.statement = d.q(ReadModel._STATUS_SELECT + "WHERE s.award_id = ?")

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        await self.pool.close()

    async def credential_status(self, award_id: UUID) -> CredentialStatus | None:
        """As `ReadModel.credential_status`: the current status, or ``None``."""
        row = await self._fetch(award_id)
        if row is None:
            return None
        model = self.read_model
        return model._status(row, model.clock())

    async def _fetch(self, award_id: UUID) -> Any:
        try:
            return await self._fetch_once(award_id)
        except psycopg.OperationalError:
            await self.pool.check()  # replace the connections that broke
            return await self._fetch_once(award_id)

    async def _fetch_once(self, award_id: UUID) -> Any:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(self.statement, (award_id,), prepare=True)
            return await cursor.fetchone()
