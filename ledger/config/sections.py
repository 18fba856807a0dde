"""The settings of the processes around the ledger: the API's limits, rate limits, CORS
and logs, where projections run, shared metrics, and what ``ledger serve`` listens on.
Each section's ``from_env`` reads its variables; the defaults are the embedded mode's."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ledger.config.environment import Environment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = ("x-forwarded-for", "forwarded")
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_RATE_PER_MINUTE = 3000
DEFAULT_BURST = 3000
DEFAULT_MAX_CLIENTS = 100_000


@dataclass(frozen=True)
class HttpLimits:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """The largest request body read (each route reads at most its own, below this)."""

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1:
            msg = f"LEDGER_MAX_BODY_BYTES must be at least 1, got {self.max_body_bytes}"
            raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> HttpLimits:
        return cls(env.whole_number("LEDGER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.0/8, 192.0.2.7, ::1"`` -> networks (a bare address is a /32 or /128)."""
    networks = []
    for raw in text.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            msg = f"LEDGER_TRUSTED_PROXIES: {item!r} is not an address or a CIDR block"
            raise ValueError(msg) from None
    return tuple(networks)


@dataclass(frozen=True)
class RateLimitSettings:
    """The public routes' limits (`api.ratelimit`). ``rate_per_minute=0`` turns the
    limiter off (a deployment that limits at its edge, a benchmark)."""

    rate_per_minute: float = DEFAULT_RATE_PER_MINUTE
    burst: float = DEFAULT_BURST
    max_clients: int = DEFAULT_MAX_CLIENTS
    trusted_proxies: tuple[Network, ...] = ()
    forwarded_header: str = "x-forwarded-for"

    def __post_init__(self) -> None:
        if self.rate_per_minute < 0:
            msg = "LEDGER_PUBLIC_RATE_PER_MINUTE must be 0 (off) or more"
            raise ValueError(msg)
        if self.rate_per_minute and self.burst < 1:
            msg = "LEDGER_PUBLIC_BURST must be at least 1"
            raise ValueError(msg)
        if self.max_clients < 1:
            msg = "LEDGER_RATE_LIMIT_CLIENTS must be at least 1"
            raise ValueError(msg)
        if self.forwarded_header not in FORWARDED_HEADERS:
            msg = f"LEDGER_FORWARDED_HEADER must be one of {', '.join(FORWARDED_HEADERS)}"
            raise ValueError(msg)

    @property
    def enabled(self) -> bool:
        return self.rate_per_minute > 0

    @classmethod
    def from_env(cls, env: Environment) -> RateLimitSettings:
        return cls(
            rate_per_minute=env.number("LEDGER_PUBLIC_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE),
            burst=env.number("LEDGER_PUBLIC_BURST", DEFAULT_BURST),
            max_clients=int(env.number("LEDGER_RATE_LIMIT_CLIENTS", DEFAULT_MAX_CLIENTS)),
            trusted_proxies=parse_networks(env.values.get("LEDGER_TRUSTED_PROXIES", "")),
            forwarded_header=env.text("LEDGER_FORWARDED_HEADER", "x-forwarded-for").lower(),
        )


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"
    access_log: bool = True
    """One JSON line per request."""

    def __post_init__(self) -> None:
        if self.level not in logging.getLevelNamesMapping():
            msg = (
                "LEDGER_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, "
                f"got {self.level!r}"
            )
            raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> LoggingSettings:
        return cls(
            level=env.text("LEDGER_LOG_LEVEL", "INFO").upper(),
            access_log=env.switch("LEDGER_ACCESS_LOG", True),
        )


@dataclass(frozen=True)
class CorsSettings:
    origins: tuple[str, ...] = ("*",)
    """Origins a browser may read the public routes from; none turns CORS off."""

    def __post_init__(self) -> None:
        for origin in self.origins:
            parts = urlsplit(origin)
            if origin != "*" and not (parts.scheme and parts.netloc and not parts.path):
                # "https://hr.example/" (a path) would never equal a browser's Origin.
                msg = f"LEDGER_CORS_ORIGINS: {origin!r} is not * or scheme://host[:port]"
                raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> CorsSettings:
        # Set but empty is not absent here: it turns CORS off.
        raw = env.values.get("LEDGER_CORS_ORIGINS", "*")
        return cls(tuple(origin.strip() for origin in raw.split(",") if origin.strip()))


@dataclass(frozen=True)
class ProjectionSettings:
    embedded: bool = True
    """Each API process keeps the views up to date itself (else a ``ledger project``
    worker does)."""
    log_checkpoint_seconds: float = 10.0
    """While events arrive, the tamper-evident log signs a checkpoint at most this often."""

    def __post_init__(self) -> None:
        if not 0 < self.log_checkpoint_seconds <= 60:
            msg = (
                "LEDGER_LOG_CHECKPOINT_SECONDS is more than 0 and at most 60 (a checkpoint "
                f"a minute while events arrive), got {self.log_checkpoint_seconds}"
            )
            raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> ProjectionSettings:
        return cls(
            embedded=env.switch("LEDGER_EMBEDDED_PROJECTIONS", True),
            log_checkpoint_seconds=env.number("LEDGER_LOG_CHECKPOINT_SECONDS", 10.0),
        )


@dataclass(frozen=True)
class MetricsSettings:
    multiprocess_dir: Path | None = None
    """Where several workers share their metrics. It stays an environment variable as
    well: prometheus-client reads it itself when it is imported, in each worker process
    ``ledger serve`` starts, before any Settings exist (`cli.serve` sets it for them)."""

    def __post_init__(self) -> None:
        if self.multiprocess_dir is not None and self.multiprocess_dir.is_file():
            msg = f"PROMETHEUS_MULTIPROC_DIR must be a directory, {self.multiprocess_dir} is a file"
            raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> MetricsSettings:
        folder = env.text("PROMETHEUS_MULTIPROC_DIR", "")
        return cls(Path(folder) if folder else None)


@dataclass(frozen=True)
class ServerSettings:
    """What ``ledger serve`` listens on (its options, when given, win)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            msg = f"LEDGER_PORT must be between 1 and 65535, got {self.port}"
            raise ValueError(msg)
        if self.workers < 1:
            msg = f"LEDGER_WORKERS must be at least 1, got {self.workers}"
            raise ValueError(msg)

    @classmethod
    def from_env(cls, env: Environment) -> ServerSettings:
        return cls(
            host=env.text("LEDGER_HOST", "127.0.0.1"),
            port=env.whole_number("LEDGER_PORT", 8000),
            workers=env.whole_number("LEDGER_WORKERS", 1),
        )
