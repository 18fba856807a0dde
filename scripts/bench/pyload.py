"""A fallback load generator when wrk is absent: keep-alive HTTP/1.1 GETs over raw
asyncio streams, N connections, for a time; prints the same BENCH_JSON line as
status.lua. Usage: pyload.py BASE_URL SECONDS CONNECTIONS (BENCH_IDS / BENCH_PATH env)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from urllib.parse import urlparse


async def worker(host: str, port: int, paths: list[str], stop: float, out: list[float]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    while time.perf_counter() < stop:
        path = random.choice(paths)
        started = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 2"):
            errors += 1
        out.append(time.perf_counter() - started)
    writer.close()
    return errors


async def main() -> None:
    base, seconds, connections = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    parsed = urlparse(base)
    ids_path = os.environ.get("BENCH_IDS", "")
    if ids_path:
        with open(ids_path, encoding="utf-8") as f:
            paths = [f"/v1/credentials/{line.strip()}/status" for line in f if line.strip()]
    else:
        paths = [os.environ.get("BENCH_PATH", "/")]
    latencies: list[float] = []
    started = time.perf_counter()
    stop = started + seconds
    results = await asyncio.gather(
        *(
            worker(parsed.hostname or "127.0.0.1", parsed.port or 80, paths, stop, latencies)
            for _ in range(connections)
        )
    )
    duration = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> int:
        return (
            int(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1e6)
            if latencies
            else 0
        )

    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "requests": len(latencies),
                "duration_us": int(duration * 1e6),
                "errors": 0,
                "non_2xx": sum(results),
                "p50_us": pct(0.5),
                "p99_us": pct(0.99),
                "mean_us": sum(latencies) / len(latencies) * 1e6 if latencies else 0,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
