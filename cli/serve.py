"""``ledger serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
import uvicorn

from cli.app import app, console, user_errors
from composition import open_process
from ledger.config import Settings

# The variable prometheus-client reads; named here so that the CLI does not import the
# API's modules (api.process_metrics.MULTIPROCESS_DIR_ENV is the same name). It is set
# in the environment, not passed in Settings: the workers inherit it, and
# prometheus-client reads it in each of them on import, before any Settings exist.
MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


@app.command()
def serve(
    host: str | None = typer.Option(
        None, help="Address to listen on (default: LEDGER_HOST, else 127.0.0.1)."
    ),
    port: int | None = typer.Option(None, help="TCP port (default: LEDGER_PORT, else 8000)."),
    workers: int | None = typer.Option(
        None, min=1, help="Worker processes (default: LEDGER_WORKERS, else 1)."
    ),
) -> None:
    """Serve the API (employers, providers, authority) on HOST:PORT."""
    with user_errors():
        settings = Settings.from_env()
        host = settings.server.host if host is None else host
        port = settings.server.port if port is None else port
        workers = settings.server.workers if workers is None else workers
        # Open the store once here, so an unreachable database is one line, not a
        # traceback from inside the server's start-up.
        open_process(settings).close()
    console.print(
        f"ledger API on http://{host}:{port}  store: {settings.database.describe()}  "
        f"policy: {settings.policy.name}",
        highlight=False,
    )
    with shared_metrics(workers, settings.metrics.multiprocess_dir):
        uvicorn.run(
            # Several workers: each bound to the life of uvicorn's master
            # (cli.serve_worker).
            "cli.serve_worker:create_app" if workers > 1 else "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,
            # uvicorn would otherwise take the client's address from X-Forwarded-For
            # whenever the peer is loopback, before the API sees it; the API decides
            # that itself, from LEDGER_TRUSTED_PROXIES only (api/ratelimit.py).
            proxy_headers=False,
        )


@contextmanager
def shared_metrics(workers: int, given: Path | None) -> Iterator[None]:
    """Several workers keep their metrics in files of one directory, so that a scrape
    answered by any of them counts all (prometheus-client's multiprocess mode, see
    `api.process_metrics`). The workers are started after this sets the environment,
    which they inherit. An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used, emptied
    of an earlier run's files; otherwise a temporary one, removed at the end."""
    if workers < 2:
        yield
        return
    if given is not None:
        folder = given
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        yield
        return
    with tempfile.TemporaryDirectory(prefix="ledger-metrics-") as folder_name:
        os.environ[MULTIPROCESS_DIR_ENV] = folder_name
        try:
            yield
        finally:
            os.environ.pop(MULTIPROCESS_DIR_ENV, None)
