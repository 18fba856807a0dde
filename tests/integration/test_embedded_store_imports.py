"""The embedded store (SQLite) never loads psycopg: the CLI and the default `ledger
serve` do not pay its import, and nothing on that path depends on PostgreSQL's driver.
eventsourcing itself imports psycopg only from its postgres module, so the check below
is about the ledger's own modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OPEN_AND_WRITE = """
import sys
from ledger.application import Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain.principal import Principal
from ledger.domain.values import ProviderKind
from ledger.policy import IRELAND

ledger = Ledger(Settings(database=DatabaseSettings(url=sys.argv[1]), policy=IRELAND))
ledger.register_provider(
    code="EMB",
    name="Embedded",
    country="IE",
    kind=ProviderKind.OTHER,
    by=Principal.authority("test:imports"),
)
with ledger.issuance_turns.turn(exclusive=True):
    pass
ledger.close()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "psycopg_pool"))
assert "ledger.infrastructure.sqlite" in sys.modules
print(",".join(loaded) or "none")
"""


def _loaded_after(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_an_sqlite_ledger_never_imports_psycopg(tmp_path: Path) -> None:
    assert _loaded_after(OPEN_AND_WRITE, f"sqlite:///{tmp_path / 'ledger.sqlite3'}") == "none"


def test_the_check_sees_psycopg_when_it_is_loaded() -> None:
    # The PostgreSQL recorder's module does import it: the probe above would tell.
    probe = "import sys, ledger.infrastructure.postgres; print('psycopg' in sys.modules)"
    assert _loaded_after(probe) == "True"
