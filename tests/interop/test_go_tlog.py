"""A running ledger's log checked by an implementation no one here wrote: Go's
golang.org/x/mod/sumdb/note opens the checkpoint the server signed with the authority's
key, and golang.org/x/mod/sumdb/tlog checks the inclusion proof of an award's issuance
event and a consistency proof between two checkpoints (Debian's golang-go and
golang-golang-x-mod-dev, which scripts/test.sh installs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import orjson
import pytest

from tests.api.test_serve_beside_cli import Server, ledger
from tests.served import fast_checkpoints_env, signed_checkpoint

GO_SOURCE = Path(__file__).parent / "tlog_check" / "main.go"
GO_PATH = "/usr/share/gocode"


@pytest.fixture(scope="module")
def tlog_check(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    assert go, "Go is not installed: scripts/test.sh installs golang-go and golang-golang-x-mod-dev"
    assert Path(GO_PATH, "src/golang.org/x/mod/sumdb/note").is_dir(), (
        "golang-golang-x-mod-dev is missing"
    )
    build = tmp_path_factory.mktemp("tlog_check")
    shutil.copy(GO_SOURCE, build / "main.go")
    env = {
        **os.environ,
        "GOPATH": GO_PATH,
        "GO111MODULE": "off",
        "GOCACHE": str(build / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(
        [go, "build", "-o", "tlog_check", "."], cwd=build, env=env, check=True, timeout=300
    )
    return build / "tlog_check"


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


def test_go_opens_our_checkpoint_and_checks_our_proofs(
    tlog_check: Path, env: dict[str, str], server: Server
) -> None:
    server.start()
    seeded = ledger(env, "seed", "--awards", "21")
    award_id = next(word for word in seeded.split() if word.count("-") == 4)
    verifier_key = ledger(env, "log", "key").strip()
    with httpx2.Client(base_url=server.base, timeout=10) as http:
        old_note = signed_checkpoint(server.base, at_least=1)
        old_size = int(old_note.split("\n")[1])
        ledger(env, "seed", "--awards", "42")  # more events: a larger tree
        new_note = signed_checkpoint(server.base, at_least=old_size + 1)
        new_size = int(new_note.split("\n")[1])
        status = http.get(f"/v1/credentials/{award_id}/status", params={"log_proof": "true"})
        inclusion = status.json()["log_inclusion"]
        consistency = http.get(
            "/v1/log/consistency", params={"first": old_size, "second": inclusion["tree_size"]}
        ).json()
    assert inclusion is not None, status.text
    checked = subprocess.run(
        [str(tlog_check)],
        input=orjson.dumps(
            {
                "verifier_key": verifier_key,
                "note": inclusion["checkpoint"],
                "leaf_index": inclusion["leaf_index"],
                "leaf_hash": inclusion["leaf_hash"],
                "inclusion": inclusion["proof"],
                "old_note": old_note,
                "consistency": consistency["proof"],
            }
        ),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr.decode()
    assert checked.stdout.decode().startswith("ok ")
    assert new_size >= inclusion["tree_size"] > old_size

    # And Go refuses what was tampered with: the same proof against another leaf.
    tampered = subprocess.run(
        [str(tlog_check)],
        input=orjson.dumps(
            {
                "verifier_key": verifier_key,
                "note": inclusion["checkpoint"],
                "leaf_index": inclusion["leaf_index"],
                "leaf_hash": consistency["proof"][0] if consistency["proof"] else "A" * 43 + "=",
                "inclusion": inclusion["proof"],
            }
        ),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert tampered.returncode == 1
    assert b"tlog.CheckRecord" in tampered.stderr
