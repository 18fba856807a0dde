"""The authority's import of an earlier register: providers, their accreditation
decisions, micro-credentials and awards that predate this ledger.

The file is judged whole before anything is written: every entry goes through the
domain's own commands on aggregates held in memory (those already in the register are
read from it), and if any is refused the import writes nothing and reports every
refused entry. Then it writes: the providers and micro-credentials in one
transaction, the awards in the issuance batches providers use, each all or nothing.
An import that stops half-way is resumed by running it again: what the register
already holds (a provider's code, a decision's reference, a credential's code, an
award's provider reference) is counted as present and not written twice.

Every event written records ``imported_from``, the source the authority names; the
awards are judged on their issue dates only (``historical``): no backdating bound,
and from a provider or under a credential that may since have lost its accreditation.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import errors
from ledger.application.base import TAggregate
from ledger.application.import_entries import (
    AwardEntry,
    CredentialAccreditationEntry,
    CredentialEntry,
    ImportEntry,
    ImportProgress,
    ImportRefused,
    ImportReport,
    ProviderDecisionEntry,
    ProviderEntry,
    RefusedEntry,
)
from ledger.application.import_plan import AwardToJudge, ImportPlan, decide
from ledger.application.issuance import AwardIssuance
from ledger.application.results import BatchRejected, IssueRequest
from ledger.domain import ids, limits, text
from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import CredentialState, MicroCredential
from ledger.domain.principal import Principal
from ledger.domain.provider import Provider

# References looked up in the register per query, while judging the awards.
LOOKUP_CHUNK = 1000


class HistoryImport(AwardIssuance):
    """The historical import, over the same commands and rules as everyday writes."""

    def import_history(
        self,
        entries: Sequence[ImportEntry],
        *,
        source: str,
        by: Principal,
        unreadable: Sequence[RefusedEntry] = (),
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Judge every entry, then write them all, or write nothing and raise
        `ImportRefused` naming every refused entry. ``unreadable``: rows of the file
        that could not be read as entries; they refuse the import too, and the rest is
        still judged so that the refusal names every row at once."""
        by.check_is_authority("import an earlier register")
        text.check_line(source, "source")
        if not source.strip():
            msg = "an import names its source (the earlier register it comes from)"
            raise errors.MissingStandardElement(msg)
        plan = ImportPlan(source=source.strip(), actor=by.actor, today=self._today())
        plan.refused.extend(unreadable)
        for entry in entries:
            try:
                self._judge(plan, entry)
            except errors.LedgerError as error:
                plan.refuse(entry.line, error)
                if isinstance(entry, ProviderEntry):
                    plan.refused_objects.setdefault(limits.provider_code(entry.code), entry.line)
                elif isinstance(entry, CredentialEntry):
                    key = f"{limits.provider_code(entry.provider)} {entry.code.strip()}"
                    plan.refused_objects.setdefault(key, entry.line)
        self._judge_awards(plan, [e for e in entries if isinstance(e, AwardEntry)], progress)
        if plan.refused:
            raise ImportRefused(plan.refused)
        return self._write(plan, by, progress)

    # --- judging ----------------------------------------------------------------------
    def _judge(self, plan: ImportPlan, entry: ImportEntry) -> None:
        if isinstance(entry, ProviderEntry):
            self._judge_provider(plan, entry)
        elif isinstance(entry, ProviderDecisionEntry):
            self._judge_decision(plan, entry)
        elif isinstance(entry, CredentialEntry):
            self._judge_credential(plan, entry)
        elif isinstance(entry, CredentialAccreditationEntry):
            self._judge_credential_accreditation(plan, entry)

    def _judge_provider(self, plan: ImportPlan, entry: ProviderEntry) -> None:
        code = limits.provider_code(entry.code)
        if code in plan.providers:
            if plan.providers[code].id in plan.in_register:
                plan.present["providers"] += 1
                return
            msg = f"provider {code} appears twice in the file"
            raise errors.ProviderAlreadyRegistered(msg)
        existing = self._in_register(plan, ids.provider_id(code), Provider)
        if existing is not None:
            plan.providers[code] = existing
            plan.present["providers"] += 1
            return
        plan.providers[code] = Provider.register(
            code=entry.code,
            name=entry.name,
            country=entry.country,
            kind=entry.kind,
            actor=plan.actor,
            website=entry.website,
            imported_from=plan.source,
        )
        plan.written["providers"] += 1

    def _judge_decision(self, plan: ImportPlan, entry: ProviderDecisionEntry) -> None:
        provider = self._provider(plan, entry.provider)
        reference = entry.decision_reference.strip()
        if self._decided_before(plan, provider, reference):
            plan.present["decisions"] += 1
            return
        decide(provider, entry, plan)
        plan.written["decisions"] += 1

    def _decided_before(self, plan: ImportPlan, provider: Provider, reference: str) -> bool:
        """Whether the register already holds this decision (the import is resumed);
        a reference the file itself used before is refused."""
        if not plan.first_use(provider.id, reference):
            msg = f"decision {reference!r} about provider {provider.code} appears twice"
            raise errors.InvalidAccreditation(msg)
        return provider.id in plan.in_register and any(
            decision.decision_reference == reference for decision in provider.timeline.decisions
        )

    def _judge_credential(self, plan: ImportPlan, entry: CredentialEntry) -> None:
        provider = self._provider(plan, entry.provider)
        credential_id = ids.micro_credential_id(provider.id, entry.code.strip())
        if credential_id in plan.credentials:
            msg = f"micro-credential {entry.code!r} of {provider.code} appears twice"
            raise errors.MicroCredentialAlreadyDefined(msg)
        existing = self._in_register(plan, credential_id, MicroCredential)
        if existing is not None:
            plan.credentials[credential_id] = existing
            plan.present["credentials"] += 1
            return
        # No check that the provider may define it today: an earlier register's
        # credentials are imported even from a provider withdrawn since.
        plan.credentials[credential_id] = MicroCredential.define(
            provider_id=provider.id,
            code=entry.code,
            specification=entry.specification,
            stacking_rule=None,
            policy=self.policy,
            actor=plan.actor,
            imported_from=plan.source,
        )
        plan.written["credentials"] += 1

    def _judge_credential_accreditation(
        self, plan: ImportPlan, entry: CredentialAccreditationEntry
    ) -> None:
        provider = self._provider(plan, entry.provider)
        credential = self._credential(plan, provider, entry.credential)
        reference = entry.decision_reference.strip()
        if not plan.first_use(credential.id, reference):
            msg = f"decision {reference!r} about micro-credential {credential.code} appears twice"
            raise errors.InvalidTransition(msg)
        if credential.state is not CredentialState.DEFINED and (
            credential.decision_reference == reference and credential.id in plan.in_register
        ):
            plan.present["credential_accreditations"] += 1
            return
        spec = credential.specification
        provider.check_may_issue(
            level=spec.nqf_level,
            field_of_study=spec.field_of_study,
            on=entry.effective_on,
            historical=True,
        )
        credential.accredit(
            decision_reference=entry.decision_reference,
            actor=plan.actor,
            today=plan.today,
            effective_on=entry.effective_on,
            imported_from=plan.source,
        )
        plan.written["credential_accreditations"] += 1

    def _judge_awards(
        self, plan: ImportPlan, entries: Sequence[AwardEntry], progress: ImportProgress | None
    ) -> None:
        """Each award by the rules of issuance on its issue date, against the providers
        and credentials as the file leaves them; one already in the register (by its
        provider reference) is present, unless that reference names another award."""
        resolved: list[AwardToJudge] = []
        for entry in entries:
            try:
                provider = self._provider(plan, entry.provider)
                credential = self._credential(plan, provider, entry.credential)
                reference = entry.provider_reference.strip()
                if not plan.first_use(provider.id, "award:" + reference):
                    msg = f"award reference {reference!r} of {provider.code} appears twice"
                    raise errors.ProviderReferenceConflict(msg)
            except errors.LedgerError as error:
                plan.refuse(entry.line, error)
                continue
            resolved.append(AwardToJudge(entry, provider, credential, reference))
        present = self._awards_in_register(plan, resolved)
        for done, award in enumerate(resolved, 1):
            if progress is not None and (done % LOOKUP_CHUNK == 0 or done == len(resolved)):
                progress("judging", done, len(resolved))
            try:
                if award.located is not None:
                    plan.present["awards"] += 1
                    continue
                self._check_award(plan, award.entry, award.provider, award.credential)
            except errors.LedgerError as error:
                plan.refuse(award.entry.line, error)
                continue
            request = IssueRequest(
                learner_id=award.entry.learner_id,
                micro_credential_id=award.credential.id,
                provider_reference=award.entry.provider_reference,
                assessment=award.entry.assessment,
                issued_on=award.entry.issued_on,
            )
            plan.awards.setdefault(award.provider.id, []).append((award.entry.line, request))
            plan.written["awards"] += 1
        self._check_present_awards(plan, present)

    def _check_award(
        self,
        plan: ImportPlan,
        entry: AwardEntry,
        provider: Provider,
        credential: MicroCredential,
    ) -> None:
        self._check_may_issue(
            provider, credential, entry.assessment, entry.issued_on, historical=True
        )
        # A scratch record, never saved: the record's own rules (the learner id, the
        # reference, the assessment) judge the award as issuing it will.
        scratch = LearnerRecord.open(learner_id=entry.learner_id, actor=plan.actor)
        scratch.issue(
            award_id=ids.new_award_id(),
            terms=self._terms(credential),
            provider_reference=entry.provider_reference,
            assessment=entry.assessment,
            issued_on=entry.issued_on,
            expires_on=self.policy.expiry_for(entry.issued_on),
            actor=plan.actor,
            imported_from=plan.source,
        )

    def _awards_in_register(
        self, plan: ImportPlan, awards: Sequence[AwardToJudge]
    ) -> list[AwardToJudge]:
        """Finds the awards the register already holds (an earlier run of this import
        wrote them), by their providers' references; a provider new in this file has
        none yet."""
        by_provider: dict[UUID, list[AwardToJudge]] = {}
        for award in awards:
            reference = award.reference
            if (
                award.provider.id in plan.in_register
                and reference
                and not text.has_control(reference)
            ):
                by_provider.setdefault(award.provider.id, []).append(award)
        present: list[AwardToJudge] = []
        for provider_id, candidates in by_provider.items():
            for start in range(0, len(candidates), LOOKUP_CHUNK):
                chunk = candidates[start : start + LOOKUP_CHUNK]
                located = self.ledger_recorder.locate_awards_by_reference(
                    provider_id, [award.reference for award in chunk]
                )
                for award in chunk:
                    award.located = located.get(award.reference)
                    if award.located is not None:
                        present.append(award)
        return present

    def _check_present_awards(self, plan: ImportPlan, present: Sequence[AwardToJudge]) -> None:
        """An award already in the register under the entry's reference is the same
        award: the same learner's, of the same micro-credential."""
        for start in range(0, len(present), LOOKUP_CHUNK):
            chunk = present[start : start + LOOKUP_CHUNK]
            batch, _ = self._batch_with_records_of(award.entry.learner_id for award in chunk)
            for award in chunk:
                assert award.located is not None
                record = batch.records.get(award.located.learner_record_id)
                held = None if record is None else record.awards.get(award.located.award_id)
                theirs = ids.learner_record_id(award.entry.learner_id.strip())
                if held is None or award.located.learner_record_id != theirs:
                    msg = (
                        f"reference {award.reference!r} already names an award of another "
                        "learner in the register"
                    )
                    plan.refuse(award.entry.line, errors.ProviderReferenceConflict(msg))
                elif held.terms.micro_credential_id != award.credential.id:
                    msg = (
                        f"reference {award.reference!r} already names an award of another "
                        "micro-credential in the register"
                    )
                    plan.refuse(award.entry.line, errors.ProviderReferenceConflict(msg))

    # --- the aggregates, from the file or the register --------------------------------
    def _provider(self, plan: ImportPlan, code: str) -> Provider:
        normal = limits.provider_code(code)
        provider = plan.providers.get(normal)
        if provider is None:
            provider = self._in_register(plan, ids.provider_id(normal), Provider)
            if provider is None:
                msg = f"no provider {normal} in the register or earlier in the file"
                if normal in plan.refused_objects:
                    line = plan.refused_objects[normal]
                    msg = f"provider {normal} is not imported: its row (line {line}) was refused"
                raise errors.ProviderNotFound(msg)
            plan.providers[normal] = provider
        return provider

    def _credential(self, plan: ImportPlan, provider: Provider, code: str) -> MicroCredential:
        credential_id = ids.micro_credential_id(provider.id, code.strip())
        credential = plan.credentials.get(credential_id)
        if credential is None:
            credential = self._in_register(plan, credential_id, MicroCredential)
            if credential is None:
                msg = (
                    f"no micro-credential {code!r} of provider {provider.code} in the register "
                    "or earlier in the file"
                )
                line = plan.refused_objects.get(f"{provider.code} {code.strip()}")
                if line is not None:
                    msg = (
                        f"micro-credential {code!r} of provider {provider.code} is not "
                        f"imported: its row (line {line}) was refused"
                    )
                raise errors.MicroCredentialNotFound(msg)
            plan.credentials[credential_id] = credential
        return credential

    def _in_register(
        self, plan: ImportPlan, aggregate_id: UUID, kind: type[TAggregate]
    ) -> TAggregate | None:
        if not self._exists(aggregate_id):
            return None
        aggregate: Aggregate = self.repository.get(aggregate_id)
        if not isinstance(aggregate, kind):
            msg = f"{aggregate_id} is not a {kind.__name__}"
            raise errors.InvalidRequest(msg)
        plan.in_register.add(aggregate_id)
        return aggregate

    # --- writing ----------------------------------------------------------------------
    def _write(
        self, plan: ImportPlan, by: Principal, progress: ImportProgress | None
    ) -> ImportReport:
        changed = [
            aggregate
            for aggregate in (*plan.providers.values(), *plan.credentials.values())
            if aggregate.pending_events
        ]
        position = self._save_with(*changed) if changed else None
        batch_size = self.policy.max_batch_size
        total, done = sum(len(awards) for awards in plan.awards.values()), 0
        for provider_id, awards in plan.awards.items():
            for start in range(0, len(awards), batch_size):
                chunk = awards[start : start + batch_size]
                try:
                    receipt = self.issue_awards(
                        provider_id=provider_id,
                        requests=[request for _, request in chunk],
                        by=by,
                        imported_from=plan.source,
                    )
                except BatchRejected as rejected:
                    # Judged acceptable a moment ago: the register changed meanwhile.
                    raise ImportRefused(
                        [
                            RefusedEntry(chunk[f.index][0], str(f.error), f.error.code())
                            for f in rejected.failures
                        ]
                    ) from rejected
                position = receipt.position or position
                replayed = sum(not award.created for award in receipt.awards)
                plan.written["awards"] -= replayed
                plan.present["awards"] += replayed
                done += len(chunk)
                if progress is not None:
                    progress("writing", done, total)
        return ImportReport(+plan.written, +plan.present, position)
