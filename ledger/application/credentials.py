"""Awards as signed, portable credentials, and the issuers' status lists (issue 20).

`CredentialService.credential` signs an award once, the first time it is asked for, as
an Open Badges 3.0 credential with an ``eddsa-rdfc-2022`` proof under its provider's
key, and serves the kept document ever after. A provider that may not sign today (not
accredited, suspended, withdrawn) gets nothing new signed: `signing.signer_for` asks the
domain first; what it signed before is still served.

`CredentialService.europass` is the same award as a Europass Digital Credential (ELM 3),
unsigned, for the Europass wallet and the EDC infrastructure.

`CredentialService.status_list` is an issuer's W3C Bitstring Status List: the bits of its
revoked awards (read from the credential-status view, so a revocation shows within the
status API's own bound), signed by the issuer, who must be the credential's issuer for a
verifier to accept it. A status list is signed whatever the provider's standing: it is
how relying parties learn of revocations, which matter most once a provider is in
trouble. A signed list is kept in memory and signed again only when its bits change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

import orjson

from ledger.application import Ledger
from ledger.application.results import AwardStatusReport
from ledger.application.signing import check_may_sign, owner_of, signer_for
from ledger.credentials.data_integrity import create_proof
from ledger.credentials.europass import ElmExportError, elm_credential
from ledger.credentials.open_badge import (
    AssessmentFacts,
    AwardFacts,
    IssuerFacts,
    open_badge_credential,
)
from ledger.credentials.status_list import encode_list, status_entry, status_list_credential
from ledger.domain import ids
from ledger.errors import NotExportable, ProviderNotAccredited, StatusListNotFound
from ledger.infrastructure.issued_credentials import IssuedCredentialStore, StatusSlot
from ledger.infrastructure.signing_keys import SigningKeyStore

RevokedAwards = Callable[[UUID, datetime | None], dict[UUID, datetime]]
"""A provider's awards revoked by a moment (``None``: at all), and when."""
AwardPages = Callable[[UUID | None, int], list[tuple[UUID, str | None]]]
"""Every award by id in pages after an id, each with its provider's code."""
SIGNING_PAGE = 500


@dataclass
class SigningSummary:
    """What `CredentialService.sign_outstanding` did."""

    signed: int = 0
    already: int = 0
    """Awards whose credential was signed before."""
    refused: dict[str, int] = field(default_factory=dict)
    """Per provider that may not sign now, the awards left unsigned."""


CACHED_LISTS = 256


@dataclass(frozen=True)
class SignedStatusList:
    document: bytes
    """The signed status list credential, as JSON."""
    ttl: timedelta
    set_bits: int


class CredentialService:
    def __init__(
        self,
        ledger: Ledger,
        *,
        keys: SigningKeyStore,
        issued: IssuedCredentialStore,
        revoked_awards: RevokedAwards,
        award_pages: AwardPages | None = None,
        public_url: str,
        status_list_ttl: timedelta,
    ) -> None:
        self.ledger = ledger
        self.keys = keys
        self.issued = issued
        self._revoked_awards = revoked_awards
        self._award_pages = award_pages
        self.public_url = public_url.rstrip("/")
        self.status_list_ttl = status_list_ttl
        self._lists: OrderedDict[tuple[str, int, datetime | None], tuple[tuple[int, ...], bytes]]
        self._lists = OrderedDict()
        self._lock = threading.Lock()

    # --- credentials ----------------------------------------------------------------------
    def credential(self, award_id: UUID) -> str:
        """The award's signed credential (JSON text), signed now if it never was.

        Raises `AwardNotFound` for an unknown award and `ProviderNotAccredited` when it
        was never signed and its provider may not sign today."""
        found = self.issued.find(award_id)
        if found is not None and found.document is not None:
            return found.document
        report = self.ledger.award_status(award_id)
        code = report.provider.code
        verification_method, private_key = signer_for(self.ledger, self.keys, code)
        slot = self.issued.reserve(award_id, code)
        unsigned = open_badge_credential(
            self.award_facts(report), credential_status=self._entry(slot)
        )
        signed = create_proof(
            unsigned,
            private_key=private_key,
            verification_method=verification_method,
            created=self.ledger.clock(),
        )
        # The Open Badges 3.0 schema wants the proof as an array (a set of one).
        signed["proof"] = [signed["proof"]]
        return self.issued.save_signed(award_id, orjson.dumps(signed).decode("utf-8"))

    def sign_outstanding(
        self,
        providers: set[str] | None = None,
        *,
        progress: Callable[[SigningSummary], None] | None = None,
    ) -> SigningSummary:
        """Sign every award (of ``providers``, or of all) that has no signed credential
        yet and whose provider may sign now: what an operator runs before the authority
        suspends a provider, so that its learners keep credentials for what it awarded
        while accredited. Awards are walked in pages by id, from the credential-status
        view; a provider that may not sign is passed over (counted in ``refused``)."""
        assert self._award_pages is not None, "made without the award pages"
        summary = SigningSummary()
        after: UUID | None = None
        may_sign = cache(self._may_sign)  # asked once per provider, not per award
        while page := self._award_pages(after, SIGNING_PAGE):
            after = page[-1][0]
            wanted = [
                (a, code) for a, code in page if code and (not providers or code in providers)
            ]
            signed = self.issued.signed_among([award_id for award_id, _ in wanted])
            for award_id, code in wanted:
                if award_id in signed:
                    summary.already += 1
                elif may_sign(code):
                    self.credential(award_id)
                    summary.signed += 1
                else:
                    summary.refused[code] = summary.refused.get(code, 0) + 1
            if progress is not None:
                progress(summary)
        return summary

    def _may_sign(self, code: str) -> bool:
        try:
            check_may_sign(self.ledger, code)
        except ProviderNotAccredited:
            return False
        return True

    def europass(self, award_id: UUID) -> dict[str, Any]:
        """The award as a Europass Digital Credential (ELM 3), unsigned: a document of
        its own, as the EDC context cannot be combined with VC 2.0. `AwardNotFound`, or
        `NotExportable` for an award ELM's vocabularies cannot express."""
        facts = self.award_facts(self.ledger.award_status(award_id))
        try:
            return elm_credential(facts)
        except ElmExportError as error:
            raise NotExportable(f"award {award_id} cannot be written in ELM 3: {error}") from None

    def award_facts(self, report: AwardStatusReport) -> AwardFacts:
        award, provider = report.award, report.provider
        spec = report.credential.specification
        location = self.ledger.locate_award(award.award_id)
        assessment = award.assessment
        return AwardFacts(
            award_id=award.award_id,
            learner_record_id=location.learner_record_id,
            micro_credential_id=award.terms.micro_credential_id,
            issuer=IssuerFacts(
                did=self.keys.names.did(provider.code),
                name=provider.name,
                country_code=provider.country,
                website=provider.website or None,
            ),
            title=award.terms.title,
            learning_outcomes=spec.learning_outcomes,
            esco_skills=spec.esco_skills,
            workload_ects=award.terms.workload_ects,
            assessment_type=spec.assessment_type,
            participation_form=spec.participation_form.value,
            quality_assurance=spec.quality_assurance,
            field_of_study=spec.field_of_study,
            issued_on=award.issued_on,
            route=award.route.value,
            nqf_level=award.terms.nqf_level,
            eqf_level=award.terms.eqf_level,
            prerequisites=spec.prerequisites,
            supervision=_value(spec.supervision),
            assessment_setting=_value(spec.assessment_setting),
            stackability=spec.stackability,
            further_information=spec.further_information,
            language=spec.language,
            expires_on=award.expires_on,
            assessment=None
            if assessment is None
            else AssessmentFacts(
                method=assessment.method,
                assessed_on=assessment.assessed_on,
                result=assessment.result,
                grade=assessment.grade,
                supervision=_value(assessment.supervision),
                identity_verified=assessment.identity_verified,
            ),
            components=award.components,
            imported_from=award.imported_from,
            verification_url=f"{self.public_url}/verify/{award.award_id}",
        )

    # --- status lists ---------------------------------------------------------------------
    def status_list_url(self, issuer: str, list_number: int) -> str:
        return f"{self.public_url}/v1/status-lists/{issuer}/{list_number}"

    def status_list(
        self, issuer: str, list_number: int, *, at: datetime | None = None
    ) -> SignedStatusList:
        """The issuer's list ``list_number``, now or as it was at ``at``: the bits of its
        credentials whose awards were revoked by then."""
        code = owner_of(self.ledger, issuer)
        if list_number not in self.issued.list_numbers(code):
            msg = f"provider {code} has no status list {list_number}"
            raise StatusListNotFound(msg)
        bits = self._set_bits(code, list_number, at)
        key = (code, list_number, at)
        with self._lock:
            cached = self._lists.get(key)
            if cached is not None and cached[0] == bits:
                self._lists.move_to_end(key)
                return SignedStatusList(cached[1], self.status_list_ttl, len(bits))
        document = self._signed_list(code, list_number, bits, at)
        with self._lock:
            self._lists[key] = (bits, document)
            while len(self._lists) > CACHED_LISTS:
                self._lists.popitem(last=False)
        return SignedStatusList(document, self.status_list_ttl, len(bits))

    def set_bit(self, slot: StatusSlot, at: datetime | None = None) -> bool:
        """Whether the slot's bit is set in its list (now, or at ``at``)."""
        return slot.index in self._set_bits(slot.issuer, slot.list_number, at)

    def _set_bits(self, code: str, list_number: int, at: datetime | None) -> tuple[int, ...]:
        revoked = self._revoked_awards(ids.provider_id(code), at)
        slots = self.issued.slots_of(code, list_number, list(revoked))
        return tuple(
            sorted(slot.index for slot in slots.values() if at is None or slot.reserved_at <= at)
        )

    def _signed_list(
        self, code: str, list_number: int, bits: tuple[int, ...], at: datetime | None
    ) -> bytes:
        url = self.status_list_url(code, list_number)
        unsigned = status_list_credential(
            list_url=url,
            issuer=self.keys.names.did(code),
            encoded_list=encode_list(bits),
            valid_from=at or self.ledger.clock(),
            ttl_ms=int(self.status_list_ttl.total_seconds() * 1000),
        )
        verification_method, private_key = self.keys.signing_key(code)
        signed = create_proof(
            unsigned,
            private_key=private_key,
            verification_method=verification_method,
            created=self.ledger.clock(),
        )
        return orjson.dumps(signed)

    def _entry(self, slot: StatusSlot) -> dict[str, Any]:
        return status_entry(self.status_list_url(slot.issuer, slot.list_number), slot.index)


def _value(member: Any) -> str | None:
    return None if member is None else str(member.value)
