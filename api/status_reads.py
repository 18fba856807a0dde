"""The employers' status read on PostgreSQL, without blocking the event loop.

The status route takes thousands of requests a second on one event loop per worker. The
read model's read is synchronous: called from the ``async`` route it stalls every other
request for the length of a database round trip (which grows fast when the machine is
busy), and from a thread pool it pays a thread hop. Here the same read goes through an
asyncio connection pool of its own, so the loop serves other requests meanwhile.

Reads are coalesced, not cached: the checks that arrive in the same turn of the event
loop go to the database together, as one ``WHERE award_id = ANY(...)`` read, so a busy
server pays one round trip and one statement for several checks; a lone check is read
at once, alone (no timer, no added wait). Same SQL and row-to-answer conversion as
`ReadModel.credential_status`, so the answers are identical, and every answer comes
from a read that started after the request arrived: a revocation shows as soon as the
status view has it.

Connections are not pinged before use. A broken pooled connection (after a database
restart, say) fails its read; the pool is then checked (broken connections replaced)
and the read retried once. All of it within ``LEDGER_DB_TIMEOUT_SECONDS``: past it, or
while the store's monitor says the server is away, the check fails with
`StoreUnavailable` (503) instead of waiting (`ledger.infrastructure.reliability`).

With read replicas (`projections.replicas`), `ReplicatedStatusReader` holds one such
reader per replica beside the primary's: a check goes to the reader of the next usable
replica, and to the primary's when none is usable or the replica's read fails (the
replica is then passed over): same statement, same conversion, same answer.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ledger.config import DatabaseSettings, Settings
from ledger.errors import StoreUnavailable
from ledger.infrastructure.reliability import (
    RECONNECT_GIVE_UP,
    GuardedAsyncConnection,
    NoAnswer,
    StoreMonitor,
    answer_within,
    libpq_options,
)
from projections.read import CredentialStatus, ReadModel
from projections.replicas import REPLICA_ERRORS, Replica, ReplicaSet

MAX_IDS_PER_READ = 500


class AsyncStatusReader:
    def __init__(
        self,
        read_model: ReadModel,
        settings: Settings,
        *,
        database: DatabaseSettings | None = None,
        monitor: StoreMonitor | None = None,
        timeout: float | None = None,
        retry: bool = True,
    ) -> None:
        """Reads for ``read_model`` on the store of ``settings``, or on ``database``
        (a read replica's, watched by ``monitor``), each within ``timeout`` seconds
        (default ``LEDGER_DB_TIMEOUT_SECONDS``). ``retry``: a read that meets a broken
        connection is made once more (a replica's is not: the primary makes it)."""
        self.read_model = read_model
        if database is None:
            database, monitor = settings.database, read_model.ledger.store_monitor
        conninfo = make_conninfo(**database.connect_kwargs())
        size = max(1, database.pool_size)
        self.timeout = database.timeout if timeout is None else timeout
        self.monitor = monitor
        self.retry = retry
        self.pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            conninfo,
            connection_class=GuardedAsyncConnection,
            min_size=size,
            max_size=size,
            open=False,
            kwargs={
                **libpq_options(self.timeout),
                "autocommit": True,
                "row_factory": dict_row,
            },
            name="status-reads",
            timeout=self.timeout,
            reconnect_timeout=RECONNECT_GIVE_UP,
        )
        # The read model's own statement: primary-key reads joined to the provider
        # register and the catalogue.
        self.statement = read_model.status_statement("s.award_id = ANY(?)")
        self._waiting: dict[UUID, list[asyncio.Future[Any]]] = {}
        self._flush_scheduled = False
        self._reads: set[asyncio.Task[None]] = set()

    async def open(self, *, wait: bool = True) -> None:
        """Open the pool; ``wait``: until its connections are made (a replica's pool
        does not wait: a replica that is down must not hold the start-up)."""
        await self.pool.open(wait=wait, timeout=30)

    async def close(self) -> None:
        await self.pool.close()

    async def credential_status(self, award_id: UUID) -> CredentialStatus | None:
        """As `ReadModel.credential_status`: the current status, or ``None``."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        self._waiting.setdefault(award_id, []).append(answer)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        row = await answer
        if row is None:
            return None
        return self.read_model.status_of_row(row)

    def _flush(self) -> None:
        """Start one read for every check that arrived in this turn of the loop."""
        waiting, self._waiting = self._waiting, {}
        self._flush_scheduled = False
        ids = list(waiting)
        for start in range(0, len(ids), MAX_IDS_PER_READ):
            chunk = {i: waiting[i] for i in ids[start : start + MAX_IDS_PER_READ]}
            task = asyncio.get_running_loop().create_task(self._answer(chunk))
            self._reads.add(task)  # keep a reference until done
            task.add_done_callback(self._reads.discard)

    async def _answer(self, waiting: dict[UUID, list[asyncio.Future[Any]]]) -> None:
        try:
            rows = await self._fetch(list(waiting))
        except Exception as error:
            for futures in waiting.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
            return
        for award_id, futures in waiting.items():
            row = rows.get(award_id)
            for future in futures:
                if not future.done():
                    future.set_result(row)

    async def _fetch(self, award_ids: list[UUID]) -> dict[UUID, Any]:
        if self.monitor is not None:
            self.monitor.check()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            with answer_within(self.timeout):
                try:
                    return await self._fetch_once(award_ids, self.timeout)
                except (PoolTimeout, NoAnswer):
                    raise
                except psycopg.OperationalError:
                    if not self.retry:
                        self._check_pool_later()
                        raise
                    if self.monitor is not None:
                        self.monitor.check()
                    await self.pool.check()  # replace the connections that broke
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        raise
                    return await self._fetch_once(award_ids, remaining)
        except psycopg.OperationalError as error:
            raise StoreUnavailable(f"the status read failed: {error}") from error

    def _check_pool_later(self) -> None:
        """Replace the pool's broken connections in the background (not in the read's
        time: the caller asks elsewhere)."""
        task = asyncio.get_running_loop().create_task(self.pool.check())
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)

    async def _fetch_once(self, award_ids: list[UUID], timeout: float) -> dict[UUID, Any]:
        async with self.pool.connection(timeout=timeout) as conn:
            cursor = await conn.execute(self.statement, (award_ids,), prepare=True)
            return {row["award_id"]: row for row in await cursor.fetchall()}


class ReplicatedStatusReader:
    """`AsyncStatusReader.credential_status` on the read replicas, else the primary."""

    def __init__(self, primary: AsyncStatusReader, replicas: ReplicaSet, settings: Settings):
        self.primary = primary
        self.replicas = replicas
        self.pool = primary.pool  # the primary's, for /metrics
        self.readers: dict[int, AsyncStatusReader] = {
            id(replica): AsyncStatusReader(
                replica.read_model,
                settings,
                database=replica.database,
                monitor=replica.monitor,
                timeout=replicas.read_timeout,
                retry=False,
            )
            for replica in replicas.replicas
        }

    async def open(self) -> None:
        await self.primary.open()
        for reader in self.readers.values():
            await reader.open(wait=False)

    async def close(self) -> None:
        for reader in self.readers.values():
            await reader.close()
        await self.primary.close()

    def reader_of(self, replica: Replica) -> AsyncStatusReader:
        return self.readers[id(replica)]

    async def credential_status(self, award_id: UUID) -> CredentialStatus | None:
        replica = self.replicas.choose()
        if replica is not None:
            try:
                found = await self.reader_of(replica).credential_status(award_id)
            except REPLICA_ERRORS as error:
                self.replicas.failed(replica, error)
            else:
                replica.served += 1
                return found
        self.replicas.primary_served += 1
        return await self.primary.credential_status(award_id)
