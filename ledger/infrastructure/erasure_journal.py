"""A journal of erasures kept outside the database, so that restoring a backup taken
before an erasure cannot quietly bring the erased learner's key back.

Crypto-shredding deletes a learner's key from the store. A backup taken earlier still
holds it: restore that backup and the learner's personal data is readable again, and
nothing in the restored database says it was ever erased. Each erasure is therefore also
appended here, after its transaction commits, and `ledger erasures reapply` erases again,
after any restore, every learner the journal names whose key came back.

The journal holds only pseudonymous ids, a time and a log position: no personal data,
and nothing derived from it. It is a JSON-lines file, appended and fsynced; keep it on
storage that the database's backups and restores do not overwrite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

import orjson


@dataclass(frozen=True)
class ErasureEntry:
    learner_id: str
    learner_record_id: UUID
    erased_at: datetime
    position: int | None

    def to_line(self) -> bytes:
        return orjson.dumps(
            {
                "learner_id": self.learner_id,
                "learner_record_id": str(self.learner_record_id),
                "erased_at": self.erased_at.isoformat(),
                "position": self.position,
            }
        )

    @classmethod
    def from_line(cls, line: bytes) -> ErasureEntry:
        data = orjson.loads(line)
        return cls(
            learner_id=str(data["learner_id"]),
            learner_record_id=UUID(str(data["learner_record_id"])),
            erased_at=datetime.fromisoformat(str(data["erased_at"])),
            position=None if data.get("position") is None else int(data["position"]),
        )


class ErasureJournal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: ErasureEntry) -> None:
        """Add one erasure, durably: the line is on disk when this returns."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, entry.to_line() + b"\n")
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def entries(self) -> Iterator[ErasureEntry]:
        """Every erasure recorded, oldest first. A last line cut short by a crash
        while it was written is skipped: its erasure had committed, but a journal line
        half written is not a line the journal can vouch for."""
        if not self.path.exists():
            return
        with self.path.open("rb") as journal:
            lines = journal.read().split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield ErasureEntry.from_line(line)
            except (orjson.JSONDecodeError, KeyError, ValueError) as error:
                if number == len(lines):
                    return
                msg = f"{self.path}, line {number}: not an erasure journal entry ({error})"
                raise ValueError(msg) from error
