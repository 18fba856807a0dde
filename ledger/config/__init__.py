"""The ledger's configuration: `Settings` and its sections (see `ledger.config.settings`)."""

from ledger.config.database import (
    DEFAULT_SQLITE_FILE,
    ERASURE_JOURNAL_SUFFIX,
    DatabaseSettings,
)
from ledger.config.environment import Environment, parse_bool
from ledger.config.sections import (
    CorsSettings,
    HttpLimits,
    LoggingSettings,
    MetricsSettings,
    Network,
    ProjectionSettings,
    RateLimitSettings,
    ServerSettings,
    parse_networks,
)
from ledger.config.settings import Settings
from ledger.config.signing import SigningSettings

__all__ = [
    "DEFAULT_SQLITE_FILE",
    "ERASURE_JOURNAL_SUFFIX",
    "CorsSettings",
    "DatabaseSettings",
    "Environment",
    "HttpLimits",
    "LoggingSettings",
    "MetricsSettings",
    "Network",
    "ProjectionSettings",
    "RateLimitSettings",
    "ServerSettings",
    "Settings",
    "SigningSettings",
    "parse_bool",
    "parse_networks",
]
