"""Per-client rate limits on the public routes, so that nobody enumerates the register.

Award ids are derived from the provider and the provider's own reference (often a
running number), so whoever knows a provider's reference scheme can compute candidate
ids and ask for their status. A token bucket per client bounds how fast anyone can
ask: ``LEDGER_PUBLIC_RATE_PER_MINUTE`` tokens a minute, at most ``LEDGER_PUBLIC_BURST``
kept in hand. A status check, a register page or a verification page costs one token;
a ``status:batch`` costs one token per id it asks about (it answers as many questions
as that many single checks). A client with too few tokens gets 429 with
``Retry-After``, the seconds until it has enough.

Limited: ``/v1/credentials/...``, ``/v1/register/...``, ``/verify...`` (its stylesheet
aside). Not limited: the probes and ``/metrics``, the docs, and the routes that need a
key: a provider or the authority is known, scoped and revocable, and providers push
issuance in bursts of hundreds of thousands a day, which a per-address limit would
only get in the way of. A request that fails authentication (401) is charged one token
of its address's bucket, so that guessing keys is limited like enumerating awards.

The client is the socket's peer address. Only when that peer is a trusted proxy
(``LEDGER_TRUSTED_PROXIES``: addresses or CIDRs, none by default) is the forwarded
header (``LEDGER_FORWARDED_HEADER``: ``x-forwarded-for`` or ``forwarded``, exactly one)
read: the client is its rightmost hop that is not itself a trusted proxy. A header
sent by anyone else changes nothing. IPv6 clients are counted by their /64, the block
one subscriber is given, so that an attacker does not get a bucket per address.

The buckets live in this process's memory: each API process (each uvicorn worker, each
replica) keeps its own, so a client can get up to N times the limit from N processes
behind a load balancer that spreads its requests. The table holds at most
``LEDGER_RATE_LIMIT_CLIENTS`` buckets; idle ones (full again, so forgetting them loses
nothing) are dropped first, then the oldest.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields

from fastapi import FastAPI
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import ApiProblem, problem_response
from ledger.config import Environment, RateLimitSettings
from ledger.config.sections import FORWARDED_HEADERS, parse_networks

__all__ = [
    "FORWARDED_HEADERS",
    "RateLimitConfig",
    "RateLimiter",
    "charge",
    "install",
    "parse_networks",
]

# Path prefixes limited, with the name the refusal counter gives each.
LIMITED: tuple[tuple[str, str], ...] = (
    ("/v1/credentials/", "credentials"),
    ("/v1/register/", "register"),
    ("/verify", "verify"),
)
UNLIMITED_PREFIXES = ("/verify/static/",)
AUTHENTICATION = "authentication"


@dataclass(frozen=True)
class RateLimitConfig(RateLimitSettings):
    """The limits of `RateLimitSettings` (``LEDGER_PUBLIC_RATE_PER_MINUTE`` and
    friends), and the clock the buckets fill by (a fake one in tests)."""

    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @classmethod
    def of(cls, settings: RateLimitSettings) -> RateLimitConfig:
        return cls(**{f.name: getattr(settings, f.name) for f in fields(RateLimitSettings)})

    @classmethod
    def from_env(  # type: ignore[override]
        cls, environ: Mapping[str, str] | None = None
    ) -> RateLimitConfig:
        env = Environment(os.environ if environ is None else environ)
        return cls.of(RateLimitSettings.from_env(env))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a forwarded hop (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``,
    ``::1``), or None for anything else (``unknown``, an obfuscated ``_name``)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _forwarded_for(value: str) -> list[str]:
    """The ``for=`` of each element of an RFC 7239 ``Forwarded`` header, in order."""
    hops = []
    for element in value.split(","):
        found = ""
        for pair in element.split(";"):
            name, _, raw = pair.partition("=")
            if name.strip().lower() == "for":
                found = raw.strip()
        hops.append(found)
    return hops


class TokenBuckets:
    """One bucket per client key: ``[tokens, when]``. Thread-safe (the batch route
    charges its extra ids from the thread pool)."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.rate = config.rate_per_minute / 60.0
        self.burst = float(config.burst)
        self.max_clients = config.max_clients
        self.clock = config.clock
        self._buckets: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = -math.inf

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, cost: float) -> float:
        """Take ``cost`` tokens: 0.0 when granted, else the seconds until the bucket
        holds that many (nothing is taken then). ``cost`` is at most the burst."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_clients:
                    self._make_room(now)
                self._buckets[key] = [self.burst - cost, now]
                return 0.0
            tokens = min(bucket[0] + (now - bucket[1]) * self.rate, self.burst)
            bucket[1] = now
            if tokens >= cost:
                bucket[0] = tokens - cost
                return 0.0
            bucket[0] = tokens
            return (cost - tokens) / self.rate

    def _make_room(self, now: float) -> None:
        # A full bucket is the same as none: forget those first, at most once a second
        # (a sweep walks the whole table). If that is not enough (many active clients),
        # forget the oldest eighth: they start again with a full bucket, which only
        # helps a client that already has that many addresses. Rebuilding the dict
        # rather than deleting from its front keeps later look-ups and sweeps fast.
        buckets = self._buckets
        if now - self._last_sweep >= 1.0:
            self._last_sweep = now
            rate, burst = self.rate, self.burst
            buckets = {k: b for k, b in buckets.items() if b[0] + (now - b[1]) * rate < burst}
        if len(buckets) >= self.max_clients:
            drop = max(1, self.max_clients // 8)
            buckets = dict(itertools.islice(buckets.items(), drop, None))
        self._buckets = buckets


Hop = tuple[str, bool]  # (the key a request from that address counts under, trusted?)
_UNSEEN: Hop = ("", False)


class ClientAddress:
    """The key a request is counted under (see the module's docstring)."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.trusted = config.trusted_proxies
        self.header = config.forwarded_header.encode("latin-1")
        self.forwarded = config.forwarded_header == "forwarded"
        # Parsing an address takes microseconds; the same few come back again and again.
        self._hops: dict[str, Hop | None] = {}
        self._hops_limit = config.max_clients

    def __call__(self, scope: Scope) -> str:
        client = scope.get("client")
        peer: str = client[0] if client else "unknown"
        if not self.trusted and ":" not in peer:
            return peer  # IPv4 without proxies: the address is the key
        hop = self._hop(peer)
        if hop is None:
            return peer
        if hop[1]:
            return self._forwarded_client(scope, hop[0])
        return hop[0]

    def _hop(self, text: str) -> Hop | None:
        found = self._hops.get(text, _UNSEEN)
        if found is not _UNSEEN:
            return found
        address = _address(text)
        if address is None:
            found = None
        else:
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                address = address.ipv4_mapped
            trusted = any(address in network for network in self.trusted)
            if isinstance(address, ipaddress.IPv6Address):
                found = (str(ipaddress.IPv6Network((address, 64), strict=False)), trusted)
            else:
                found = (str(address), trusted)
        if len(self._hops) >= self._hops_limit:
            self._hops.clear()
        self._hops[text] = found
        return found

    def _forwarded_client(self, scope: Scope, proxy: str) -> str:
        values = [v.decode("latin-1") for n, v in scope["headers"] if n == self.header]
        if not values:
            return proxy
        joined = ",".join(values)  # repeated header lines are one list, in order
        hops = _forwarded_for(joined) if self.forwarded else joined.split(",")
        nearest = proxy
        for text in reversed(hops):
            hop = self._hop(text.strip())
            if hop is None:
                # A hop our proxies did not write sensibly: the nearest trusted hop
                # is the last address known to be true.
                return nearest
            if not hop[1]:
                return hop[0]
            nearest = hop[0]
        return nearest  # every hop is one of our proxies


class RateLimiter:
    """The buckets, the client address and the refusal counts of one app."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self.buckets = TokenBuckets(config)
        self.client_key = ClientAddress(config)
        self.refused: dict[str, int] = {name: 0 for _, name in LIMITED}
        self.refused[AUTHENTICATION] = 0
        self._count_lock = threading.Lock()

    def charge(self, request: Request, cost: float, group: str, *, paid: float = 0) -> None:
        """Charge this request ``cost`` tokens in all, of which the middleware took
        ``paid``; or refuse it with 429 (raised as an `ApiProblem`, so it works inside a
        route or a dependency). A cost over the burst is the burst."""
        rest = min(cost, self.buckets.burst) - paid  # a batch over the burst needs a full bucket
        if rest <= 0:
            return
        wait = self.buckets.take(self.client_key(request.scope), rest)
        if wait:
            # The retry pays the middleware's share again: wait for that too.
            wait += paid / self.buckets.rate
            self.count_refusal(group)
            raise ApiProblem(429, "too-many-requests", _detail(wait), headers=_retry_after(wait))

    def count_refusal(self, group: str) -> None:
        with self._count_lock:
            self.refused[group] += 1


def refusal(wait: float) -> Response:
    """The 429 problem of a request refused by the middleware's token."""
    return problem_response(429, "too-many-requests", _detail(wait), headers=_retry_after(wait))


def _retry_after(wait: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(wait))), "Cache-Control": "no-store"}


def _detail(wait: float) -> str:
    return (
        f"too many requests from this address; try again in {max(1, math.ceil(wait))} s"
        " (a status:batch costs one request per id)"
    )


class RateLimitMiddleware:
    """Charges one token per request to a limited path, before anything else runs."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter
        self.prefixes = tuple(prefix for prefix, _ in LIMITED)
        self.take = limiter.buckets.take
        self.client_key = limiter.client_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(self.prefixes) and not path.startswith(UNLIMITED_PREFIXES):
                wait = self.take(self.client_key(scope), 1.0)
                if wait:
                    group = next(name for prefix, name in LIMITED if path.startswith(prefix))
                    self.limiter.count_refusal(group)
                    await refusal(wait)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class _Refused(Collector):
    """``ledger_rate_limited_requests_total{route=...}``: requests refused with 429."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    def collect(self) -> Iterable[Metric]:
        counter = CounterMetricFamily(
            "ledger_rate_limited_requests",
            "Public requests this process refused with 429 (rate limit), by route group",
            labels=["route"],
        )
        for group, count in sorted(self.limiter.refused.items()):
            counter.add_metric([group], float(count))
        yield counter

    def describe(self) -> Iterable[Metric]:
        return []


def install(app: FastAPI, config: RateLimitConfig | None = None) -> RateLimiter | None:
    """Limit ``app``'s public routes (after `observability.install`, whose registry
    gets the refusal counter). Returns the limiter, also at ``app.state.rate_limiter``
    (None when the limit is off)."""
    config = config or RateLimitConfig()
    limiter = RateLimiter(config) if config.enabled else None
    app.state.rate_limiter = limiter
    if limiter is not None:
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
        metrics = getattr(app.state, "metrics", None)
        if metrics is not None:
            metrics.registry.register(_Refused(limiter))
    return limiter


def charge(request: Request, cost: float, group: str, *, paid: float = 0) -> None:
    """Charge the caller of ``request`` ``cost`` tokens in all (``paid`` of them taken
    already by the middleware) if the app limits; 429 when it has too few."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        limiter.charge(request, cost, group, paid=paid)
