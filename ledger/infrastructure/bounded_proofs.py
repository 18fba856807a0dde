"""A Data Integrity proof of an untrusted document, checked with a bound on the work.

Canonicalizing RDF (RDFC-1.0) is exponential on crafted graphs: the W3C "poison graph"
(rdf-canon test074) is ten blank nodes and runs for minutes in pyld, well inside every
size bound (`canonical.MAX_BLANK_NODES`). A thread cannot be stopped, so the check runs
in a child process, forked from a server process that has the credentials code loaded
(``forkserver``: cheap to fork, and safe beside the API's threads, unlike a plain fork),
and is killed when its time is up.

At most `MAX_CONCURRENT` checks run at once; one more waits its turn, up to
`QUEUE_SECONDS`, then is refused as `VerifierBusy` (the API's 503): hostile uploads
cannot take every core.
"""

from __future__ import annotations

import enum
import multiprocessing
import os
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import orjson

from ledger.errors import VerifierBusy

WORK_SECONDS = 1.0
"""Time for one canonicalization and signature check once its process has started: an
award takes about 40 ms in a fresh process (its contexts not yet resolved)."""
START_SECONDS = 10.0
"""Time for the child process to start (the first one starts the fork server)."""
MAX_CONCURRENT = max(2, os.cpu_count() or 2)
QUEUE_SECONDS = 5.0
_PRELOAD = ["ledger.credentials.data_integrity", "ledger.infrastructure.bounded_proofs"]


class ProofOutcome(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    """The signature does not match the document and the key."""
    UNREADABLE = "unreadable"
    """The document cannot be canonicalized faithfully (an undefined term, a context that
    is not bundled, a control character, over a size bound)."""
    TOO_COSTLY = "too_costly"
    """Canonicalizing it took longer than `WORK_SECONDS`: refused, as a hostile graph."""


@dataclass(frozen=True)
class ProofCheck:
    outcome: ProofOutcome
    detail: str = ""


class BoundedProofChecker:
    def __init__(
        self, *, work_seconds: float = WORK_SECONDS, max_concurrent: int = MAX_CONCURRENT
    ) -> None:
        self.work_seconds = work_seconds
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_PRELOAD)

    def check(self, document: dict[str, Any], public_key: bytes) -> ProofCheck:
        """Whether ``document``'s one ``eddsa-rdfc-2022`` proof is valid for the raw
        Ed25519 ``public_key``, within the time bound."""
        if not self._slots.acquire(timeout=QUEUE_SECONDS):
            raise VerifierBusy("every proof check slot is taken; try again shortly")
        try:
            return self._check(orjson.dumps(document), public_key)
        finally:
            self._slots.release()

    def _check(self, document: bytes, public_key: bytes) -> ProofCheck:
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_check_in_child, args=(sender, document, public_key), daemon=True
        )
        process.start()
        sender.close()
        try:
            if not receiver.poll(START_SECONDS):
                return ProofCheck(ProofOutcome.TOO_COSTLY, "the checking process did not start")
            receiver.recv()  # "started": the work bound counts from here
            if not receiver.poll(self.work_seconds):
                return ProofCheck(
                    ProofOutcome.TOO_COSTLY,
                    f"canonicalizing it took longer than {self.work_seconds:g} s",
                )
            outcome, detail = receiver.recv()
            return ProofCheck(ProofOutcome(outcome), detail)
        except EOFError:
            return ProofCheck(ProofOutcome.UNREADABLE, "the checking process failed")
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(timeout=5)


def _check_in_child(sender: Connection, document: bytes, public_key: bytes) -> None:
    """In the child: canonicalize, check, and send ``(outcome, detail)``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from ledger.credentials.data_integrity import verify_proof

    sender.send("started")
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key)
        valid = verify_proof(orjson.loads(document), key)
    except ValueError as error:  # canonical refusals are ValueErrors
        sender.send((ProofOutcome.UNREADABLE.value, str(error)[:300]))
    else:
        sender.send((ProofOutcome.VALID.value if valid else ProofOutcome.INVALID.value, ""))
    finally:
        sender.close()
