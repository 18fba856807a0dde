"""Time ``ledger import`` of an earlier register, as the authority's operator runs it
(the command in its own process), on a fresh PostgreSQL database and a fresh SQLite
file: the first run, which judges and writes everything, and a second run of the same
file, which finds everything already in the register (what resuming costs).

    .venv/bin/python -m scripts.import_bench                  # 100,000 awards
    .venv/bin/python -m scripts.import_bench --awards 10000 --stores sqlite
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench.run import fresh_database, postgres_version
from scripts.history_file import write_history

LEDGER = str(Path(sys.executable).with_name("ledger"))


def run_import(env: dict[str, str], path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [LEDGER, "import", str(path), "--source", "benchmark register"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ledger import failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def measure(store: str, url: str, path: Path, awards: int) -> str:
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_ACTOR": "authority:bench"}
    first, output = run_import(env, path)
    assert f"awards: {awards} written" in output, output
    again, output = run_import(env, path)
    assert f"awards: 0 written, {awards} already in the register" in output, output
    return (
        f"| {store} | {awards:,} | {first:.1f} s | {awards / first:,.0f} awards/s | {again:.1f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=100_000)
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--stores", default="postgres,sqlite")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="ledger_import_bench")
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "history.jsonl"
        lines = write_history(path, awards=args.awards, providers=args.providers)
        size = path.stat().st_size / 2**20
        described = f"{lines:,} rows, {size:.1f} MiB"
        stores = args.stores.split(",")
        if "postgres" in stores:
            with fresh_database(args.admin_url, args.database, keep=False) as url:
                rows.append(measure(f"PostgreSQL {postgres_version(url)}", url, path, args.awards))
        if "sqlite" in stores:
            url = f"sqlite:///{Path(scratch) / 'ledger.sqlite3'}"
            rows.append(measure("SQLite (embedded)", url, path, args.awards))
    print(
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; the file: {described} "
        f"({args.providers} providers with their decisions and credentials)\n"
    )
    print("| store | awards | first run (judge all, write all) | rate | second run (all present) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
