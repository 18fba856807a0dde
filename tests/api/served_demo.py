"""``ledger serve`` as its own process on a SQLite file seeded with the demo country,
for tests that speak to it as an outside client does (over a TCP socket)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cli.demo import DemoSummary, seed_demo
from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Role
from ledger.infrastructure.keys import KeyStore
from ledger.infrastructure.side_tables import SideTables
from ledger.policy import IRELAND
from tests.served import free_port, ledger_serve


@dataclass(frozen=True)
class ServedDemo:
    url: str
    demo: DemoSummary
    authority_secret: str


@contextmanager
def served_demo(
    folder: Path, *, public_url_is_served: bool = False, **environment: str
) -> Iterator[ServedDemo]:
    """The demo country served by ``ledger serve`` in a process of its own. With
    ``public_url_is_served``, ``LEDGER_PUBLIC_URL`` is the address it serves on, so the
    names in its credentials (did:web, status lists) resolve to it."""
    database = DatabaseSettings(url=f"sqlite:///{folder / 'ledger.sqlite3'}")
    ledger = Ledger(Settings(database=database, policy=IRELAND))
    try:
        demo = seed_demo(ledger)
        secret = (
            KeyStore(SideTables(ledger.recorder))
            .create(role=Role.AUTHORITY, name="operator")
            .secret
        )
    finally:
        ledger.close()
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_POLICY": "ireland",
        "LEDGER_ACCESS_LOG": "0",
        **environment,
    }
    port = free_port()
    if public_url_is_served:
        env["LEDGER_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    with ledger_serve(env, folder / "serve.log", port=port, timeout=60) as url:
        yield ServedDemo(url, demo, secret)
