"""The `Ledger`'s commands on providers and their micro-credentials."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ledger import errors
from ledger.application.base import LedgerBase
from ledger.application.results import Receipt
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.principal import Principal
from ledger.domain.provider import Provider
from ledger.domain.values import (
    AccreditationScope,
    CredentialSpecification,
    ProviderKind,
    StackingRule,
)


class RegistryCommands(LedgerBase):
    """Registering and accrediting providers, defining and accrediting their
    micro-credentials."""

    # --- providers ------------------------------------------------------------------
    def register_provider(
        self,
        *,
        code: str,
        name: str,
        country: str,
        kind: ProviderKind,
        by: Principal,
        website: str | None = None,
    ) -> Receipt:
        by.check_is_authority("register a provider")
        provider = Provider.register(
            code=code, name=name, country=country, kind=kind, actor=by.actor, website=website
        )
        if self._exists(provider.id):
            msg = f"a provider with code {provider.code} is already registered"
            raise errors.ProviderAlreadyRegistered(msg)
        try:
            return self._save(provider)
        except errors.ConcurrentUpdate:
            msg = f"a provider with code {provider.code} is already registered"
            raise errors.ProviderAlreadyRegistered(msg) from None

    def accredit_provider(
        self,
        provider_id: UUID,
        *,
        scope: AccreditationScope,
        valid_until: date,
        decision_reference: str,
        by: Principal,
        effective_on: date | None = None,
    ) -> Receipt:
        """``effective_on``: the day the decision takes effect, if before today (a
        provider accredited before the register existed)."""
        by.check_is_authority("accredit a provider")
        provider = self.get_provider(provider_id)
        provider.accredit(
            scope=scope,
            valid_until=valid_until,
            decision_reference=decision_reference,
            actor=by.actor,
            today=self._today(),
            effective_on=effective_on,
        )
        return self._save(provider)

    def suspend_provider(
        self,
        provider_id: UUID,
        *,
        reason: str,
        decision_reference: str,
        by: Principal,
        effective_on: date | None = None,
    ) -> Receipt:
        by.check_is_authority("suspend a provider")
        provider = self.get_provider(provider_id)
        provider.suspend(
            reason=reason,
            decision_reference=decision_reference,
            actor=by.actor,
            today=self._today(),
            effective_on=effective_on,
        )
        return self._save(provider)

    def reinstate_provider(
        self,
        provider_id: UUID,
        *,
        reason: str,
        decision_reference: str,
        by: Principal,
        effective_on: date | None = None,
    ) -> Receipt:
        by.check_is_authority("reinstate a provider")
        provider = self.get_provider(provider_id)
        provider.reinstate(
            reason=reason,
            decision_reference=decision_reference,
            actor=by.actor,
            today=self._today(),
            effective_on=effective_on,
        )
        return self._save(provider)

    def renew_provider(
        self,
        provider_id: UUID,
        *,
        valid_until: date,
        decision_reference: str,
        by: Principal,
        scope: AccreditationScope | None = None,
        effective_on: date | None = None,
    ) -> Receipt:
        by.check_is_authority("renew a provider's accreditation")
        provider = self.get_provider(provider_id)
        provider.renew(
            valid_until=valid_until,
            decision_reference=decision_reference,
            actor=by.actor,
            today=self._today(),
            scope=scope,
            effective_on=effective_on,
        )
        return self._save(provider)

    def withdraw_provider(
        self,
        provider_id: UUID,
        *,
        reason: str,
        decision_reference: str,
        by: Principal,
        effective_on: date | None = None,
    ) -> Receipt:
        by.check_is_authority("withdraw a provider")
        provider = self.get_provider(provider_id)
        provider.withdraw(
            reason=reason,
            decision_reference=decision_reference,
            actor=by.actor,
            today=self._today(),
            effective_on=effective_on,
        )
        return self._save(provider)

    # --- micro-credentials ----------------------------------------------------------
    def define_micro_credential(
        self,
        *,
        provider_id: UUID,
        code: str,
        specification: CredentialSpecification,
        by: Principal,
        stacking_rule: StackingRule | None = None,
    ) -> Receipt:
        provider = self.get_provider(provider_id)
        provider.check_may_define()
        if stacking_rule is not None:
            for component in stacking_rule.required_components:
                self.get_micro_credential(component)
        credential = MicroCredential.define(
            provider_id=provider_id,
            code=code,
            specification=specification,
            stacking_rule=stacking_rule,
            policy=self.policy,
            actor=by.actor,
        )
        if self._exists(credential.id):
            msg = f"provider {provider.code} already defined a micro-credential with code {code!r}"
            raise errors.MicroCredentialAlreadyDefined(msg)
        try:
            return self._save(credential)
        except errors.ConcurrentUpdate:
            msg = f"provider {provider.code} already defined a micro-credential with code {code!r}"
            raise errors.MicroCredentialAlreadyDefined(msg) from None

    def amend_micro_credential(
        self,
        credential_id: UUID,
        *,
        changes: dict[str, Any],
        reason: str,
        by: Principal,
    ) -> Receipt:
        credential = self._own_credential(credential_id, by)
        credential.amend(changes=changes, reason=reason, policy=self.policy, actor=by.actor)
        return self._save(credential)

    def change_assessment_method(
        self,
        credential_id: UUID,
        *,
        assessment_type: str,
        reason: str,
        by: Principal,
    ) -> Receipt:
        credential = self._own_credential(credential_id, by)
        credential.change_assessment_method(
            assessment_type=assessment_type, reason=reason, policy=self.policy, actor=by.actor
        )
        return self._save(credential)

    def accredit_micro_credential(
        self,
        credential_id: UUID,
        *,
        decision_reference: str,
        by: Principal,
        effective_on: date | None = None,
    ) -> Receipt:
        """The provider must be accredited for the credential's level and field on the day
        the accreditation takes effect (``effective_on``, by default today)."""
        by.check_is_authority("accredit a micro-credential")
        credential = self.get_micro_credential(credential_id)
        provider = self.get_provider(credential.provider_id)
        provider.check_may_issue(
            level=credential.specification.nqf_level,
            field_of_study=credential.specification.field_of_study,
            on=effective_on or self._today(),
        )
        credential.accredit(
            decision_reference=decision_reference,
            actor=by.actor,
            today=self._today(),
            effective_on=effective_on,
        )
        return self._save(credential)

    def revalidate_micro_credential(
        self, credential_id: UUID, *, decision_reference: str, by: Principal
    ) -> Receipt:
        by.check_is_authority("revalidate a micro-credential")
        credential = self.get_micro_credential(credential_id)
        credential.revalidate(decision_reference=decision_reference, actor=by.actor)
        return self._save(credential)

    def withdraw_micro_credential(
        self, credential_id: UUID, *, reason: str, decision_reference: str, by: Principal
    ) -> Receipt:
        by.check_is_authority("withdraw a micro-credential")
        credential = self.get_micro_credential(credential_id)
        credential.withdraw(reason=reason, decision_reference=decision_reference, actor=by.actor)
        return self._save(credential)

    def _own_credential(self, credential_id: UUID, by: Principal) -> MicroCredential:
        credential = self.get_micro_credential(credential_id)
        by.check_acts_for(credential.provider_id, f"micro-credential {credential.code}")
        return credential
