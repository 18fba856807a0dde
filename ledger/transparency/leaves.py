"""The leaf of the log for one stored event: a canonical form of the event as stored,
without its data. The data is there by digest only (SHA-256 of the stored state bytes),
so a leaf carries no personal data however the event's state holds it, and a change of
a single byte of the stored state changes the leaf.

Version 1, one field a line, UTF-8::

    ledger-event-leaf/1
    <log position>
    <aggregate id, 32 lower-case hex digits>
    <aggregate version>
    <event topic>
    <SHA-256 of the stored state, 64 lower-case hex digits>

A published leaf form never changes; a new one would get a new first line.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

LEAF_FORM = "ledger-event-leaf/1"


def event_leaf(position: int, aggregate_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The leaf's bytes (hashed as an RFC 9162 leaf by `ledger.transparency.hashing`)."""
    if "\n" in topic:  # a topic is a Python path: never, but a leaf must stay one line each
        msg = f"an event topic holds no line break: {topic!r}"
        raise ValueError(msg)
    digest = hashlib.sha256(state).hexdigest()
    return (f"{LEAF_FORM}\n{position}\n{aggregate_id.hex}\n{version}\n{topic}\n{digest}\n").encode()
