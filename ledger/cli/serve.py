"""``ledger serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from ledger.application import Ledger
from ledger.cli.app import app, console, user_errors
from ledger.config import Settings


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="LEDGER_HOST", help="Address to listen on."),
    port: int = typer.Option(8000, envvar="LEDGER_PORT", help="TCP port."),
    workers: int = typer.Option(1, envvar="LEDGER_WORKERS", min=1, help="Worker processes."),
) -> None:
    """Serve the API (employers, providers, authority) on HOST:PORT."""
    with user_errors():
        settings = Settings.from_env()
        # Open the store once here, so an unreachable database is one line, not a
        # traceback from inside the server's start-up.
        Ledger(settings).close()
    console.print(
        f"ledger API on http://{host}:{port}  store: {settings.database.describe()}  "
        f"policy: {settings.policy.name}",
        highlight=False,
    )
    uvicorn.run(
        # Several workers: each bound to the life of uvicorn's master (ledger.cli.serve_worker).
        "ledger.cli.serve_worker:create_app" if workers > 1 else "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
