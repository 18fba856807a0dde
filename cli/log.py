"""``ledger log``: the tamper-evident log. ``verify`` recomputes the tree from the event
store and checks it against every signed checkpoint; ``append`` brings the tree up to
the end of the log; ``witness`` keeps checkpoints of a running ledger elsewhere and
checks that each new one extends the last, so that a rewritten log is caught by
someone else too."""

from __future__ import annotations

import base64
import signal
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cli.app import app, console, err_console, fail, user_errors
from cli.store import command_process
from composition.log_signing import current_verifier_key, log_origin
from ledger.transparency.checkpoint import (
    Checkpoint,
    NoteError,
    Verifier,
    open_note_by_any,
    parse_verifier_key,
)
from ledger.transparency.tree import verify_consistency
from projections.tlog.verify import verify_log

log_app = typer.Typer(
    name="log",
    help="The tamper-evident log: verify it against the events, append to it, witness it.",
    no_args_is_help=True,
)
app.add_typer(log_app)

VerifierKeys = Annotated[
    list[str] | None,
    typer.Option(
        "--verifier-key",
        help="A note verifier key (name+id+key) the checkpoints may be signed with; "
        "repeatable. Default: the authority's keys in this ledger.",
        show_default=False,
    ),
]


def _verifiers(keys: list[str] | None) -> list[Verifier]:
    try:
        return [parse_verifier_key(key) for key in keys or []]
    except NoteError as error:
        fail(f"--verifier-key: {error}")


@log_app.command("verify")
def verify(verifier_key: VerifierKeys = None) -> None:
    """Recompute the tree from the events and compare it with the stored tree and every
    signed checkpoint; name each changed, inserted or deleted event row by position."""
    with command_process() as process:
        verifiers = _verifiers(verifier_key) or process.log_verifiers()
        report = verify_log(process.ledger.recorder, process.view_store.dialect, verifiers)
    summary = (
        f"{report.events} events, {report.leaves} leaves, {report.checkpoints} signed checkpoints"
    )
    if report.intact:
        console.print(f"{summary}: the log is intact", highlight=False)
        return
    for finding in report.findings:
        err_console.print(str(finding), highlight=False, markup=False, soft_wrap=True)
    fail(f"{summary}: {len(report.findings)} finding(s); the log was changed")


@log_app.command("key")
def key() -> None:
    """Print the note verifier key of the authority's current key, the one a witness is
    given (out of band) to check the log's checkpoints."""
    with command_process() as process:
        vkey = current_verifier_key(process.signing_keys, log_origin(process.settings))
    console.print(vkey, highlight=False, soft_wrap=True)


@log_app.command("append")
def append(
    follow: Annotated[
        bool,
        typer.Option("--follow", help="Keep following the event log until Ctrl-C or SIGTERM."),
    ] = False,
) -> None:
    """Append every event not yet in the tree and sign a checkpoint. `ledger project`,
    or the API in the embedded mode, does this continuously; --follow runs only this."""
    with command_process() as process:
        log = process.transparency_log
        if follow:
            follower = log.follower()
            if threading.current_thread() is threading.main_thread():
                for signum in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(signum, lambda _signum, _frame: follower.stop())
            follower.run()
        appended = log.appender.catch_up()
        latest = log.store.latest_checkpoint()
    size = latest.size if latest else 0
    console.print(f"appended {appended} event(s); signed tree of {size} leaves", highlight=False)


@log_app.command("witness")
def witness(
    url: Annotated[
        str, typer.Argument(help="The ledger's base URL, e.g. https://ledger.example.gov")
    ],
    state: Annotated[
        Path,
        typer.Option("--state", dir_okay=False, help="Where this witness keeps its checkpoints."),
    ] = Path("ledger-witness.jsonl"),
    verifier_key: VerifierKeys = None,
) -> None:
    """Fetch the ledger's latest checkpoint, check its signature and that it extends the
    last one this witness kept (a consistency proof from the ledger), and keep it."""
    verifiers = _verifiers(verifier_key)
    if not verifiers:
        fail("--verifier-key is required: a witness trusts the key it was given, not the server")
    kept = _kept(state, verifiers)
    base = url.rstrip("/")
    with user_errors():
        note = _get(base, "/v1/log/checkpoint").decode()
        checkpoint = _opened(note, verifiers)
        last = kept[-1] if kept else None
        if last is not None:
            _check_extends(base, last, checkpoint)
    if last is not None and checkpoint.size == last.size:
        console.print(f"no new checkpoint: still {checkpoint.size} leaves", highlight=False)
        return
    with state.open("ab") as file:
        file.write(orjson.dumps({"note": note}) + b"\n")
    console.print(
        f"kept the checkpoint of {checkpoint.size} leaves from {base} "
        f"({len(kept) + 1} kept in {state})",
        highlight=False,
    )


def _kept(state: Path, verifiers: list[Verifier]) -> list[Checkpoint]:
    """The checkpoints this witness kept, each opened again with the trusted keys."""
    if not state.exists():
        return []
    return [
        _opened(orjson.loads(line)["note"], verifiers) for line in state.read_bytes().splitlines()
    ]


def _opened(note: str, verifiers: list[Verifier]) -> Checkpoint:
    try:
        return open_note_by_any(note, verifiers)
    except NoteError:
        fail("the ledger's checkpoint is not signed by any key this witness trusts")


def _check_extends(base: str, last: Checkpoint, new: Checkpoint) -> None:
    if new.size < last.size:
        fail(f"the ledger's log shrank from {last.size} to {new.size} leaves: it was rewritten")
    if new.size == last.size:
        if new.root != last.root:
            fail(f"the ledger signed two different trees of {new.size} leaves: it was rewritten")
        return
    answer = orjson.loads(_get(base, f"/v1/log/consistency?first={last.size}&second={new.size}"))
    proof = [base64.b64decode(h) for h in answer["proof"]]
    if not verify_consistency(last.size, new.size, last.root, new.root, proof):
        fail(
            f"the ledger's tree of {new.size} leaves does not extend the one of {last.size} "
            "this witness kept: the log was rewritten"
        )


def _get(base: str, path: str) -> bytes:
    if not base.startswith(("https://", "http://")):
        fail(f"{base} is not an http(s) URL")
    try:
        with urllib.request.urlopen(base + path, timeout=30) as answer:  # noqa: S310
            body: bytes = answer.read(1 << 20)
            return body
    except urllib.error.HTTPError as error:
        fail(f"{base}{path} answered {error.code}: {error.read(200).decode(errors='replace')}")
    except (urllib.error.URLError, TimeoutError) as error:
        fail(f"cannot reach {base}: {error}")
