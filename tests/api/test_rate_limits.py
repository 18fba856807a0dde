"""The public routes are rate-limited per client, so that nobody enumerates the register.

Every request goes through the app over HTTP, from the socket address the test client
claims; the limiter's clock is the test's own, so "after Retry-After seconds" is a step
of that clock, not a sleep. The limiter sits in front of the store, so SQLite shows it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import RateLimitConfig, parse_networks
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.policy import IRELAND
from tests.api.conftest import Headers, award, bearer, ok
from tests.served import ledger_serve

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

BURST = 5
PER_MINUTE = 6  # one token every 10 s
EMPLOYER = ("203.0.113.10", 50123)
OTHER_EMPLOYER = ("203.0.113.77", 40000)
PROXY = ("10.0.0.2", 41000)  # the trusted load balancer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Limited:
    app: FastAPI
    clock: FakeClock
    client: TestClient  # EMPLOYER, and the one that ran the lifespan

    def from_address(self, address: tuple[str, int]) -> TestClient:
        # The app is already started by `client`; this one only changes the peer.
        return TestClient(self.app, client=address)


def status_path() -> str:
    return f"/v1/credentials/{uuid.uuid4()}/status"


def limited_app(database: DatabaseSettings, **config: object) -> Iterator[Limited]:
    clock = FakeClock()
    rate_limits = RateLimitConfig(
        rate_per_minute=PER_MINUTE,
        burst=BURST,
        trusted_proxies=parse_networks("10.0.0.0/24"),
        clock=clock,
        **config,  # type: ignore[arg-type]
    )
    app = create_app(Settings(database=database, policy=IRELAND), rate_limits=rate_limits)
    with TestClient(app, client=EMPLOYER) as client:
        yield Limited(app, clock, client)


@pytest.fixture
def limited(database: DatabaseSettings) -> Iterator[Limited]:
    yield from limited_app(database)


def use_up(client: TestClient, headers: Headers | None = None, times: int = BURST) -> None:
    for _ in range(times):
        answer = client.get(status_path(), headers=headers or {})
        assert answer.status_code == 404, answer.text  # unknown award: allowed, counted


def assert_limited(response: object) -> int:
    """The 429 problem; returns its Retry-After."""
    assert isinstance(response, httpx2.Response)
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/too-many-requests")
    assert problem["status"] == 429
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    return retry_after


@SQLITE
def test_the_request_after_the_limit_is_a_429_problem_with_retry_after(
    limited: Limited,
) -> None:
    use_up(limited.client)

    retry_after = assert_limited(limited.client.get(status_path()))

    assert retry_after == 10  # one token comes back every 10 s
    assert_limited(limited.client.post("/v1/credentials/status:batch", json={"award_ids": []}))


@SQLITE
def test_after_retry_after_seconds_requests_pass_again(limited: Limited) -> None:
    use_up(limited.client)
    retry_after = assert_limited(limited.client.get(status_path()))

    limited.clock.advance(retry_after - 1)
    assert_limited(limited.client.get(status_path()))
    limited.clock.advance(1)

    assert limited.client.get(status_path()).status_code == 404
    assert_limited(limited.client.get(status_path()))  # one token came back, not the burst


@SQLITE
def test_another_client_address_is_not_affected(limited: Limited) -> None:
    use_up(limited.client)
    assert_limited(limited.client.get(status_path()))

    other = limited.from_address(OTHER_EMPLOYER)
    use_up(other)  # a whole burst of its own
    assert_limited(other.get(status_path()))


@SQLITE
def test_x_forwarded_for_from_an_untrusted_peer_does_not_change_the_bucket(
    limited: Limited,
) -> None:
    for n in range(BURST):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=198.51.100.{n}"}
        assert limited.client.get(status_path(), headers=spoofed).status_code == 404

    assert_limited(limited.client.get(status_path(), headers={"X-Forwarded-For": "192.0.2.99"}))


@SQLITE
def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(limited: Limited) -> None:
    proxy = limited.from_address(PROXY)
    # The proxy appends the address it saw; what the client sent stays to its left.
    first = {"X-Forwarded-For": "192.0.2.1"}
    use_up(proxy, first)
    assert_limited(proxy.get(status_path(), headers=first))
    spoof = {"X-Forwarded-For": "192.0.2.200, 192.0.2.1"}
    assert_limited(proxy.get(status_path(), headers=spoof))
    # Through a second proxy of ours, the same client is still the same client.
    assert_limited(proxy.get(status_path(), headers={"X-Forwarded-For": "192.0.2.1, 10.0.0.9"}))

    second = {"X-Forwarded-For": "192.0.2.2"}
    assert proxy.get(status_path(), headers=second).status_code == 404
    # The proxy's own address is not a client: nothing was charged to it.
    use_up(proxy)


@SQLITE
def test_the_forwarded_header_is_read_when_configured(database: DatabaseSettings) -> None:
    for limited in limited_app(database, forwarded_header="forwarded"):
        proxy = limited.from_address(PROXY)
        client = {"Forwarded": 'for="[2001:db8:1:2::17]:4711";proto=https'}
        use_up(proxy, client)
        assert_limited(proxy.get(status_path(), headers=client))
        # Same /64, another address: the same subscriber.
        assert_limited(proxy.get(status_path(), headers={"Forwarded": "for=[2001:db8:1:2::99]"}))
        # X-Forwarded-For is not the configured header: it is the client's own text.
        assert_limited(proxy.get(status_path(), headers={**client, "X-Forwarded-For": "192.0.2.5"}))
        assert proxy.get(status_path(), headers={"Forwarded": "for=192.0.2.5"}).status_code == 404


@SQLITE
def test_a_status_batch_costs_one_request_per_id(limited: Limited) -> None:
    batch = {"award_ids": [str(uuid.uuid4()) for _ in range(3)]}

    ok(limited.client.post("/v1/credentials/status:batch", json=batch))  # 3 of 5
    refused = limited.client.post("/v1/credentials/status:batch", json=batch)

    # 2 were left, the refused batch took its one request's worth: 1 left. The batch
    # needs 3: two more tokens, 20 s.
    assert assert_limited(refused) == 20
    assert limited.client.get(status_path()).status_code == 404
    assert_limited(limited.client.get(status_path()))
    limited.clock.advance(30)
    ok(limited.client.post("/v1/credentials/status:batch", json=batch))


@SQLITE
def test_a_batch_larger_than_the_burst_passes_on_a_full_bucket(limited: Limited) -> None:
    batch = {"award_ids": [str(uuid.uuid4()) for _ in range(BURST * 3)]}

    ok(limited.client.post("/v1/credentials/status:batch", json=batch))

    assert_limited(limited.client.get(status_path()))


@SQLITE
def test_the_registers_and_the_verification_page_are_limited(limited: Limited) -> None:
    for path in ("/v1/register/providers", "/v1/register/micro-credentials", "/verify"):
        assert limited.client.get(path).status_code == 200
    assert limited.client.get(f"/verify/{uuid.uuid4()}").status_code == 404
    assert limited.client.get("/verify/static/verify.css").status_code == 200  # not counted
    assert limited.client.get(status_path()).status_code == 404

    assert_limited(limited.client.get("/v1/register/providers"))
    assert_limited(limited.client.get("/verify"))


@SQLITE
def test_authenticated_routes_and_probes_are_not_limited(limited: Limited) -> None:
    keys = limited.app.state.services.keys
    authority = bearer(keys.create(role=Role.AUTHORITY, name="registrar", created_by="t").secret)
    use_up(limited.client)
    assert_limited(limited.client.get(status_path()))

    for _ in range(BURST * 2):
        ok(limited.client.get("/v1/authority/keys", headers=authority))
        ok(limited.client.get("/healthz"))
        ok(limited.client.get("/readyz"))
        assert limited.client.get("/metrics").status_code == 200
    ok(
        limited.client.post(
            "/v1/authority/providers",
            json={"code": "SETU", "name": "SETU", "country": "IE", "kind": "university"},
            headers=authority,
        ),
        201,
    )
    issued = limited.client.post(
        "/v1/providers/SETU/awards",
        json=award("l-1", "R-1", str(uuid.uuid4())),
        headers=authority,
    )
    assert issued.status_code == 403  # refused for its key, not for the address


@SQLITE
def test_failed_authentication_is_charged_to_the_address(limited: Limited) -> None:
    for _ in range(BURST - 1):
        wrong = limited.client.get("/v1/authority/keys", headers=bearer("mcl_guess"))
        assert wrong.status_code == 401
    assert limited.client.get("/v1/authority/keys").status_code == 401

    assert_limited(limited.client.get("/v1/authority/keys", headers=bearer("mcl_guess")))
    assert_limited(limited.client.get(status_path()))


@SQLITE
def test_refusals_are_counted_in_the_metrics(limited: Limited) -> None:
    use_up(limited.client)
    for _ in range(3):
        assert_limited(limited.client.get(status_path()))
    assert_limited(limited.client.get("/v1/register/providers"))

    metrics = limited.client.get("/metrics").text

    assert 'ledger_rate_limited_requests_total{route="credentials"} 3.0' in metrics
    assert 'ledger_rate_limited_requests_total{route="register"} 1.0' in metrics


@SQLITE
def test_the_bucket_table_is_bounded_and_forgets_idle_clients_first(limited: Limited) -> None:
    buckets = limited.app.state.rate_limiter.buckets
    buckets.max_clients = 4
    use_up(limited.client)
    strangers = [limited.from_address((f"198.51.100.{n}", 1)) for n in range(6)]
    for stranger in strangers[:3]:
        assert stranger.get(status_path()).status_code == 404
    assert len(buckets) == 4
    limited.clock.advance(10)  # the strangers' buckets are full again; the employer has 1

    assert strangers[3].get(status_path()).status_code == 404

    assert len(buckets) == 2  # the idle strangers were forgotten, the employer was not
    assert limited.client.get(status_path()).status_code == 404
    assert_limited(limited.client.get(status_path()))
    # When no bucket is idle, the oldest go: the table never grows past its bound.
    for stranger in (strangers[4], strangers[5], *strangers[:3]):
        use_up(stranger, times=BURST)
    assert len(buckets) <= 4


def test_the_limits_come_from_the_environment() -> None:
    config = RateLimitConfig.from_env(
        {
            "LEDGER_PUBLIC_RATE_PER_MINUTE": "600",
            "LEDGER_PUBLIC_BURST": "1500",
            "LEDGER_RATE_LIMIT_CLIENTS": "1000",
            "LEDGER_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::1",
            "LEDGER_FORWARDED_HEADER": "Forwarded",
        }
    )
    assert (config.rate_per_minute, config.burst, config.max_clients) == (600, 1500, 1000)
    assert [str(n) for n in config.trusted_proxies] == ["10.0.0.0/8", "2001:db8::1/128"]
    assert config.forwarded_header == "forwarded"
    defaults = RateLimitConfig.from_env({})
    assert defaults.trusted_proxies == ()
    assert defaults.rate_per_minute >= 1000  # an HR system's hundreds a minute pass
    assert not RateLimitConfig.from_env({"LEDGER_PUBLIC_RATE_PER_MINUTE": "0"}).enabled
    with pytest.raises(ValueError, match="LEDGER_TRUSTED_PROXIES"):
        RateLimitConfig.from_env({"LEDGER_TRUSTED_PROXIES": "proxy.example"})
    with pytest.raises(ValueError, match="LEDGER_FORWARDED_HEADER"):
        RateLimitConfig.from_env({"LEDGER_FORWARDED_HEADER": "x-real-ip"})


@SQLITE
def test_a_served_ledger_ignores_x_forwarded_for_from_loopback(
    database: DatabaseSettings, tmp_path: Path
) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; `ledger serve` must
    # leave that decision to LEDGER_TRUSTED_PROXIES (none here).
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_ACCESS_LOG": "0",
        "LEDGER_PUBLIC_BURST": "3",
        "LEDGER_PUBLIC_RATE_PER_MINUTE": "1",
    }
    with (
        ledger_serve(env, tmp_path / "serve.log", probe="/healthz") as base,
        httpx2.Client(base_url=base, timeout=10) as http,
    ):
        for n in range(3):
            spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
            assert http.get(status_path(), headers=spoofed).status_code == 404

        refused = http.get(status_path(), headers={"X-Forwarded-For": "198.51.100.9"})

        assert_limited(refused)
