"""``ledger verify FILE``: check a presented credential against the register, as
``POST /v1/verifications`` does, and say which checks passed.

Exit status: 0 when every check passed, 1 when one failed (the output says which and
why), 2 when the file is not a credential at all (or cannot be read).
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer

from cli.app import app, console, fail
from cli.store import command_process
from ledger.application.verification import Outcome, VerificationReport, read_presented
from ledger.errors import NotACredential

MARKS = {
    Outcome.PASSED: "✓ passed",
    Outcome.FAILED: "✗ FAILED",
    Outcome.NOT_CHECKED: "- not checked",
}
NOT_A_CREDENTIAL = 2


@app.command("verify")
def verify(
    file: str = typer.Argument(..., help="The credential's JSON file, or - for standard input."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the answer as JSON, as POST /v1/verifications gives it."
    ),
) -> None:
    """Check a credential file: issuer, key, signature, register, accreditation on the day
    of issue, validity period and revocation status."""
    body = _read(file)
    try:
        read_presented(body)  # before the store is opened: a letter is not a credential
    except NotACredential as error:
        fail(f"{file} is not a credential that can be checked: {error}", NOT_A_CREDENTIAL)
    with command_process() as process:
        report = process.verifier.verify(body)
    if as_json:
        sys.stdout.write(orjson.dumps(_as_json(report), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        _print(report)
    if not report.verified:
        raise typer.Exit(1)


def _read(file: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}", NOT_A_CREDENTIAL)


def _print(report: VerificationReport) -> None:
    verdict = "VERIFIED" if report.verified else "NOT VERIFIED"
    award = f"award {report.award_id}" if report.award_id else "a credential without an award id"
    console.print(f"{verdict}: {award}, issuer {report.issuer}", highlight=False, soft_wrap=True)
    for check in report.checks:
        label = check.name.value.replace("_", " ")
        console.print(
            f"  {MARKS[check.outcome]:<14} {label}: {check.says}", highlight=False, soft_wrap=True
        )


def _as_json(report: VerificationReport) -> dict[str, object]:
    return {
        "verified": report.verified,
        "award_id": None if report.award_id is None else str(report.award_id),
        "issuer": report.issuer,
        "checked_at": report.checked_at.isoformat(),
        "checks": [
            {"check": c.name.value, "outcome": c.outcome.value, "reason": c.reason, "says": c.says}
            for c in report.checks
        ],
    }
