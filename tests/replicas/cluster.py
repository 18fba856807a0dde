"""A PostgreSQL primary and a streaming hot standby of the test run's own.

Both clusters are made from nothing (``initdb``, then ``pg_basebackup -R -X stream``)
in a temporary directory, on free ports, with trust authentication on 127.0.0.1 only:
the machine's own server (5432) is not touched. As root, the cluster tools run as the
``postgres`` OS user (``initdb`` refuses root), which owns the data directories.

Missing server binaries are a failure, never a skip: set ``LEDGER_TEST_PG_BIN`` to the
directory holding ``initdb``, ``pg_ctl`` and ``pg_basebackup`` (default: the newest
``/usr/lib/postgresql/*/bin``, else ``PATH``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.served import free_port

TOOLS = ("initdb", "pg_ctl", "pg_basebackup")


def server_binaries() -> Path:
    """The directory of the PostgreSQL server tools; raises with what to do if none."""
    configured = os.environ.get("LEDGER_TEST_PG_BIN", "").strip()
    candidates = [configured] if configured else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for candidate in candidates:
        if all((Path(candidate) / tool).is_file() for tool in TOOLS):
            return Path(candidate)
    found = shutil.which("initdb")
    if found is not None and all(shutil.which(tool) for tool in TOOLS):
        return Path(found).parent
    msg = (
        "the read replica tests need the PostgreSQL server tools (initdb, pg_ctl,"
        " pg_basebackup): install Debian's postgresql package (scripts/test.sh does) or"
        " set LEDGER_TEST_PG_BIN to their directory"
    )
    raise RuntimeError(msg)


@dataclass
class Cluster:
    """One running cluster: its data directory, port and log file."""

    name: str
    data: Path
    port: int
    bin: Path
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"

    def run(self, tool: str, *args: str, timeout: float = 120) -> str:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            msg = f"{tool} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            raise RuntimeError(msg)
        return done.stdout

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        try:
            self.run("pg_ctl", "-D", str(self.data), "status")
        except RuntimeError:
            return False
        return True

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def execute(self, statement: str) -> None:
        with self.connect() as conn:
            conn.execute(statement)

    def scalar(self, statement: str) -> object:
        with self.connect() as conn:
            row = conn.execute(statement).fetchone()
            assert row is not None
            return row[0]


@dataclass
class Replicated:
    """A primary and its streaming standby."""

    primary: Cluster
    standby: Cluster
    root: Path
    started_in: float
    """Seconds from nothing to a standby streaming from the primary."""

    def wait_streaming(self, timeout: float = 30) -> None:
        """Until the standby is in recovery and the primary has it streaming."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(psycopg.Error):
                in_recovery = self.standby.scalar("SELECT pg_is_in_recovery()")
                state = self.primary.scalar(
                    "SELECT coalesce(max(state), '') FROM pg_stat_replication"
                )
                if in_recovery is True and state == "streaming":
                    return
            if time.monotonic() > deadline:
                msg = f"the standby did not stream within {timeout} s; see {self.root}"
                raise RuntimeError(msg)
            time.sleep(0.05)

    def standby_ready(self) -> None:
        """The standby running, replaying and streaming (whatever a test did to it)."""
        if not self.standby.running():
            self.standby.start()
        self.wait_streaming()
        if self.standby.scalar("SELECT pg_is_wal_replay_paused()") is True:
            self.standby.execute("SELECT pg_wal_replay_resume()")

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        target = str(self.primary.scalar("SELECT pg_current_wal_insert_lsn()"))
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(psycopg.Error), self.standby.connect() as conn:
                row = conn.execute(
                    "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", (target,)
                ).fetchone()
                if row is not None and row[0]:
                    return
            if time.monotonic() > deadline:
                msg = f"the standby did not replay up to {target} within {timeout} s"
                raise RuntimeError(msg)
            time.sleep(0.02)

    def close(self) -> None:
        for cluster in (self.standby, self.primary):
            with contextlib.suppress(Exception):
                if cluster.running():
                    cluster.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
full_page_writes = off
max_connections = 100
"""

HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def start_replicated() -> Replicated:
    """initdb a primary, pg_basebackup a standby of it, start both, wait for streaming."""
    started = time.monotonic()
    binaries = server_binaries()
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="ledger-replicas-"))
    root.chmod(0o755)
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster("primary", root / "primary", free_port(), binaries, as_postgres)
    standby = Cluster("standby", root / "standby", free_port(), binaries, as_postgres)
    pair = Replicated(primary, standby, root, 0.0)
    try:
        primary.run("initdb", "-D", str(primary.data), "-A", "trust", "-U", "postgres", "-N")
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(PRIMARY_CONF.format(port=primary.port, sockets=root))
        (primary.data / "pg_hba.conf").write_text(HBA)
        primary.start()
        standby.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(standby.data), "-R", "-X", "stream", "-c", "fast"),
        )
        with (standby.data / "postgresql.conf").open("a") as conf:
            # Later lines win: the standby's own port; replay never waits on queries.
            conf.write(f"\nport = {standby.port}\nmax_standby_streaming_delay = 0\n")
        standby.start()
        pair.wait_streaming()
    except BaseException:
        pair.close()
        raise
    pair.started_in = time.monotonic() - started
    return pair
