"""What the ledger's application recorder offers beyond eventsourcing's own.

Two tables sit beside the event log and are written in the same transaction as the
events, through the recorder's ``_insert_events`` hook (the hook eventsourcing's
process recorders use for tracking records):

* ``award_index``: award id -> learner record, provider and the provider's own
  reference. An award lives inside a learner's record, but employers name it by its own
  (random) id and providers by their reference. The primary key makes an award id unique
  across all records, and the unique (provider, reference) index makes a reference name
  one award, so two racing issuances of one award cannot both commit. It can be rebuilt
  from the log (see `upgrade_award_index`).
* ``learner_keys``: one AES key per learner, the only place personal data can be
  decrypted from. It is *not* derivable from the log: deleting a row is erasure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.config import DatabaseSettings
from ledger.infrastructure.turns import IssuanceTurns

if TYPE_CHECKING:  # at run time only PostgreSQL's recorder imports psycopg through it
    from ledger.infrastructure.reliability import StoreMonitor


@dataclass(frozen=True)
class AwardLocation:
    award_id: UUID
    learner_record_id: UUID
    provider_id: UUID
    provider_reference: str
    """Stripped, as the award's event records it (empty only in an index row an older
    version wrote whose event is missing)."""


AwardReferences = Callable[[], Iterator[Sequence[tuple[UUID, str]]]]
"""Reads the log's awards, in chunks of (award id, provider reference)."""

AWARD_REFERENCE_INDEX = "award_index_provider_reference"
"""The unique (provider_id, provider_reference) index. Created last when a store is
upgraded, so that its absence means the references may not all be there yet."""


@dataclass(frozen=True)
class SideEffects:
    """Rows to write with a batch of events, atomically."""

    award_locations: Sequence[AwardLocation] = ()
    new_keys: Sequence[tuple[UUID, bytes]] = ()
    erased_keys: Sequence[UUID] = ()
    shared_turn: bool = False
    """Take the shared issuance turn first (see `ledger.infrastructure.turns`)."""


class LedgerRecorderClass(Protocol):
    """The recorder class eventsourcing resolves from ``APPLICATION_RECORDER_TOPIC``,
    asked to prepare its store before the pool opens and the tables are made."""

    def guard_store(self, datastore: Any, database: DatabaseSettings) -> StoreMonitor | None:
        """Make the store fail fast while its server is away; the monitor that tells
        whether it answers (``None`` for a store that is no server)."""
        ...


class LedgerRecorder(Protocol):
    def issuance_turns(self) -> IssuanceTurns:
        """The turns batches of awards take in this store (see
        `ledger.infrastructure.turns`)."""
        ...

    def locate_awards(self, award_ids: Iterable[UUID]) -> dict[UUID, AwardLocation]: ...

    def locate_awards_by_reference(
        self, provider_id: UUID, references: Iterable[str]
    ) -> dict[str, AwardLocation]:
        """The provider's awards named by these (stripped) references, in one query per
        batch: re-sent awards are found again by the provider's own reference."""
        ...

    def upgrade_award_index(self, references: AwardReferences) -> int:
        """Bring an award index written before awards had random ids up to date: add the
        reference column if it is missing, fill it from the log, then create the unique
        index. Does nothing (one catalogue query) once that index exists. Returns how
        many rows it filled. Run under the store's setup lock."""
        ...

    def select_events_of(self, originator_ids: Iterable[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of many aggregates in one query, each list in version
        order: a batch of awards names hundreds of learner records."""
        ...

    def learner_key(self, learner_record_id: UUID) -> bytes | None: ...

    def learner_key_ever_existed(self, learner_record_id: UUID) -> bool: ...

    def max_notification_id(self) -> int | None: ...

    def purge_erased_keys(self) -> None:
        """Physically remove old versions of erased key rows that the store may keep
        after the transaction that cleared them (best effort, outside a transaction)."""
        ...
