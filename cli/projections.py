"""``ledger project`` (the projection worker) and ``ledger rebuild [VIEW]``."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.app import app, console, err_console, fail, user_errors
from cli.store import command_process
from composition import Process
from ledger.infrastructure.signing_keys import SigningSecretError


def _lag_table(process: Process) -> Table:
    table = Table("view", "position", "log", "lag")
    for lag in process.read_model.lag().values():
        table.add_row(lag.view, str(lag.position), str(lag.log_position), str(lag.lag))
    return table


@app.command()
def project(
    once: bool = typer.Option(False, "--once", help="Catch up with the log, then exit."),
    status: bool = typer.Option(
        False, "--status", help="Only show each view's position and lag, then exit."
    ),
    page_size: int = typer.Option(1000, min=1, max=100_000, help="Events per transaction."),
    poll_interval: float = typer.Option(
        1.0, min=0.01, help="Seconds between polls when no notification wakes the worker."
    ),
    processes: int = typer.Option(
        0,
        min=0,
        max=64,
        help="Worker processes preparing the pages of a backlog of at least 8 pages on "
        "PostgreSQL (after downtime, say); 0 keeps a catch-up off the API's cores.",
    ),
) -> None:
    """Run the projection worker: keep the read views following the event log.

    For PostgreSQL deployments run one (the API processes then set
    LEDGER_EMBEDDED_PROJECTIONS=0). It wakes on PostgreSQL NOTIFY and polls as a
    fallback; a second worker by mistake does no harm (tracking serialises them).
    Stops cleanly on Ctrl-C or SIGTERM and resumes where it stopped."""
    from projections.follower import Follower, ProjectionStalled

    # The worker may be the first process of a new deployment (compose runs
    # `ledger project --once` to create the tables); --status only reads.
    with command_process(create=not status) as process:
        ledger = process.ledger
        if status:
            console.print(_lag_table(process))
            return
        with user_errors():
            follower = Follower(
                ledger,
                page_size=page_size,
                poll_interval=poll_interval,
                processes=processes,
                store=process.view_store,
            )
        if once:
            try:
                applied = follower.catch_up()
            except ProjectionStalled as stalled:
                console.print(_lag_table(process))
                fail(str(stalled))
            console.print(f"applied {applied} event(s)", highlight=False)
            console.print(_lag_table(process))
            log = process.transparency_log.appender
            logged = log.append_all()
            console.print(f"appended {logged} event(s) to the log", highlight=False)
            try:
                log.sign_if_due(force=True)
            except SigningSecretError as error:
                # The deployment's first step must not fail for it: the log is appended,
                # and signed once the secret is set (docs/security.md).
                err_console.print(
                    f"warning: the log's checkpoint is not signed: {error}",
                    highlight=False,
                    soft_wrap=True,
                )
            return
        console.print(
            f"projection worker on {ledger.settings.database.describe()} "
            f"(page {page_size}, poll {poll_interval}s); Ctrl-C to stop",
            highlight=False,
        )

        # The tamper-evident log follows the same events, in a thread of its own.
        log_follower = process.transparency_log.follower(poll_interval=poll_interval)
        log_thread = threading.Thread(target=log_follower.run, name="transparency-log")
        log_thread.start()

        def stop(_signum: int, _frame: FrameType | None) -> None:
            follower.stop()
            log_follower.stop()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        try:
            follower.run()
        finally:
            log_follower.stop()
            log_thread.join(10)
        console.print("projection worker stopped", highlight=False)


@app.command()
def rebuild(
    view: str = typer.Argument(
        None,
        help="The view to rebuild (all when omitted): credential_status, providers, "
        "catalogue, transcripts, audit.",
        show_default=False,
    ),
    page_size: int = typer.Option(5000, min=1, max=100_000, help="Events per transaction."),
    processes: int = typer.Option(
        os.cpu_count() or 1,
        min=0,
        max=64,
        help="Worker processes preparing the pages on PostgreSQL (0: none, all in this process).",
        show_default="the number of CPUs",
    ),
) -> None:
    """Rebuild a view (or all) from the whole event log, with progress.

    The view is built again beside the one in use, which keeps answering (and
    following the log) meanwhile; then the new one takes its place in one transaction.
    A rebuild that stops leaves the view in use as it was."""
    from projections.follower import ProjectionStalled
    from projections.rebuild import SwitchBlocked
    from projections.rebuild import rebuild as rebuild_views
    from projections.schema import make_views
    from projections.views import VIEW_NAMES

    names = [view] if view else list(VIEW_NAMES)
    if view and view not in VIEW_NAMES:
        fail(f"unknown view {view!r}; the views are: {', '.join(VIEW_NAMES)}")
    with command_process() as process:
        ledger = process.ledger
        with user_errors():
            make_views(process.view_store.dialect, names)
            total = int(ledger.recorder.max_notification_id() or 0)
            with Progress(
                TextColumn("rebuilding {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as bar:
                task = bar.add_task(", ".join(names), total=max(total, 1))

                def advance(position: int, log_position: int) -> None:
                    bar.update(task, completed=position, total=max(log_position, 1))

                try:
                    positions = rebuild_views(
                        ledger,
                        names,
                        page_size=page_size,
                        progress=advance,
                        processes=processes,
                        store=process.view_store,
                    )
                except ProjectionStalled as stalled:
                    fail(f"the rebuild stopped: {stalled}; the views in use are unchanged")
                except SwitchBlocked as blocked:
                    fail(f"the rebuild stopped: {blocked}")
                bar.update(task, completed=max(total, 1))
        for name, position in positions.items():
            console.print(f"{name}: rebuilt up to position {position}", highlight=False)
