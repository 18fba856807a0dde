"""``ledger seed``: write a small demo country (or a larger one) into the ledger."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli import demo
from cli.app import app, console, fail
from cli.store import command_process


@app.command()
def seed(
    awards: int = typer.Option(
        demo.DEFAULT_AWARDS,
        "--awards",
        "-n",
        help=f"How many course awards to issue (at least {demo.MIN_AWARDS}).",
    ),
    batch_size: int = typer.Option(
        demo.BATCH_SIZE, "--batch-size", min=1, help="Awards per issuance batch (one transaction)."
    ),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000",
        "--base-url",
        envvar="LEDGER_PUBLIC_URL",
        help="Where `ledger serve` answers, for the verification links printed.",
    ),
) -> None:
    """Seed a demo country and print award ids to try on the verification page.

    Providers, micro-credentials across levels and fields, learners and awards,
    one revocation, one stack and one revalidation.
    Safe to run again: what is there is kept, and the same ids are printed.
    """
    if awards < demo.MIN_AWARDS:
        fail(f"--awards must be at least {demo.MIN_AWARDS}, got {awards}")
    with command_process(create=True) as process:
        ledger = process.ledger
        settings = ledger.settings
        console.print(
            f"seeding {settings.database.describe()} (policy {settings.policy.name})",
            highlight=False,
        )
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("issuing awards", total=awards)
            summary = demo.seed_demo(
                ledger,
                awards=awards,
                batch_size=batch_size,
                progress=lambda done: progress.advance(task, done),
            )

    console.print(
        f"{summary.providers} providers, {summary.micro_credentials} micro-credentials, "
        f"{summary.learners} learners, {summary.awards} awards ({summary.created} new)",
        highlight=False,
    )
    base = base_url.rstrip("/")
    console.print("awards to try:")
    for label, award in (
        ("valid", summary.valid_award),
        ("revoked", summary.revoked_award),
        ("stacked", summary.stacked_award),
        ("revalidated", summary.revalidated_award),
    ):
        console.print(
            f"  {label:<12} {award}  {base}/verify/{award}", highlight=False, soft_wrap=True
        )
    console.print(
        f"open {base}/verify and paste an id; learner with personal data (for "
        f"`ledger erase-learner`): {summary.learner_with_personal_data}",
        highlight=False,
        soft_wrap=True,
    )
