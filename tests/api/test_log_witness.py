"""``ledger log witness`` beside a running ledger, as another organisation runs it: it
keeps each new checkpoint once its signature and a consistency proof from the last one
check; when the ledger's log is rewritten (an event deleted and the tree re-signed by
someone holding the authority's key), the next run refuses it."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.history_file import write_history
from tests.api.test_serve_beside_cli import Server, ledger
from tests.served import LEDGER, fast_checkpoints_env, signed_checkpoint


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return fast_checkpoints_env(tmp_path)


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[Server]:
    server = Server(env)
    try:
        yield server
    finally:
        server.stop()


def witness(
    env: dict[str, str], base: str, state: Path, vkey: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDGER, "log", "witness", base, "--state", str(state), "--verifier-key", vkey],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def signed_size(base: str, at_least: int) -> int:
    return int(signed_checkpoint(base, at_least=at_least).split("\n")[1])


def test_a_witness_keeps_checkpoints_that_extend_and_refuses_a_rewritten_log(
    env: dict[str, str], server: Server, tmp_path: Path
) -> None:
    state = tmp_path / "witness.jsonl"
    server.start()
    ledger(env, "seed", "--awards", "21")
    first = signed_size(server.base, 1)
    vkey = ledger(env, "log", "key").strip()

    kept = witness(env, server.base, state, vkey)
    assert kept.returncode == 0, kept.stderr
    assert f"kept the checkpoint of {first} leaves" in kept.stdout
    ledger(env, "seed", "--awards", "42")
    second = signed_size(server.base, first + 1)
    again = witness(env, server.base, state, vkey)
    assert again.returncode == 0, again.stderr
    assert f"kept the checkpoint of {second} leaves" in again.stdout
    assert len(state.read_text().splitlines()) == 2

    # The rewrite: the server stopped, one early event deleted, the log's tables
    # dropped, and the server started again to build and sign a new tree with the key.
    server.stop()
    database = env["LEDGER_DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM stored_events WHERE rowid = 3")
        for table in ("tlog_hashes", "tlog_leaves", "tlog_checkpoints"):
            db.execute(f"DELETE FROM {table}")
    server.start()
    signed_size(server.base, second - 1)
    shrunk = witness(env, server.base, state, vkey)
    assert shrunk.returncode == 1
    assert f"shrank from {second} to {second - 1} leaves" in shrunk.stderr
    # The rewritten log grows past the size the witness kept: a consistency proof from
    # the kept checkpoint cannot exist.
    write_history(old := tmp_path / "old.jsonl", awards=6, providers=1)
    ledger(env, "import", str(old), "--source", "register of 2016-2024")
    signed_size(server.base, second + 1)

    refused = witness(env, server.base, state, vkey)

    assert refused.returncode == 1
    assert "the log was rewritten" in refused.stderr
    assert len(state.read_text().splitlines()) == 2  # nothing kept from the rewritten log
