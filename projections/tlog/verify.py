"""`ledger log verify`: recompute the tree from the event store as it is now and compare
it with the stored tree and with every signed checkpoint. An event row changed,
inserted or deleted anywhere before the tree's end is reported with its log position;
a checkpoint whose root the events no longer give, or whose signature fails, too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ledger.transparency.checkpoint import NoteError, Verifier, open_note_by_any
from ledger.transparency.tree import MemoryTree, tree_root
from projections.dialect import Dialect
from projections.log_reader import log_reader
from projections.tlog.appender import leaf_hash_of
from projections.tlog.store import LogStore, SqlHashes

PAGE = 5000


@dataclass(frozen=True)
class Finding:
    position: int | None
    what: str

    def __str__(self) -> str:
        where = f"log position {self.position}: " if self.position is not None else ""
        return where + self.what


@dataclass
class LogReport:
    events: int = 0
    leaves: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_log(recorder: Any, d: Dialect, verifiers: list[Verifier] | None = None) -> LogReport:
    """The event store, the stored tree and the checkpoints, compared."""
    store = LogStore(d)
    store.ensure_tables()
    report = LogReport()
    recomputed = MemoryTree()
    stored_leaves = _stored_leaves(store, d)
    stored = next(stored_leaves, None)
    last_position = store.current_state().last_position
    for record in _log(recorder, d):
        report.events += 1
        position = int(record.id)
        while stored is not None and stored[1] < position:
            report.findings.append(Finding(stored[1], "deleted: the tree holds an event here"))
            stored = next(stored_leaves, None)
        digest = leaf_hash_of(record)
        if stored is not None and stored[1] == position:
            if stored[2] != digest:
                report.findings.append(Finding(position, "changed: its leaf differs"))
            stored = next(stored_leaves, None)
            recomputed.append_hash(digest)
        elif position <= last_position:
            report.findings.append(Finding(position, "inserted: the tree has no leaf for it"))
            recomputed.append_hash(digest)
        # else: after the tree's end, not appended yet
    while stored is not None:
        report.findings.append(Finding(stored[1], "deleted: the tree holds an event here"))
        stored = next(stored_leaves, None)
    report.leaves = store.current_state().size
    _check_checkpoints(store, d, recomputed, verifiers, report)
    return report


def _log(recorder: Any, d: Dialect) -> Iterator[Any]:
    read = log_reader(recorder, d)
    start = 1
    while records := read(start, PAGE):
        yield from records
        start = int(records[-1].id) + 1


def _stored_leaves(store: LogStore, d: Dialect) -> Iterator[tuple[int, int, bytes]]:
    """(leaf index, position, stored leaf hash), in order."""
    after = -1
    while True:
        with d.read() as cursor:
            page = store.positions(cursor, after, PAGE)
            if not page:
                return
            hashes = SqlHashes(d, cursor).read_hashes([(0, index) for index, _ in page])
        for (index, position), digest in zip(page, hashes, strict=True):
            yield index, position, digest
        after = page[-1][0]


def _check_checkpoints(
    store: LogStore,
    d: Dialect,
    recomputed: MemoryTree,
    verifiers: list[Verifier] | None,
    report: LogReport,
) -> None:
    for checkpoint in store.checkpoints():
        report.checkpoints += 1
        named = f"the checkpoint of {checkpoint.size} leaves"
        if verifiers is not None:
            try:
                open_note_by_any(checkpoint.note, verifiers)
            except NoteError as error:
                report.findings.append(
                    Finding(None, f"the checkpoint of {checkpoint.size} leaves: {error}")
                )
        if checkpoint.size > recomputed.size:
            report.findings.append(
                Finding(None, f"{named}: the events give only {recomputed.size} leaves")
            )
            continue
        if recomputed.root(checkpoint.size) != checkpoint.root:
            report.findings.append(
                Finding(
                    None,
                    f"the checkpoint of {checkpoint.size} leaves: the events give another root",
                )
            )
        with d.read() as cursor:
            try:
                stored_root = tree_root(checkpoint.size, SqlHashes(d, cursor))
            except LookupError as error:
                report.findings.append(Finding(None, f"the stored tree: {error}"))
                continue
        if stored_root != checkpoint.root:
            report.findings.append(Finding(None, f"{named}: the stored tree has another root"))
