"""A provider's student system pushing award batches: a separate process that POSTs
pre-built batches to `/v1/providers/{code}/awards:batch`, a few in flight, each with an
Idempotency-Key as a real client sends, and reports when it started and finished.

Usage: issue_client.py BASE_URL BATCHES_JSONL CONCURRENCY; each line of the file is
``{"code": ..., "key": ..., "body": {...}}``. Prints one BENCH_JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import httpx2


async def main() -> None:
    base_url, path, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        batches = [json.loads(line) for line in f if line.strip()]
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)
    failures: list[str] = []
    awards = 0
    last_award_ids: list[str] = []

    async def push(client: httpx2.AsyncClient) -> None:
        nonlocal awards
        while not queue.empty():
            batch = queue.get_nowait()
            response = await client.post(
                f"/v1/providers/{batch['code']}/awards:batch",
                content=json.dumps(batch["body"]),
                headers={
                    "Authorization": f"Bearer {batch['key']}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            if response.status_code != 201:
                failures.append(f"{response.status_code}: {response.text[:300]}")
                continue
            written = response.json()["awards"]
            awards += sum(1 for a in written if a["created"])
            last_award_ids.append(written[-1]["award_id"])

    started = time.time()
    async with httpx2.AsyncClient(base_url=base_url, timeout=120) as client:
        await asyncio.gather(*(push(client) for _ in range(concurrency)))
    finished = time.time()
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "started": started,
                "finished": finished,
                "awards": awards,
                "batches": len(batches),
                "failures": failures[:5],
                "failed": len(failures),
                "last_award_ids": last_award_ids,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
