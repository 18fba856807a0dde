"""Where the ledger keeps its events.

``LEDGER_DATABASE_URL``  absent: a SQLite file ``ledger.sqlite3`` in the working
                         directory; ``sqlite:///path`` another file;
                         ``postgresql://user:pass@host:port/db`` PostgreSQL.
``LEDGER_DATABASE_SCHEMA`` PostgreSQL schema (default ``public``).
``LEDGER_DB_POOL_SIZE``  PostgreSQL connections per process (default 5).
``LEDGER_DB_TIMEOUT_SECONDS`` how long a request waits for an absent PostgreSQL before
                         it is answered 503 (default 2; see docs/reliability.md).
``LEDGER_READ_DATABASE_URL`` PostgreSQL hot standbys of the primary (comma-separated
                         URLs) that answer the public reads (docs/operations.md);
                         refused with an SQLite store.
``LEDGER_READ_REPLICA_MAX_LAG_SECONDS`` a replica further behind the primary's views
                         than this is passed over (default 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from ledger.config.environment import Environment

DEFAULT_SQLITE_FILE = "ledger.sqlite3"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    schema: str = "public"
    pool_size: int = 5
    timeout: float = 2.0
    """Seconds a request waits for a PostgreSQL server that does not answer."""
    read_urls: tuple[str, ...] = ()
    """PostgreSQL hot standbys of this store that answer the public reads."""
    replica_max_lag: float = 1.0
    """Seconds a replica's views may be behind the primary's and still answer."""

    def __post_init__(self) -> None:
        # A PostgreSQL URL may name its schema (``?schema=name``); it is the schema the
        # tables go in, so it must be the one every other part of the ledger sees.
        if self.is_postgres:
            in_url = parse_qs(urlparse(self.url).query).get("schema", [None])[0]
            if in_url is not None and self.schema not in ("public", in_url):
                msg = (
                    f"the database URL names schema {in_url!r} but LEDGER_DATABASE_SCHEMA "
                    f"says {self.schema!r}; give one of them"
                )
                raise ValueError(msg)
            if in_url is not None:
                object.__setattr__(self, "schema", in_url)
        if self.pool_size < 1:
            msg = f"the database pool needs at least one connection, got {self.pool_size}"
            raise ValueError(msg)
        if not 0 < self.timeout <= 600:
            msg = f"the database timeout must be between 0 and 600 seconds, got {self.timeout}"
            raise ValueError(msg)
        self._check_replicas()

    def _check_replicas(self) -> None:
        if self.read_urls and not self.is_postgres:
            msg = (
                "LEDGER_READ_DATABASE_URL names PostgreSQL read replicas, but the store is "
                "SQLite (LEDGER_DATABASE_URL): replicas need a PostgreSQL primary; unset it"
            )
            raise ValueError(msg)
        for url in self.read_urls:
            if not url.startswith(("postgresql://", "postgres://")):
                msg = (
                    "LEDGER_READ_DATABASE_URL must be PostgreSQL URLs (postgresql://...), "
                    f"comma-separated; got one starting {url.split(':')[0]!r}"
                )
                raise ValueError(msg)
        if not 0 < self.replica_max_lag <= 3600:
            msg = (
                "LEDGER_READ_REPLICA_MAX_LAG_SECONDS must be between 0 and 3600 seconds, "
                f"got {self.replica_max_lag}"
            )
            raise ValueError(msg)

    def replicas(self) -> tuple[DatabaseSettings, ...]:
        """The read replicas' settings: this store's schema, pool size and timeout on
        each replica's server."""
        return tuple(
            DatabaseSettings(
                url=url, schema=self.schema, pool_size=self.pool_size, timeout=self.timeout
            )
            for url in self.read_urls
        )

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    def connect_kwargs(self) -> dict[str, str]:
        """psycopg's ``connect()`` arguments for this PostgreSQL store."""
        env = self.eventsourcing_env()
        return {
            "dbname": env["POSTGRES_DBNAME"],
            "host": env["POSTGRES_HOST"],
            "port": env["POSTGRES_PORT"],
            "user": env["POSTGRES_USER"],
            "password": env["POSTGRES_PASSWORD"],
            "connect_timeout": env["POSTGRES_CONNECT_TIMEOUT"],
        }

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment eventsourcing's infrastructure factories read."""
        if self.is_postgres:
            parsed = urlparse(self.url)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "APPLICATION_RECORDER_TOPIC": (
                    "ledger.infrastructure.postgres:LedgerPostgresRecorder"
                ),
                "POSTGRES_DBNAME": (parsed.path or "/postgres").lstrip("/") or "postgres",
                "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parsed.port or 5432),
                "POSTGRES_USER": unquote(parsed.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parsed.password or ""),
                "POSTGRES_SCHEMA": self.schema,
                "POSTGRES_POOL_SIZE": str(self.pool_size),
                "POSTGRES_MAX_OVERFLOW": str(self.pool_size),
                # eventsourcing's pool wait (whole seconds); `reliability.harden` sets
                # the exact timeout on the pool.
                "POSTGRES_CONNECT_TIMEOUT": str(max(1, math.ceil(self.timeout))),
                "POSTGRES_LOCK_TIMEOUT": "10",
                "POSTGRES_PRE_PING": "y",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": "ledger.infrastructure.sqlite:LedgerSQLiteRecorder",
            "SQLITE_DBNAME": self.sqlite_path,
            "SQLITE_LOCK_TIMEOUT": "30",
        }

    @property
    def sqlite_path(self) -> str:
        if self.url.startswith("sqlite:///"):
            return self.url[len("sqlite:///") :]
        if self.url.startswith("sqlite://"):
            return self.url[len("sqlite://") :] or DEFAULT_SQLITE_FILE
        return self.url

    def describe(self) -> str:
        """Where the data lives, without any password."""
        if self.is_postgres:
            parsed = urlparse(self.url)
            where = f"{parsed.hostname}:{parsed.port or 5432}{parsed.path}"
            return f"postgresql://{where} (schema {self.schema})"
        return f"sqlite:///{Path(self.sqlite_path).resolve()}"


ERASURE_JOURNAL_SUFFIX = ".erasures.jsonl"


def database_from_env(env: Environment) -> DatabaseSettings:
    url = env.text("LEDGER_DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_FILE}")
    if not url.startswith(("sqlite://", "postgresql://", "postgres://")):
        msg = (
            "LEDGER_DATABASE_URL must start with sqlite:// or postgresql://, got "
            f"{url.split(':')[0]!r}"
        )
        raise ValueError(msg)
    return DatabaseSettings(
        url=url,
        schema=env.text("LEDGER_DATABASE_SCHEMA", "public"),
        pool_size=env.whole_number("LEDGER_DB_POOL_SIZE", 5),
        timeout=env.number("LEDGER_DB_TIMEOUT_SECONDS", 2.0),
        read_urls=tuple(
            u.strip() for u in env.text("LEDGER_READ_DATABASE_URL", "").split(",") if u.strip()
        ),
        replica_max_lag=env.number("LEDGER_READ_REPLICA_MAX_LAG_SECONDS", 1.0),
    )
