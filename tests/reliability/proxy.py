"""A TCP proxy between the ledger and PostgreSQL whose faults a test controls.

* ``pass``: bytes flow both ways.
* ``refuse``: the listener is closed (new connections are refused) and every open
  connection is reset, as when the server is stopped or its machine rejects the port.
* ``blackhole``: connections are accepted but nothing flows either way, as in a network
  partition where packets vanish: nothing fails, everything waits. On restore, the
  connections from the partition are reset (a long partition outlives TCP's patience),
  without delivering what was held: the server never sees a statement the client gave
  up on.
* `FaultProxy.blackhole_after`: pass until the client sends some bytes (a ``COMMIT``),
  deliver them, then blackhole: the server commits, its answer is lost.

    with FaultProxy(("127.0.0.1", 5432)) as proxy:
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/db"
        proxy.refuse(); ...; proxy.restore()
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from types import TracebackType
from typing import Literal

Mode = Literal["pass", "refuse", "blackhole"]


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, not a graceful FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Pair:
    def __init__(self, client: socket.socket, server: socket.socket | None) -> None:
        self.client = client
        self.server = server
        self.dead = threading.Event()
        self.lock = threading.Lock()

    def kill(self) -> None:
        with self.lock:
            if self.dead.is_set():
                return
            self.dead.set()
            _reset(self.client)
            if self.server is not None:
                _reset(self.server)


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], port: int = 0) -> None:
        self.upstream = upstream
        self.mode: Mode = "pass"
        self._flowing = threading.Event()
        self._flowing.set()
        self._pairs: set[_Pair] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._trigger: bytes | None = None
        self.port = port
        self._listen()
        self._thread = threading.Thread(target=self._accept_loop, name="proxy", daemon=True)
        self._thread.start()

    # --- control --------------------------------------------------------------------
    def refuse(self) -> None:
        with self._lock:
            self.mode = "refuse"
            listener, self._listener = self._listener, None
            pairs, self._pairs = self._pairs, set()
        if listener is not None:
            listener.close()
        for pair in pairs:
            pair.kill()

    def blackhole(self) -> None:
        with self._lock:
            self.mode = "blackhole"
            self._flowing.clear()

    def blackhole_after(self, marker: bytes) -> None:
        """Blackhole as soon as ``marker`` has gone to the server."""
        with self._lock:
            self._trigger = marker

    def restore(self) -> None:
        with self._lock:
            previous, self.mode = self.mode, "pass"
            self._trigger = None
            if previous == "blackhole":
                pairs, self._pairs = self._pairs, set()
            else:
                pairs = set()
        # The partition's connections are reset before anything flows again: bytes
        # let through first would reach the server (a ping answered on a connection
        # about to be reset made the ledger's monitor see the server up, then down).
        for pair in pairs:
            pair.kill()
        with self._lock:
            if self._listener is None:
                self._listen()
            self._flowing.set()

    def close(self) -> None:
        self._stop.set()
        self.refuse()
        self._thread.join(timeout=2)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------
    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = int(listener.getsockname()[1])
        self._listener = listener

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                self._stop.wait(0.02)
                continue
            try:
                ready, _, _ = select.select([listener], [], [], 0.05)
                if not ready:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):
                continue  # closed by refuse()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        pair = _Pair(client, None)
        with self._lock:
            if self.mode == "refuse":
                _reset(client)
                return
            self._pairs.add(pair)
        # In a partition the server is never reached; the client just waits.
        while not self._flowing.wait(0.05):
            if pair.dead.is_set():
                return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            pair.kill()
            return
        with pair.lock:
            if pair.dead.is_set():
                _reset(server)
                return
            pair.server = server
        upstream = threading.Thread(
            target=self._pump, args=(pair, client, server, True), daemon=True
        )
        upstream.start()
        self._pump(pair, server, client, False)

    def _pump(
        self, pair: _Pair, source: socket.socket, sink: socket.socket, upstream: bool
    ) -> None:
        try:
            while not pair.dead.is_set():
                if not self._flowing.is_set():
                    # Leave the bytes where they are: nothing flows in a partition.
                    self._flowing.wait(0.05)
                    continue
                ready, _, _ = select.select([source], [], [], 0.05)
                if not ready or not self._flowing.is_set():
                    continue
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
                trigger = self._trigger
                if upstream and trigger is not None and trigger in data:
                    with self._lock:
                        self._trigger = None
                    self.blackhole()
        except (OSError, ValueError):
            pass
        pair.kill()
        with self._lock:
            self._pairs.discard(pair)
