"""The signed credentials of awards and their places in the issuers' status lists.

An award is signed once, the first time its credential is asked for (or by the worker
that signs new awards), and the signed document is kept here and served as it is ever
after: a credential's bytes never change, only the bit of its status list does. The
table is beside the events, like the signing keys, and for the same reason it is not in
the log: it is derived (the events say what the award is) and the log stays the record
of decisions, not of their renderings.

Each credential gets one entry in a W3C Bitstring Status List of its issuer (the
provider): list ``n`` of that issuer, at a *position* handed out in order (0, 1, 2, ...
under a table lock) and published as the *index* that the list's own keyed permutation
maps it to (`status_list.IndexPermutation`). Indexes therefore look random (they say
nothing about the order or the time of issue, nor how many awards an issuer has made)
and are never reused (a permutation has no collisions), with no table of used indexes
to search. A list holds `LIST_LENGTH` entries; the next award opens list ``n + 1``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

from ledger.credentials.status_list import LIST_LENGTH, IndexPermutation
from ledger.infrastructure.side_tables import Row, SideTables, Turn

PERMUTATION_KEY_BYTES = 32


@dataclass(frozen=True)
class StatusSlot:
    """Where an award's bit is: list ``list_number`` of ``issuer``, at ``index``."""

    issuer: str
    list_number: int
    index: int
    reserved_at: datetime


@dataclass(frozen=True)
class IssuedCredential:
    award_id: UUID
    slot: StatusSlot
    document: str | None
    """The signed credential as served (JSON text); ``None`` between the reservation of
    its slot and the end of its signing."""
    signed_at: datetime | None


class IssuedCredentialStore:
    def __init__(self, tables: SideTables) -> None:
        self._tables = tables
        tables.create(
            "CREATE TABLE IF NOT EXISTS {t}status_lists ("
            " issuer VARCHAR(80) NOT NULL,"
            " list_number INTEGER NOT NULL,"
            " permutation_key VARCHAR(64) NOT NULL,"
            " next_position INTEGER NOT NULL,"
            " created_at VARCHAR(40) NOT NULL,"
            " PRIMARY KEY (issuer, list_number))",
            "CREATE TABLE IF NOT EXISTS {t}issued_credentials ("
            " award_id VARCHAR(36) PRIMARY KEY,"
            " issuer VARCHAR(80) NOT NULL,"
            " list_number INTEGER NOT NULL,"
            " status_index INTEGER NOT NULL,"
            " reserved_at VARCHAR(40) NOT NULL,"
            " signed_at VARCHAR(40),"
            " document TEXT)",
            # Never two credentials on one bit.
            "CREATE UNIQUE INDEX IF NOT EXISTS issued_credentials_slot"
            " ON {t}issued_credentials (issuer, list_number, status_index)",
        )

    def find(self, award_id: UUID) -> IssuedCredential | None:
        rows = self._tables.query(
            "SELECT * FROM {t}issued_credentials WHERE award_id = ?", (str(award_id),)
        )
        return _issued(rows[0]) if rows else None

    def reserve(self, award_id: UUID, issuer: str, *, now: datetime | None = None) -> StatusSlot:
        """The award's slot in its issuer's status lists, allocated now if it has none.
        Two processes reserving for one award at once agree on the first one's slot."""
        found = self.find(award_id)
        if found is not None:
            return found.slot
        moment = (now or datetime.now(UTC)).isoformat()
        with self._tables.turn("status_lists") as turn:
            # The counter's update comes first: on SQLite it takes the write lock at once.
            list_number, position, key = self._next_position(turn, issuer, moment)
            taken = turn.query(
                "SELECT * FROM {t}issued_credentials WHERE award_id = ?", (str(award_id),)
            )
            if taken:  # reserved by another process meanwhile: that position stays unused
                return _issued(taken[0]).slot
            index = _permutation(key).index_of(position)
            turn.execute(
                "INSERT INTO {t}issued_credentials (award_id, issuer, list_number,"
                " status_index, reserved_at) VALUES (?, ?, ?, ?, ?)",
                (str(award_id), issuer, list_number, index, moment),
            )
        return StatusSlot(issuer, list_number, index, datetime.fromisoformat(moment))

    def save_signed(self, award_id: UUID, document: str, *, now: datetime | None = None) -> str:
        """Keep the signed document of a reserved award, unless one is kept already;
        the document kept (the first signed) is returned."""
        self._tables.execute(
            "UPDATE {t}issued_credentials SET document = ?, signed_at = ?"
            " WHERE award_id = ? AND document IS NULL",
            (document, (now or datetime.now(UTC)).isoformat(), str(award_id)),
        )
        kept = self.find(award_id)
        assert kept is not None and kept.document is not None, "saved before it was reserved"
        return kept.document

    def signed_among(self, award_ids: list[UUID]) -> set[UUID]:
        """Those of ``award_ids`` whose credential is signed and kept."""
        rows = self._rows_among(
            award_ids, "SELECT award_id FROM {t}issued_credentials WHERE document IS NOT NULL"
        )
        return {UUID(row["award_id"]) for row in rows}

    def _rows_among(
        self, award_ids: list[UUID], select: str, params: tuple[object, ...] = ()
    ) -> list[Row]:
        """The rows of ``select`` (a statement ending in its WHERE conditions) whose award
        is one of ``award_ids``, read 500 ids at a time."""
        rows: list[Row] = []
        for start in range(0, len(award_ids), 500):
            chunk = [str(award_id) for award_id in award_ids[start : start + 500]]
            marks = ", ".join("?" for _ in chunk)
            rows += self._tables.query(f"{select} AND award_id IN ({marks})", (*params, *chunk))
        return rows

    def list_numbers(self, issuer: str) -> list[int]:
        rows = self._tables.query(
            "SELECT list_number FROM {t}status_lists WHERE issuer = ? ORDER BY list_number",
            (issuer,),
        )
        return [int(row["list_number"]) for row in rows]

    def list_created_at(self, issuer: str, list_number: int) -> datetime | None:
        rows = self._tables.query(
            "SELECT created_at FROM {t}status_lists WHERE issuer = ? AND list_number = ?",
            (issuer, list_number),
        )
        return datetime.fromisoformat(rows[0]["created_at"]) if rows else None

    def slots_of(
        self, issuer: str, list_number: int, award_ids: list[UUID]
    ) -> dict[UUID, StatusSlot]:
        """The slots in list ``list_number`` of ``issuer`` of those of ``award_ids``
        that have one there (the revoked awards of a provider, say)."""
        rows = self._rows_among(
            award_ids,
            "SELECT * FROM {t}issued_credentials WHERE issuer = ? AND list_number = ?",
            (issuer, list_number),
        )
        return {UUID(row["award_id"]): _issued(row).slot for row in rows}

    def _next_position(self, turn: Turn, issuer: str, moment: str) -> tuple[int, int, str]:
        rows = turn.query(
            "UPDATE {t}status_lists SET next_position = next_position + 1"
            " WHERE issuer = ? AND next_position < ? AND list_number ="
            " (SELECT MAX(list_number) FROM {t}status_lists WHERE issuer = ?)"
            " RETURNING list_number, next_position, permutation_key",
            (issuer, LIST_LENGTH, issuer),
        )
        if rows:
            row = rows[0]
            return int(row["list_number"]), int(row["next_position"]) - 1, row["permutation_key"]
        last = turn.query(
            "SELECT MAX(list_number) AS last FROM {t}status_lists WHERE issuer = ?", (issuer,)
        )
        list_number = int(last[0]["last"] or 0) + 1
        key = secrets.token_hex(PERMUTATION_KEY_BYTES)
        turn.execute(
            "INSERT INTO {t}status_lists (issuer, list_number, permutation_key, next_position,"
            " created_at) VALUES (?, ?, ?, 1, ?)",
            (issuer, list_number, key, moment),
        )
        return list_number, 0, key


@lru_cache(maxsize=256)
def _permutation(key_hex: str) -> IndexPermutation:
    """A list's permutation, made once per process (it tabulates its rounds: ~10 ms)."""
    return IndexPermutation(bytes.fromhex(key_hex))


def _issued(row: Row) -> IssuedCredential:
    signed = row["signed_at"]
    return IssuedCredential(
        award_id=UUID(row["award_id"]),
        slot=StatusSlot(
            issuer=row["issuer"],
            list_number=int(row["list_number"]),
            index=int(row["status_index"]),
            reserved_at=datetime.fromisoformat(row["reserved_at"]),
        ),
        document=row["document"],
        signed_at=None if signed is None else datetime.fromisoformat(signed),
    )
