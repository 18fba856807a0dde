"""Observability: Prometheus metrics at ``/metrics``, JSON logs, request ids.

One pure ASGI middleware (no ``BaseHTTPMiddleware``: it would add a task and a stream
per request) times every HTTP request, counts it by route *template* (so
``/verify/{award_id}`` is one series, not one per award), takes the request id from a
sane incoming ``X-Request-ID`` or makes one, echoes it in the response and puts it on
every log line written while the request runs (the ids and the JSON log lines are in
:mod:`api.request_logs`).

Domain counters (awards issued, revoked, every event by type) are counted where the
ledger records events; the projection lag per view is read from the read model when
Prometheus scrapes. With several uvicorn workers the counters are kept in
prometheus-client's multiprocess mode, so that a scrape answered by any worker gives
the totals of all (see `api.process_metrics`, which also samples CPU, memory, the
database pools and the build).

``install(app)`` wires all of it into the FastAPI app.
"""

from __future__ import annotations

import collections
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import Token
from pathlib import Path
from typing import Any, Protocol

from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.process_metrics import PoolSource, ProcessMetrics
from api.request_logs import (
    ACCESS_LINES,
    client_address,
    configure_logging,
    request_id_var,
    sane_request_id,
)
from ledger.config import LoggingSettings, MetricsSettings
from projections.views import VIEW_NAMES

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Events that put an award on a learner's record, by the route it came through.
_ISSUING_EVENTS = {
    "LearnerRecord.AwardIssued": "course",
    "LearnerRecord.PriorLearningRecognised": "prior_learning",
    "LearnerRecord.AwardsStacked": "stacked",
}
_REVOKING_EVENT = "LearnerRecord.AwardRevoked"


# --- metrics ------------------------------------------------------------------------------
class LagSource(Protocol):
    """``ReadModel.lag``: per view, how many log positions it is behind (an int, or
    an object with a ``lag`` attribute)."""

    def __call__(self) -> Mapping[str, Any]: ...


class _ProjectionLag(Collector):
    """``ledger_projection_lag_events{view=...}``: events recorded but not yet in each
    view, read from the read model at scrape time."""

    def __init__(self, source: Callable[[], LagSource | None]) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "ledger_projection_lag_events",
            "Events in the ledger not yet applied to each read-model view",
            labels=["view"],
        )
        lag = self.source()
        if lag is not None:
            try:
                for view, behind in sorted(lag().items()):
                    gauge.add_metric([view], float(getattr(behind, "lag", behind)))
            except Exception:  # a scrape must not fail because the database blinked
                logging.getLogger(__name__).warning("projection lag unavailable", exc_info=True)
        yield gauge

    def describe(self) -> Iterable[Metric]:
        return []


class _ReadReplicas(Collector):
    """The read replicas as this process's monitor last saw them (`projections.replicas`):
    ``ledger_read_replica_usable{replica=...}`` (1 while public reads go to it),
    ``ledger_read_replica_staleness_seconds`` (absent before it first answers) and
    ``ledger_read_replica_position``; and the public reads this process sent to each
    replica and to the primary, ``ledger_read_replica_reads{replica=...}`` (``primary``
    for the primary's). Nothing without LEDGER_READ_DATABASE_URL."""

    def __init__(self, source: Callable[[], Any]) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        replicas = self.source()
        if replicas is None:
            return
        usable = GaugeMetricFamily(
            "ledger_read_replica_usable",
            "1 while the replica takes public reads, else 0",
            labels=["replica"],
        )
        staleness = GaugeMetricFamily(
            "ledger_read_replica_staleness_seconds",
            "How long ago the primary's views first passed the replica's (0: caught up)",
            labels=["replica"],
        )
        position = GaugeMetricFamily(
            "ledger_read_replica_position",
            "The lowest log position of the replica's public views",
            labels=["replica"],
        )
        reads = GaugeMetricFamily(
            "ledger_read_replica_reads",
            "Public reads this process sent to each replica, and to the primary",
            labels=["replica"],
        )
        for state in replicas.describe():
            name = state["replica"]
            usable.add_metric([name], 1.0 if state["usable"] else 0.0)
            if state["staleness_seconds"] is not None:
                staleness.add_metric([name], float(state["staleness_seconds"]))
            position.add_metric([name], float(state["position"]))
            reads.add_metric([name], float(state["served"]))
        reads.add_metric(["primary"], float(replicas.primary_served))
        yield from (usable, staleness, position, reads)

    def describe(self) -> Iterable[Metric]:
        return []


class _ProjectionStalls(Collector):
    """``ledger_projection_stalled{view=...}`` (1 while the view cannot apply an event,
    else 0) and ``ledger_projection_failed_attempts{view=...}`` (attempts at that event
    so far), from the ``projection_failures`` table at scrape time: they show a stall
    whether the follower runs in this process or as ``ledger project``. Alert on
    ``ledger_projection_stalled == 1``: that view's answers are stale from that event on."""

    def __init__(self, source: Callable[[], Any]) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        stalled = GaugeMetricFamily(
            "ledger_projection_stalled",
            "1 while the read-model view cannot apply the next event of the log, else 0",
            labels=["view"],
        )
        attempts = GaugeMetricFamily(
            "ledger_projection_failed_attempts",
            "Failed attempts to apply the event a read-model view is stalled at",
            labels=["view"],
        )
        read_model = self.source()
        if read_model is not None:
            try:
                found = read_model.projection_failures()
                for view in VIEW_NAMES:
                    failure = found.get(view)
                    stalled.add_metric([view], 0.0 if failure is None else 1.0)
                    attempts.add_metric([view], 0.0 if failure is None else failure.attempts)
            except Exception:  # a scrape must not fail because the database blinked
                logging.getLogger(__name__).warning("projection stalls unavailable", exc_info=True)
        yield stalled
        yield attempts

    def describe(self) -> Iterable[Metric]:
        return []


class Metrics:
    """The process's metrics, in a registry of their own (one per app, so several apps
    in one process, as in tests, do not collide)."""

    def __init__(
        self,
        lag_source: Callable[[], LagSource | None] = lambda: None,
        pools: PoolSource = lambda: (),
        multiprocess_dir: Path | None = None,
    ) -> None:
        # prometheus-client chose its multiprocess values from the same variable when
        # it was imported (see `MetricsSettings`).
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "ledger_http_requests",
            "HTTP requests served, by method, route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ledger_http_request_duration_seconds",
            "Time to serve an HTTP request, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "ledger_events_recorded",
            "Domain events this process recorded in the ledger, by event type",
            ["event"],
            registry=self.registry,
        )
        self.issued = Counter(
            "ledger_awards_issued",
            "Awards this process issued, by route (course, prior_learning, stacked)",
            ["route"],
            registry=self.registry,
        )
        self.revoked = Counter(
            "ledger_awards_revoked", "Awards this process revoked", registry=self.registry
        )
        self.batch_retries = Counter(
            "ledger_issuance_batch_retries",
            "Award batches retried alone after losing a race with another writer",
            registry=self.registry,
        )
        self.process = ProcessMetrics(self.registry, pools)
        # Read when Prometheus scrapes, from the database (the same for every worker).
        self._scrape_time: list[Collector] = [_ProjectionLag(lag_source)]
        for collector in self._scrape_time:
            self.registry.register(collector)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_events(self, events: Sequence[Any]) -> None:
        # Counted by kind first: a batch of awards is hundreds of events of two kinds,
        # and each labelled increment takes a lock.
        kinds = collections.Counter(type(event).__qualname__ for event in events)
        for name, count in kinds.items():
            self.events.labels(name).inc(count)
            route = _ISSUING_EVENTS.get(name)
            if route is not None:
                self.issued.labels(route).inc(count)
            elif name == _REVOKING_EVENT:
                self.revoked.inc(count)

    def exposition(self) -> bytes:
        self.process.sample()
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        # Every worker's samples, from the files they share, and the scrape-time ones.
        registry = CollectorRegistry(auto_describe=True)
        multiprocess.MultiProcessCollector(registry, str(self.multiprocess_dir))  # type: ignore[no-untyped-call]
        for collector in self._scrape_time:
            registry.register(collector)
        return generate_latest(registry)

    def add_scrape_time(self, collector: Collector) -> None:
        """A collector read from the database when Prometheus scrapes: the same answer
        from every worker, so it is not kept in the multiprocess files."""
        self._scrape_time.append(collector)
        self.registry.register(collector)

    def started(self) -> None:
        if self.multiprocess_dir is not None:
            self.process.start_sampling()

    def stopped(self) -> None:
        self.process.stop_sampling()
        if self.multiprocess_dir is not None:
            # This worker's live gauges leave the sums; its counters stay in the totals.
            multiprocess.mark_process_dead(os.getpid(), str(self.multiprocess_dir))  # type: ignore[no-untyped-call]


def watch_ledger(ledger: Any, metrics: Metrics) -> None:
    """Count the events ``ledger`` records from now on. Hooks the eventsourcing
    application's ``_notify`` (called after every successful save with the
    recordings) on this one instance."""
    if getattr(ledger, "_ledger_metrics_watched", False):
        return
    original: Callable[[list[Any]], None] = ledger._notify

    def notify(recordings: list[Any]) -> None:
        original(recordings)
        metrics.observe_events([r.domain_event for r in recordings])

    ledger._notify = notify
    ledger.retry_listeners.append(metrics.batch_retries.inc)
    ledger._ledger_metrics_watched = True


# --- the middleware -----------------------------------------------------------------------
def begin_request(scope: Scope) -> tuple[Token[str | None], tuple[bytes, bytes]]:
    """The request's id (the client's ``X-Request-ID`` if sane, else a new one), set for
    its log lines and in ``scope["state"]``; the context token to reset, and the response
    header that carries it."""
    incoming = None
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            break
    request_id = sane_request_id(incoming)
    token = request_id_var.set(request_id)
    scope.setdefault("state", {})["request_id"] = request_id
    return token, (b"x-request-id", request_id.encode("latin-1"))


class ObservabilityMiddleware:
    """Request id, timing, counting and one access-log line per HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        on_startup: Callable[[], None] | None = None,
        access_log_enabled: bool = True,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.on_startup = on_startup
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._lifespan_send(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        token, header = begin_request(scope)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            self.record(scope, template, status, elapsed)
        # Not reached when the app raised: the server's own error line then still
        # carries the request id (each request runs in a task of its own).
        request_id_var.reset(token)

    def record(self, scope: Scope, template: str, status: int, elapsed: float) -> None:
        """Count and log one served request (its route template, status and time)."""
        method = scope["method"]
        self.metrics.observe_request(method, template, status, elapsed)
        if self.access_log_enabled:
            ACCESS_LINES.write(
                method,
                template,
                status,
                {
                    "method": method,
                    "route": template,
                    "path": scope["path"],
                    "status": status,
                    "client": client_address(scope),
                    # The acting key's actor as events record it (set by api.auth once
                    # the key is known), never the secret.
                    "actor": scope.get("state", {}).get("actor"),
                    "duration_ms": round(elapsed * 1000, 3),
                },
            )

    def _lifespan_send(self, send: Send) -> Send:
        async def lifespan_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                if self.on_startup is not None:
                    self.on_startup()
                self.metrics.started()
            elif message["type"] == "lifespan.shutdown.complete":
                self.metrics.stopped()
            await send(message)

        return lifespan_send


def install(
    app: FastAPI,
    logs: LoggingSettings | None = None,
    shared_metrics: MetricsSettings | None = None,
) -> Metrics:
    """Add ``/metrics``, the middleware and JSON logging to ``app``.

    After the app's lifespan has started, the ledger it opened (``app.state.services``
    or ``app.state.ledger``) is watched for domain events, and the read model's
    ``lag()`` feeds the projection-lag gauge."""

    def state_attr(name: str) -> Any:
        services = getattr(app.state, "services", None)
        found = getattr(services, name, None) if services is not None else None
        return found if found is not None else getattr(app.state, name, None)

    def lag_source() -> LagSource | None:
        read_model = state_attr("read_model")
        lag: LagSource | None = getattr(read_model, "lag", None)
        return lag

    def pools() -> Iterable[tuple[str, Any]]:
        ledger = state_attr("ledger")
        datastore = getattr(getattr(ledger, "factory", None), "datastore", None)
        found = [("events", getattr(datastore, "pool", None))]
        found.append(("status_reads", getattr(state_attr("status_reader"), "pool", None)))
        return [(name, pool) for name, pool in found if pool is not None]

    logs = logs or LoggingSettings()
    shared_metrics = shared_metrics or MetricsSettings()
    metrics = Metrics(lag_source, pools, shared_metrics.multiprocess_dir)
    metrics.add_scrape_time(_ProjectionStalls(lambda: state_attr("read_model")))
    # The replicas already watched, if any (not opened here: `replicas` opens them).
    metrics.add_scrape_time(
        _ReadReplicas(lambda: getattr(state_attr("status_reader"), "replicas", None))
    )

    def on_startup() -> None:
        ledger = state_attr("ledger")
        if ledger is not None:
            watch_ledger(ledger, metrics)

    configure_logging(logs.level)
    app.state.metrics = metrics
    # Outermost, around Starlette's ServerErrorMiddleware: the 500 answer to an
    # unexpected error is counted, carries the request id header, and the error's log
    # line carries the request id too.
    build_inner = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        observed = ObservabilityMiddleware(
            build_inner(),
            metrics=metrics,
            on_startup=on_startup,
            access_log_enabled=logs.access_log,
        )
        app.state.observability = observed
        return observed

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
