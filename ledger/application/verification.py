"""A presented credential checked against the register, in plain words (issue 20, item 4).

An employer, a wallet or a border official holds a credential file and asks: is it
genuine, and does it still hold? `CredentialVerifier.verify` answers with a list of
checks, each passed, failed or not checked (an earlier failure makes it meaningless):

1. **issuer**: the issuer is an awarding body in this register (a did:web name under the
   ledger's public URL);
2. **key**: the proof names a key the issuer publishes, and that key was the issuer's
   current one when the proof was made;
3. **signature**: the proof is valid for that key: the credential is exactly as signed.
   Checked in a child process with a time bound (`BoundedProofChecker`): the document is
   untrusted, and canonicalizing a crafted graph can take minutes;
4. **register**: the register holds this award, made by this issuer;
5. **accreditation**: the issuer was accredited on the day of issue;
6. **validity period**: the credential is in force today (not before ``validFrom``, not
   after ``validUntil``);
7. **status**: the revocation bit the credential names, in its issuer's status list, is
   not set (and it is the bit the register gave this award).

The credential passes when every check passes. What it certifies is judged from the
document only once the signature holds (before that, its words are anyone's).
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.application import Ledger
from ledger.application.credentials import CredentialService
from ledger.application.results import AwardStatusReport
from ledger.credentials.canonical import MAX_DOCUMENT_BYTES
from ledger.credentials.data_integrity import verify_proof
from ledger.domain import ids
from ledger.domain.accreditation import ProviderStanding, Standing
from ledger.domain.status import AwardStatus
from ledger.errors import AwardNotFound, NotACredential, ProviderNotAccredited, ProviderNotFound
from ledger.infrastructure.bounded_proofs import ProofCheck, ProofOutcome
from ledger.infrastructure.did_web import AUTHORITY, public_key_from_multibase
from ledger.infrastructure.issued_credentials import StatusSlot
from ledger.infrastructure.signing_keys import PublishedKey, SigningKeyStore


class CheckName(str, enum.Enum):
    ISSUER = "issuer"
    KEY = "key"
    SIGNATURE = "signature"
    REGISTER = "register"
    ACCREDITATION = "accreditation"
    VALIDITY_PERIOD = "validity_period"
    STATUS = "status"


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


FINDINGS: dict[str, str] = {
    "issuer.in_register": "Issued by {name} ({code}), in the register.",
    "issuer.foreign": "The issuer {issuer} is not an awarding body of this register: the"
    " credential cannot be checked here.",
    "issuer.unknown": "No awarding body {code} is in the register.",
    "key.not_published": "The proof does not name a key that {code} publishes.",
    "key.not_current": "The proof says it was made at {moment}, when the key it names was"
    " not {code}'s signing key.",
    "key.current": "Signed on {day} with a key {code} publishes, its signing key at that time.",
    "signature.valid": "The signature is valid: the credential is exactly as it was signed.",
    "signature.changed": "The signature does not match: the credential was changed after it"
    " was signed, or was not signed with this key.",
    "signature.unreadable": "The credential cannot be read as it would have been signed"
    " ({detail}).",
    "signature.too_costly": "The credential is built so that checking its signature would"
    " take too long ({detail}): refused.",
    "register.unknown": "The register holds no award {id} made by {code}.",
    "register.held": "The register holds this award: {title}, made by {code}.",
    "accreditation.accredited": "{name} was accredited on {day}, the day of issue.",
    "accreditation.suspended": "{name} was not accredited on {day}, the day of issue: it was"
    " suspended.",
    "accreditation.withdrawn": "{name} was not accredited on {day}, the day of issue: it had"
    " been withdrawn.",
    "accreditation.expired": "{name} was not accredited on {day}, the day of issue: its"
    " accreditation had expired.",
    "accreditation.registered_only": "{name} was not accredited on {day}, the day of issue:"
    " it was registered, not yet accredited.",
    "accreditation.not_registered": "{name} was not accredited on {day}, the day of issue:"
    " it was not yet in the register.",
    "validity.not_yet": "It is not in force before {day}.",
    "validity.expired": "It expired on {day}.",
    "validity.in_force": "It is in force today.",
    "validity.in_force_until": "It is in force today, until {day}.",
    "status.other_entry": "Its status entry is not the one the register gave this award in"
    " {code}'s status list.",
    "status.revoked": "Revoked: its bit is set in {code}'s status list (list {list}, entry"
    " {entry}).",
    "status.issuer_withdrawn": "Its awarding body has since been withdrawn from the"
    " register: the credential no longer holds.",
    "status.component_revoked": "It was stacked from other awards, and one of them has been"
    " revoked.",
    "status.clear": "Not revoked: its bit in {code}'s status list (list {list}, entry"
    " {entry}) is clear.",
    "not_checked": "Not checked: an earlier check failed.",
}
"""What a check found, by reason, in English (the verification page has each in every
language it speaks, with the same placeholders)."""


@dataclass(frozen=True)
class Check:
    name: CheckName
    outcome: Outcome
    reason: str
    """What was found, as a key of `FINDINGS`."""
    facts: Mapping[str, str]
    """The values its sentence names (days as ISO dates)."""

    @property
    def says(self) -> str:
        """What was found, in a sentence for a person."""
        return FINDINGS[self.reason].format(**self.facts)


@dataclass(frozen=True)
class VerificationReport:
    checks: tuple[Check, ...]
    checked_at: datetime
    award_id: UUID | None
    issuer: str | None
    """The issuer's DID, as the credential names it."""

    @property
    def verified(self) -> bool:
        return all(check.outcome is Outcome.PASSED for check in self.checks)


@dataclass(frozen=True)
class PresentedCredential:
    """A document presented for verification, read as far as the checks need."""

    document: dict[str, Any]
    award_id: UUID | None
    issuer: str
    proof: dict[str, Any]


class ProofChecker(Protocol):
    def check(self, document: dict[str, Any], public_key: bytes) -> ProofCheck: ...


class KeptProofChecker:
    """Proofs of the credentials the ledger signed and keeps, checked in this process:
    their bytes are the ledger's own, not a stranger's upload, and a document and a key
    never change, so each answer is kept (the verification page asks on every view)."""

    def __init__(self, size: int = 4096) -> None:
        self._answers: OrderedDict[bytes, ProofCheck] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def check(self, document: dict[str, Any], public_key: bytes) -> ProofCheck:
        key = hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS) + public_key)
        digest = key.digest()
        with self._lock:
            if digest in self._answers:
                self._answers.move_to_end(digest)
                return self._answers[digest]
        try:
            valid = verify_proof(document, Ed25519PublicKey.from_public_bytes(public_key))
            found = ProofCheck(ProofOutcome.VALID if valid else ProofOutcome.INVALID)
        except ValueError as error:
            found = ProofCheck(ProofOutcome.UNREADABLE, str(error)[:300])
        with self._lock:
            self._answers[digest] = found
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return found


class CredentialVerifier:
    def __init__(
        self,
        ledger: Ledger,
        *,
        keys: SigningKeyStore,
        credentials: CredentialService,
        proofs: ProofChecker,
        kept_proofs: ProofChecker | None = None,
    ) -> None:
        self.ledger = ledger
        self.keys = keys
        self.credentials = credentials
        self.proofs = proofs
        self.kept_proofs = kept_proofs or KeptProofChecker()

    def verify(self, body: bytes) -> VerificationReport:
        """The checks of the credential in ``body`` (JSON). `NotACredential` if there is
        nothing to check; `VerifierBusy` if no proof-checking slot frees up."""
        return self._report(read_presented(body), self.proofs)

    def verify_kept(self, award_id: UUID) -> VerificationReport | None:
        """The checks of the award's own signed credential, as the ledger serves it
        (signed now if it never was); ``None`` when it has none and its awarding body may
        not sign one now. `AwardNotFound` for an unknown award."""
        try:
            document = self.credentials.credential(award_id)
        except ProviderNotAccredited:
            return None
        return self._report(read_presented(document.encode("utf-8")), self.kept_proofs)

    def _report(self, presented: PresentedCredential, proofs: ProofChecker) -> VerificationReport:
        run = _Run(self, presented, proofs)
        run.all()
        return VerificationReport(
            checks=tuple(run.checks),
            checked_at=run.now,
            award_id=presented.award_id,
            issuer=presented.issuer,
        )


class _Run:
    """One verification: the checks in order, each recorded as it is made."""

    def __init__(
        self, verifier: CredentialVerifier, presented: PresentedCredential, proofs: ProofChecker
    ) -> None:
        self.v = verifier
        self.p = presented
        self.proofs = proofs
        self.now = verifier.ledger.clock()
        self.checks: list[Check] = []

    def record(self, check: CheckName, passed: bool, reason: str, /, **facts: object) -> bool:
        outcome = Outcome.PASSED if passed else Outcome.FAILED
        text = {key: str(value) for key, value in facts.items()}
        self.checks.append(Check(check, outcome, reason, text))
        return passed

    def skip(self, *names: CheckName) -> None:
        for name in names:
            if all(check.name is not name for check in self.checks):
                self.checks.append(Check(name, Outcome.NOT_CHECKED, "not_checked", {}))

    def all(self) -> None:
        code = self.issuer()
        key = self.key(code) if code else None
        if code is None or key is None or not self.signature(key):
            self.skip(*CheckName)
            return
        report = self.register(code)
        if report is None:
            self.skip(*CheckName)
            return
        self.accreditation(report)
        self.validity_period()
        self.status(report)

    # --- the checks ---------------------------------------------------------------------
    def issuer(self) -> str | None:
        named = self.v.keys.names.owner_of(f"{self.p.issuer}#issuer")
        if named is None or named[0] == AUTHORITY:
            self.record(CheckName.ISSUER, False, "issuer.foreign", issuer=self.p.issuer)
            return None
        try:
            provider = self.v.ledger.get_provider(ids.provider_id(named[0]))
        except (ProviderNotFound, ValueError):
            self.record(CheckName.ISSUER, False, "issuer.unknown", code=named[0])
            return None
        self.record(
            CheckName.ISSUER, True, "issuer.in_register", name=provider.name, code=provider.code
        )
        return provider.code

    def key(self, code: str) -> PublishedKey | None:
        method = self.p.proof.get("verificationMethod")
        key = self.v.keys.find(method) if isinstance(method, str) else None
        if key is None or key.owner != code:
            self.record(CheckName.KEY, False, "key.not_published", code=code)
            return None
        created = _moment(self.p.proof.get("created"))
        if created is None or not _current_in_the_second(key, created) or created > self.now:
            when = self.p.proof.get("created") if created is None else created.isoformat()
            self.record(CheckName.KEY, False, "key.not_current", moment=when, code=code)
            return None
        self.record(CheckName.KEY, True, "key.current", day=created.date().isoformat(), code=code)
        return key

    def signature(self, key: PublishedKey) -> bool:
        public = public_key_from_multibase(key.public_key_multibase).public_bytes_raw()
        found = self.proofs.check(self.p.document, public)
        reason = {
            ProofOutcome.VALID: "signature.valid",
            ProofOutcome.INVALID: "signature.changed",
            ProofOutcome.UNREADABLE: "signature.unreadable",
            ProofOutcome.TOO_COSTLY: "signature.too_costly",
        }[found.outcome]
        facts = {"detail": found.detail} if found.detail else {}
        return self.record(
            CheckName.SIGNATURE, found.outcome is ProofOutcome.VALID, reason, **facts
        )

    def register(self, code: str) -> AwardStatusReport | None:
        award_id = self.p.award_id
        report = None
        if award_id is not None:
            try:
                report = self.v.ledger.award_status(award_id)
            except AwardNotFound:
                report = None
        if report is None or report.provider.code != code:
            named = self.p.document.get("id")
            self.record(CheckName.REGISTER, False, "register.unknown", id=named, code=code)
            return None
        title = report.award.terms.title
        self.record(CheckName.REGISTER, True, "register.held", title=title, code=code)
        return report

    def accreditation(self, report: AwardStatusReport) -> None:
        issued_on = report.award.issued_on
        standing = report.provider.standing_on(issued_on)
        self.record(
            CheckName.ACCREDITATION,
            standing.accredited,
            f"accreditation.{_standing_word(standing)}",
            name=report.provider.name,
            day=issued_on.isoformat(),
        )

    def validity_period(self) -> None:
        starts = _moment(self.p.document.get("validFrom"))
        ends = _moment(self.p.document.get("validUntil"))
        name = CheckName.VALIDITY_PERIOD
        if starts is not None and starts > self.now:
            self.record(name, False, "validity.not_yet", day=starts.date().isoformat())
        elif ends is not None and ends <= self.now:
            self.record(name, False, "validity.expired", day=ends.date().isoformat())
        elif ends is not None:
            self.record(name, True, "validity.in_force_until", day=ends.date().isoformat())
        else:
            self.record(name, True, "validity.in_force")

    def status(self, report: AwardStatusReport) -> None:
        code = report.provider.code
        named = _status_entry(self.p.document.get("credentialStatus"))
        kept = self.v.credentials.issued.find(report.award.award_id)
        if kept is None or named != self._entry_of(kept.slot):
            self.record(CheckName.STATUS, False, "status.other_entry", code=code)
            return
        slot = kept.slot
        where = {"code": code, "list": slot.list_number, "entry": slot.index}
        if self.v.credentials.set_bit(slot):
            self.record(CheckName.STATUS, False, "status.revoked", **where)
        elif report.status is AwardStatus.ISSUER_WITHDRAWN:
            self.record(CheckName.STATUS, False, "status.issuer_withdrawn")
        elif report.status is AwardStatus.COMPONENT_REVOKED:
            self.record(CheckName.STATUS, False, "status.component_revoked")
        else:
            self.record(CheckName.STATUS, True, "status.clear", **where)

    def _entry_of(self, slot: StatusSlot) -> tuple[str, int]:
        return self.v.credentials.status_list_url(slot.issuer, slot.list_number), slot.index


def read_presented(body: bytes) -> PresentedCredential:
    """The parts of a presented credential every check needs, or `NotACredential`."""
    if len(body) > MAX_DOCUMENT_BYTES:
        msg = (
            f"the document is {len(body)} bytes, over the bound of {MAX_DOCUMENT_BYTES}:"
            " a credential is a few kilobytes"
        )
        raise NotACredential(msg)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise NotACredential(f"the document is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise NotACredential("the document is not a JSON object")
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise NotACredential('the document is not a credential: no type "VerifiableCredential"')
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise NotACredential("the credential names no issuer")
    proof = _one_proof(document.get("proof"))
    if proof is None:
        raise NotACredential("the credential has no proof (or more than one): it is unsigned")
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    return PresentedCredential(
        document={**unsigned, "proof": proof},
        award_id=_urn_uuid(document.get("id")),
        issuer=issuer_id,
        proof=proof,
    )


def _standing_word(standing: ProviderStanding) -> str:
    """The `FINDINGS` suffix of an accreditation check: accredited, or why not."""
    if standing.standing is Standing.NOT_ACCREDITED and standing.state is not None:
        return standing.state.value  # suspended or withdrawn
    return standing.standing.value


def _current_in_the_second(key: PublishedKey, created: datetime) -> bool:
    """Was ``key`` current at some moment of the second ``created`` names? A proof's time
    is written to the second, and an owner's first key is made the moment it first signs."""
    return key.valid_from < created + timedelta(seconds=1) and (
        key.valid_until is None or created < key.valid_until
    )


def _one_proof(value: Any) -> dict[str, Any] | None:
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    return value if isinstance(value, dict) else None


def _urn_uuid(value: Any) -> UUID | None:
    if not isinstance(value, str) or not value.startswith("urn:uuid:"):
        return None
    try:
        return UUID(value.removeprefix("urn:uuid:"))
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _status_entry(value: Any) -> tuple[str, int] | None:
    entry = value[0] if isinstance(value, list) and len(value) == 1 else value
    if not isinstance(entry, Mapping) or entry.get("statusPurpose") != "revocation":
        return None
    url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
    if not isinstance(url, str) or not isinstance(index, str) or not index.isdigit():
        return None
    return url, int(index)
