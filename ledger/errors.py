"""Every reason the ledger refuses a command, each its own type.

`kind` tells an adapter how to present the refusal: ``invalid`` (the request itself
is wrong), ``conflict`` (the request is fine but the ledger's current state forbids
it), ``not_found``, or ``forbidden`` (the actor may not act on that object).
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal["invalid", "conflict", "not_found", "forbidden"]


class LedgerError(Exception):
    """Base of every domain refusal; the message is meant for a person."""

    kind: ClassVar[ErrorKind] = "conflict"

    @classmethod
    def code(cls) -> str:
        """A stable, kebab-case identifier used in problem-details types."""
        name = cls.__name__
        out = [name[0].lower()]
        for ch in name[1:]:
            if ch.isupper():
                out.append("-")
            out.append(ch.lower())
        return "".join(out)


# --- invalid requests -----------------------------------------------------------------
class InvalidRequest(LedgerError):
    kind = "invalid"


class NotACredential(InvalidRequest):
    """A document presented for verification is not a verifiable credential (not JSON,
    too large, or without an issuer, an id or a proof): there is nothing to check."""


class MissingAssessment(InvalidRequest):
    """Rule 1: no micro-credential without an assessment."""


class WorkloadOutOfBounds(InvalidRequest):
    """Rule 2: a micro-credential is smaller than a full qualification."""


class LevelNotAllowed(InvalidRequest):
    """Rule 2: the level is not one the national policy allows."""


class MissingStandardElement(InvalidRequest):
    """A mandatory EU standard element is empty."""


class InvalidCode(InvalidRequest):
    """A code does not follow the one pattern codes have (see ``ledger.domain.codes``)."""


class InvalidCountry(InvalidRequest):
    """A country is not an ISO 3166-1 alpha-2 code of a country."""


class InvalidSkillUri(InvalidRequest):
    """An ESCO skill is not named by a URI of ESCO's form (see ``ledger.domain.esco``)."""


class InvalidSkillTagging(InvalidRequest):
    """The ESCO skills of a specification do not line up with its learning outcomes
    (more tag lists than outcomes, too many on one outcome, one named twice)."""


class ReasonRequired(InvalidRequest):
    """Rule 5/7: the action needs a reason or a decision reference."""


class ActorRequired(InvalidRequest):
    """Rule 7: every state change records who made it."""


class InvalidAccreditation(InvalidRequest):
    """The accreditation terms themselves are inconsistent (empty scope, past date)."""


class MaterialChangeNotAllowed(InvalidRequest):
    """An amendment tried to change a material element of an accredited credential."""


class AssessmentMethodMismatch(InvalidRequest):
    """The award's assessment method differs from the credential's stated method."""


class InvalidAssessment(InvalidRequest):
    """The recorded assessment is incomplete or dated in the future."""


class BackdatedTooFar(InvalidRequest):
    """An award dated further back than the national policy lets a provider backdate."""


class BatchTooLarge(InvalidRequest):
    """More items than one batch may carry."""


class InvalidMoment(InvalidRequest):
    """A moment whose UTC instant falls outside the calendar the ledger can compare."""


class UnknownEventType(InvalidRequest):
    """A query names an event or aggregate type that the ledger never records."""


# --- not found ------------------------------------------------------------------------
class NotFound(LedgerError):
    kind = "not_found"


class ProviderNotFound(NotFound):
    pass


class LogEntryNotFound(NotFound):
    """The tamper-evident log has no such tile, leaf or checkpoint (yet)."""


class InvalidLogRequest(InvalidRequest):
    """A proof asked between sizes, or for a position, that the log cannot answer."""


class MicroCredentialNotFound(NotFound):
    pass


class AwardNotFound(NotFound):
    pass


class StatusListNotFound(NotFound):
    """No status list of that number for that issuer."""


class LearnerNotFound(NotFound):
    pass


# --- forbidden ------------------------------------------------------------------------
class NotExportable(LedgerError):
    """The award cannot be written in a requested format (its issuer's country or its
    language has no concept in that format's vocabularies)."""


class NotYourObject(LedgerError):
    """A provider tried to act on another provider's credential or award, or to do what
    only the authority does."""

    kind = "forbidden"


class NotYourLearner(LedgerError):
    """A provider tried to handle the personal data of a learner it holds no award of.

    Refused alike whether or not the learner has a record, so that the refusal does not
    tell a provider which pseudonymous ids the ledger knows."""

    kind = "forbidden"


# --- conflicts with the ledger's state ------------------------------------------------
class ProviderAlreadyRegistered(LedgerError):
    pass


class MicroCredentialAlreadyDefined(LedgerError):
    pass


class InvalidTransition(LedgerError):
    """The object is not in a state where this action makes sense."""


class ProviderNotAccredited(LedgerError):
    """Rule 3: only an accredited provider issues."""


class AccreditationExpired(LedgerError):
    """Rule 3: the provider's accreditation is past its validity."""


class OutsideAccreditedScope(LedgerError):
    """Rule 3: the credential's level or field is outside the provider's scope."""


class MicroCredentialNotAccredited(LedgerError):
    """Rule 3: nothing is issued under a credential that is not accredited."""


class RevalidationRequired(LedgerError):
    """Rule 4 (strict policy): the assessment method changed; the authority must
    revalidate before anything new is issued."""


class AwardAlreadyRevoked(LedgerError):
    pass


class ProviderReferenceConflict(LedgerError):
    """The provider reused one of its own award references for a different award."""


class AwardNotStackable(LedgerError):
    """Rule 6: only valid awards of the same learner stack."""


class StackingRuleNotMet(LedgerError):
    """Rule 6: the target's required components or minimum ECTS are not met."""


class AlreadyStacked(LedgerError):
    """Rule 6: these components already stack into the same target, by a stacked award
    that still stands."""


class NotAStackedCredential(LedgerError):
    """The target credential has no stacking rule."""


class PersonalDataErased(LedgerError):
    """The learner's personal data was erased; it cannot be read or replaced."""


class ConcurrentUpdate(LedgerError):
    """Another writer changed the same record at the same moment; retry."""


class ControlCharacter(InvalidRequest):
    """Text a person writes holds a control character (U+0000-U+001F, U+007F-U+009F),
    which no name, code or reference holds; free text holds only line breaks and tabs.
    ``location`` names the field as the request does (``("specification", "title")``,
    ``("learning_outcomes", 2)``)."""

    def __init__(self, message: str, location: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.location = location


# --- the store itself -----------------------------------------------------------------
# Not `LedgerError`s: nothing is wrong with the request, the database is away. Raised by
# `ledger.infrastructure.reliability` instead of waiting (or retrying) for a server that
# does not answer.
class KeyNotFound(NotFound):
    """No API key has that id."""


class KeyAlreadyRevoked(InvalidTransition):
    """The API key was revoked before."""


class LastAuthorityKey(LedgerError):
    """Revoking this key would leave no live authority key: the authority would be
    locked out of its own API (a new one can still be made on the server with
    ``ledger authority create-key``)."""


class VerifierBusy(Exception):
    """Every slot for checking an untrusted proof stayed taken: retry shortly."""


class StoreUnavailable(Exception):
    """The database does not answer (refused, unreachable, or slower than the configured
    timeout). Raised only before anything of the current write was committed."""


class CommitOutcomeUnknown(Exception):
    """The database stopped answering after a commit was sent: the write may or may not
    be recorded. A retry with the same ``Idempotency-Key`` finds out."""
