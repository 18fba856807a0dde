"""The awards of the log, by the provider's reference: what fills the award index's
reference column of a store written before award ids were random.

Such a store's awards keep their old, name-based ids (they are in the events); the
index only needs each award's reference, which every award event carries, so that a
re-sent old award is found again and a reference still names one award.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.utils import get_topic

from ledger.domain.learner_record import LearnerRecord
from ledger.domain.text import has_control
from ledger.infrastructure.recorder import AwardReferences

AWARD_EVENTS = (
    LearnerRecord.AwardIssued,
    LearnerRecord.PriorLearningRecognised,
    LearnerRecord.AwardsStacked,
)
PAGE = 1000


def award_references(recorder: ApplicationRecorder, mapper: Any) -> AwardReferences:
    """Pages of (award id, reference) read from the log, oldest first, decoded the way
    the application decodes them (so upcasters apply)."""
    topics = [get_topic(kind) for kind in AWARD_EVENTS]

    def read() -> Iterator[Sequence[tuple[UUID, str]]]:
        start = 1
        while page := recorder.select_notifications(start, PAGE, topics=topics):
            chunk = []
            for notification in page:
                awarded = mapper.to_domain_event(notification)
                reference = awarded.provider_reference.strip()
                if has_control(reference):
                    # Written before control characters were refused: no request can
                    # name it again (it would be refused), and PostgreSQL text cannot
                    # hold U+0000, so its row keeps no reference.
                    continue
                chunk.append((awarded.award_id, reference))
            yield chunk
            start = page[-1].id + 1

    return read
