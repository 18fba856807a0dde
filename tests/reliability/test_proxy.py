"""The fault proxy keeps the promises the fault tests rely on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.reliability import proxy as proxy_module
from tests.reliability.proxy import FaultProxy


class RecordingServer:
    """A TCP server that keeps every byte it receives."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.received = bytearray()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    self.received += data


@pytest.fixture
def upstream() -> Iterator[RecordingServer]:
    server = RecordingServer()
    try:
        yield server
    finally:
        server.listener.close()


def test_what_a_partition_held_never_reaches_the_server_however_slow_the_reset(
    upstream: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill = proxy_module._Pair.kill

    def slow_kill(pair: proxy_module._Pair) -> None:
        time.sleep(0.05)  # the window in which a pump woken by the restore could send
        kill(pair)

    monkeypatch.setattr(proxy_module._Pair, "kill", slow_kill)
    with FaultProxy(("127.0.0.1", upstream.port)) as proxy:
        before = socket.create_connection(("127.0.0.1", proxy.port))
        before.sendall(b"before ")
        deadline = time.monotonic() + 5
        while bytes(upstream.received) != b"before " and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bytes(upstream.received) == b"before "

        proxy.blackhole()
        before.sendall(b"held-by-an-open-connection ")
        during = [socket.create_connection(("127.0.0.1", proxy.port)) for _ in range(3)]
        for conn in during:
            conn.sendall(b"held-by-a-new-connection ")
        time.sleep(0.2)
        proxy.restore()
        after = socket.create_connection(("127.0.0.1", proxy.port))
        after.sendall(b"after")
        deadline = time.monotonic() + 5
        while not bytes(upstream.received).endswith(b"after") and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)

        for conn in [before, *during, after]:
            conn.close()
    assert bytes(upstream.received) == b"before after"
