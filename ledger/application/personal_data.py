"""The `Ledger`'s commands on learners' personal data: recorded encrypted with the
learner's own key, crypto-shredded on erasure, and erasures journalled so a restored
backup can be erased again."""

from __future__ import annotations

from typing import Any

from ledger import errors, privacy
from ledger.application.base import LedgerBase, _Batch, logger
from ledger.application.results import Receipt
from ledger.domain import ids, text
from ledger.domain.learner_record import NOT_YOUR_LEARNER, LearnerRecord
from ledger.domain.principal import Principal
from ledger.infrastructure.erasure_journal import ErasureEntry, ErasureJournal
from ledger.infrastructure.recorder import SideEffects


class PersonalData(LedgerBase):
    """Recording, reading and erasing a learner's personal data."""

    def record_personal_data(
        self,
        learner_id: str,
        data: dict[str, str],
        *,
        by: Principal,
    ) -> Receipt:
        """Record (or replace) a learner's personal data, encrypted with their key.
        A provider must hold an award on the record (see
        `LearnerRecord.check_personal_data_custodian`); the authority records any."""
        unknown = sorted(set(data) - set(privacy.PERSONAL_FIELDS))
        if unknown:
            msg = (
                f"unknown personal data fields: {', '.join(unknown)} (known: "
                f"{', '.join(privacy.PERSONAL_FIELDS)})"
            )
            raise errors.MissingStandardElement(msg)
        for name, value in data.items():
            text.check_line(value, "personal_data", name)
        batch = _Batch()
        record = self._record_for(learner_id, batch, by.actor, None)
        # Before anything else, the erasure check included: a stranger learns nothing.
        record.check_personal_data_custodian(by.acting_provider)
        key = self.ledger_recorder.learner_key(record.id)
        if key is None:
            if self.ledger_recorder.learner_key_ever_existed(record.id):
                msg = "this learner's personal data was erased; it is not recorded again"
                raise errors.PersonalDataErased(msg)
            key = privacy.new_key()
            batch.new_keys.append((record.id, key))
        record.record_personal_data(
            ciphertext=privacy.encrypt(key, record.id, dict(data)),
            actor=by.actor,
            acting_provider=by.acting_provider,
        )
        batch.records[record.id] = record
        return Receipt(record.id, self._save_batch(batch))

    def read_personal_data(self, learner_id: str, *, by: Principal) -> dict[str, Any] | None:
        """The learner's personal data, or ``None`` if there is none or it was erased.
        The same people may read it as may record it."""
        try:
            record = self.get_learner_record(learner_id)
        except errors.LearnerNotFound:
            if not by.is_authority:  # a stranger is told no more than "not yours"
                raise errors.NotYourLearner(NOT_YOUR_LEARNER) from None
            raise
        record.check_personal_data_custodian(by.acting_provider)
        if record.personal_data is None:
            return None
        key = self.ledger_recorder.learner_key(record.id)
        if key is None:
            return None
        return privacy.decrypt(key, record.id, record.personal_data)

    def personal_data_fingerprint(self, learner_id: str, request: bytes, *, by: Principal) -> str:
        """What a side table (the API's idempotency records) may keep to recognise a
        request that carries this learner's personal data: an HMAC under a key derived
        from the learner's own key, destroyed by erasure with it. While the learner has
        no key yet, a stand-in of the record id only (no personal data in it). Refuses
        as `record_personal_data` would: another provider's learner, an erased one."""
        record_id = ids.learner_record_id(learner_id)
        try:
            record: LearnerRecord | None = self.get_learner_record(learner_id)
        except errors.LearnerNotFound:
            record = None
        if record is None:
            if not by.is_authority:
                raise errors.NotYourLearner(NOT_YOUR_LEARNER)
        else:
            record.check_personal_data_custodian(by.acting_provider)
        key = self.ledger_recorder.learner_key(record_id)
        if key is None:
            if self.ledger_recorder.learner_key_ever_existed(record_id):
                msg = "this learner's personal data was erased; it is not recorded again"
                raise errors.PersonalDataErased(msg)
            return privacy.keyless_fingerprint(record_id)
        return privacy.keyed_fingerprint(key, record_id, request)

    def erase_learner(self, learner_id: str, *, reason: str, by: Principal) -> Receipt:
        """Crypto-shred the learner's personal data: the key goes, in the same
        transaction as the event that records the erasure."""
        by.check_is_authority("erase a learner's personal data")
        record = self.get_learner_record(learner_id)
        record.erase_personal_data(reason=reason, actor=by.actor)
        position = self._save_with(record, side_effects=SideEffects(erased_keys=[record.id]))
        self._journal_erasure(record, position)
        try:
            self.ledger_recorder.purge_erased_keys()
        except Exception:  # best effort: the key is already unreadable through the ledger
            logger.warning("could not purge old versions of erased learner keys", exc_info=True)
        return Receipt(record.id, position)

    def _journal_erasure(self, record: LearnerRecord, position: int | None) -> None:
        path = self.settings.erasure_journal_path
        if path is None:
            return
        entry = ErasureEntry(record.learner_id, record.id, self.clock(), position)
        try:
            ErasureJournal(path).append(entry)
        except OSError:
            # The erasure has committed and stands (answering an error now would make a
            # retry fail as "already erased"); what is lost is the guard against a
            # restore bringing this key back, which an operator must hear about.
            logger.error(
                "erasure of learner record %s committed but could not be journalled in %s;"
                " add it by hand before any restore",
                record.id,
                path,
                exc_info=True,
            )

    def reapply_erasures(self, *, by: Principal) -> list[ErasureEntry]:
        """Erase again every learner the journal names whose key is readable in this
        store (a backup from before their erasure was restored). Returns those erased."""
        by.check_is_authority("erase a learner's personal data")
        path = self.settings.erasure_journal_path
        if path is None:
            return []
        erased: list[ErasureEntry] = []
        for entry in ErasureJournal(path).entries():
            if self.ledger_recorder.learner_key(entry.learner_record_id) is None:
                continue  # erased here too, or the backup predates the learner's data
            self.erase_learner(
                entry.learner_id,
                reason=(
                    "re-applied from the erasure journal after a restore (first erased "
                    f"{entry.erased_at.isoformat()}, log position {entry.position})"
                ),
                by=by,
            )
            erased.append(entry)
        return erased
