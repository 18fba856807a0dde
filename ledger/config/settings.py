"""`Settings`: everything a process of the ledger reads from its environment (12-factor),
in one frozen value built once by `Settings.from_env`, with safe embedded defaults.

The README's configuration table lists `Settings.VARIABLES` (tests/docs checks both
ways, and tests/unit/test_settings.py that `from_env` reads exactly these)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ledger.config.database import (
    ERASURE_JOURNAL_SUFFIX,
    DatabaseSettings,
    database_from_env,
)
from ledger.config.environment import Environment
from ledger.config.sections import (
    CorsSettings,
    HttpLimits,
    LoggingSettings,
    MetricsSettings,
    ProjectionSettings,
    RateLimitSettings,
    ServerSettings,
)
from ledger.config.signing import SIGNING_SECRET_SUFFIX, SigningSettings
from ledger.policy import NationalPolicy, load_policy


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    policy: NationalPolicy
    extra_env: Mapping[str, str] = field(default_factory=dict)
    erasure_journal: Path | None = None
    """Where erasures are journalled outside the database (see
    `ledger.infrastructure.erasure_journal`); `erasure_journal_path` gives the default."""
    http: HttpLimits = field(default_factory=HttpLimits)
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    cors: CorsSettings = field(default_factory=CorsSettings)
    projections: ProjectionSettings = field(default_factory=ProjectionSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    signing: SigningSettings = field(default_factory=SigningSettings)

    VARIABLES = (
        "LEDGER_DATABASE_URL",
        "LEDGER_DATABASE_SCHEMA",
        "LEDGER_DB_POOL_SIZE",
        "LEDGER_DB_TIMEOUT_SECONDS",
        "LEDGER_READ_DATABASE_URL",
        "LEDGER_READ_REPLICA_MAX_LAG_SECONDS",
        "LEDGER_POLICY",
        "LEDGER_ERASURE_JOURNAL",
        "LEDGER_MAX_BODY_BYTES",
        "LEDGER_PUBLIC_RATE_PER_MINUTE",
        "LEDGER_PUBLIC_BURST",
        "LEDGER_RATE_LIMIT_CLIENTS",
        "LEDGER_TRUSTED_PROXIES",
        "LEDGER_FORWARDED_HEADER",
        "LEDGER_LOG_LEVEL",
        "LEDGER_ACCESS_LOG",
        "LEDGER_CORS_ORIGINS",
        "LEDGER_EMBEDDED_PROJECTIONS",
        "LEDGER_LOG_CHECKPOINT_SECONDS",
        "PROMETHEUS_MULTIPROC_DIR",
        "LEDGER_HOST",
        "LEDGER_PORT",
        "LEDGER_WORKERS",
        "LEDGER_PUBLIC_URL",
        "LEDGER_SIGNING_KEY_SECRET",
        "LEDGER_STATUS_LIST_TTL_SECONDS",
    )
    """Every variable `from_env` reads."""

    @property
    def erasure_journal_path(self) -> Path | None:
        """The journal's file: as configured, else beside an SQLite file; a PostgreSQL
        store given no journal (only settings built in code) keeps none."""
        if self.erasure_journal is not None:
            return self.erasure_journal
        if self.database.is_postgres:
            return None
        path = self.database.sqlite_path
        if path == ":memory:" or "mode=memory" in path:
            return None
        return Path(path).with_suffix(ERASURE_JOURNAL_SUFFIX)

    @property
    def signing_secret_path(self) -> Path | None:
        """Where an embedded store keeps its generated signing key secret (beside the
        SQLite file); ``None`` for PostgreSQL and for an in-memory database."""
        if self.database.is_postgres:
            return None
        path = self.database.sqlite_path
        if path == ":memory:" or "mode=memory" in path:
            return None
        return Path(path).with_suffix(SIGNING_SECRET_SUFFIX)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = Environment(os.environ if environ is None else environ)
        database = database_from_env(env)
        journal = env.text("LEDGER_ERASURE_JOURNAL", "")
        if not journal and database.is_postgres:
            journal = f"ledger{ERASURE_JOURNAL_SUFFIX}"
        return cls(
            database=database,
            policy=load_policy(env.values.get("LEDGER_POLICY")),
            erasure_journal=Path(journal) if journal else None,
            http=HttpLimits.from_env(env),
            rate_limits=RateLimitSettings.from_env(env),
            logging=LoggingSettings.from_env(env),
            cors=CorsSettings.from_env(env),
            projections=ProjectionSettings.from_env(env),
            metrics=MetricsSettings.from_env(env),
            server=ServerSettings.from_env(env),
            signing=SigningSettings.from_env(env),
        )
