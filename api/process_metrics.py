"""Metrics about the process itself: true for any number of uvicorn workers.

With ``ledger serve --workers N`` a scrape of ``/metrics`` is answered by whichever
worker the kernel hands the connection to, so counters kept in one process's memory
read 1, 1, 2, 3, 2 over successive scrapes. ``ledger serve`` therefore runs several
workers in prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``): every
worker writes its samples to memory-mapped files in that directory and any worker's
scrape sums them (counters and histograms over all workers, dead ones included, so
totals never go back; gauges per worker with a ``pid`` label, or summed over the live
ones).

What is not a counter of requests or events is sampled here: the process's CPU time,
memory and open files, the database pools' connections, and the build. In one process
they are read when Prometheus scrapes; in multiprocess mode each worker also samples
itself every few seconds, so that the scrape of one worker shows all of them.
"""

from __future__ import annotations

import os
import platform
import resource
import threading
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
SAMPLE_INTERVAL_SECONDS = 5.0


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def _open_fds() -> int | None:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # pragma: no cover - no /proc (not Linux)
        return None


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - no /proc
        return None


def pool_stats(pool: Any) -> dict[str, int] | None:
    """``psycopg_pool``'s statistics of a pool (the event store's, the status reads'),
    or ``None`` for a store without one (SQLite)."""
    get_stats = getattr(pool, "get_stats", None)
    if get_stats is None:
        return None
    stats = get_stats()
    return {name: int(stats.get(name, 0)) for name in ("pool_size", "pool_available")} | {
        "requests_waiting": int(stats.get("requests_waiting", 0))
    }


PoolSource = Callable[[], Iterable[tuple[str, Any]]]
"""The process's database pools, by name, when they exist."""


class ProcessMetrics:
    """CPU, memory, open files, database pools and the build, in ``registry``."""

    def __init__(self, registry: CollectorRegistry, pools: PoolSource) -> None:
        self._pools = pools
        self._cpu_seen = 0.0
        self._lock = threading.Lock()
        # A summed counter: the CPU time of all workers, and it never goes back.
        self.cpu = Counter(
            "ledger_process_cpu_seconds",
            "CPU time (user and system) spent by the API's processes",
            registry=registry,
        )
        self.memory = Gauge(
            "ledger_process_resident_memory_bytes",
            "Resident memory of each API process",
            registry=registry,
            multiprocess_mode="liveall",
        )
        self.open_fds = Gauge(
            "ledger_process_open_fds",
            "Open file descriptors of each API process",
            registry=registry,
            multiprocess_mode="liveall",
        )
        self.pool = Gauge(
            "ledger_db_pool_connections",
            "Database pool connections, by pool and state (size, available, waiting"
            " requests), summed over the live processes",
            ["pool", "state"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        build = Gauge(
            "ledger_build_info",
            "The ledger's version and what it runs on (always 1)",
            ["version", "python", "eventsourcing"],
            registry=registry,
            multiprocess_mode="max",
        )
        build.labels(
            _package_version("micro-credential-ledger"),
            platform.python_version(),
            _package_version("eventsourcing"),
        ).set(1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> None:
        """Read the process and its pools now."""
        with self._lock:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            if cpu > self._cpu_seen:
                self.cpu.inc(cpu - self._cpu_seen)
                self._cpu_seen = cpu
            rss = _rss_bytes()
            if rss is not None:
                self.memory.set(rss)
            fds = _open_fds()
            if fds is not None:
                self.open_fds.set(fds)
            for name, pool in self._pools():
                stats = pool_stats(pool)
                if stats is None:
                    continue
                self.pool.labels(name, "size").set(stats["pool_size"])
                self.pool.labels(name, "available").set(stats["pool_available"])
                self.pool.labels(name, "waiting").set(stats["requests_waiting"])

    def start_sampling(self, interval: float = SAMPLE_INTERVAL_SECONDS) -> None:
        """Sample every ``interval`` seconds in the background (multiprocess mode: a
        scrape answered by another worker must still find this one's figures)."""
        if self._thread is not None:
            return

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    self.sample()
                except Exception:  # noqa: S112 - a pool closing under us; next round
                    continue

        self.sample()
        self._thread = threading.Thread(target=run, name="process-metrics", daemon=True)
        self._thread.start()

    def stop_sampling(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
