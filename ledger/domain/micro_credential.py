"""The definition of one micro-credential a provider awards, and its accreditation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from ledger.domain import codes, esco, ids, text
from ledger.domain.audit import AuditedAggregate, require_actor
from ledger.domain.values import (
    MATERIAL_ELEMENTS,
    Assessment,
    CredentialSpecification,
    StackingRule,
)
from ledger.errors import (
    AssessmentMethodMismatch,
    InvalidTransition,
    LevelNotAllowed,
    MaterialChangeNotAllowed,
    MicroCredentialNotAccredited,
    MissingAssessment,
    MissingStandardElement,
    ReasonRequired,
    RevalidationRequired,
    WorkloadOutOfBounds,
)
from ledger.policy import NationalPolicy, RevalidationRegime


class CredentialState(str, Enum):
    DEFINED = "defined"
    ACCREDITED = "accredited"
    REVALIDATION_REQUIRED = "revalidation_required"
    WITHDRAWN = "withdrawn"


# The standard elements that are prose in several lines; the other text elements are one
# line each (see ledger.domain.text).
FREE_TEXT_ELEMENTS = frozenset({"prerequisites", "stackability", "further_information"})
LINE_ELEMENTS = frozenset(
    {"title", "assessment_type", "quality_assurance", "field_of_study", "language"}
)


def check_specification_text(elements: dict[str, Any], *location: str) -> None:
    """No control characters in the given elements (a whole specification, or the
    changes of an amendment: elements already recorded are not checked again)."""
    for name, value in elements.items():
        if name in LINE_ELEMENTS:
            text.check_line(value, *location, name)
        elif name in FREE_TEXT_ELEMENTS:
            text.check_free_text(value, *location, name)
        elif name == "learning_outcomes" and value is not None:
            for index, outcome in enumerate(value):
                text.check_free_text(outcome, *location, name, index)
        elif name == "esco_skills" and value is not None:
            for index, uris in enumerate(value):
                for position, uri in enumerate(uris):
                    text.check_line(uri, *location, name, index, position)


def check_specification(spec: CredentialSpecification, policy: NationalPolicy) -> None:
    """Rules 1 and 2, and the mandatory EU standard elements."""
    if not spec.assessment_type.strip():
        msg = (
            "a micro-credential needs a type of assessment (rule 1: no micro-credential without "
            "an assessment)"
        )
        raise MissingAssessment(msg)
    for name in ("title", "quality_assurance", "field_of_study"):
        if not str(getattr(spec, name)).strip():
            msg = f"the standard element {name!r} must not be empty"
            raise MissingStandardElement(msg)
    if not spec.learning_outcomes or not all(o.strip() for o in spec.learning_outcomes):
        msg = "at least one learning outcome is required, and none may be empty"
        raise MissingStandardElement(msg)
    if not policy.min_ects <= spec.workload_ects <= policy.max_ects:
        msg = (
            f"a workload of {spec.workload_ects} ECTS is outside the {policy.name} policy's "
            f"bounds for a micro-credential ({policy.min_ects}-{policy.max_ects} ECTS)"
        )
        raise WorkloadOutOfBounds(msg)
    for level in (spec.nqf_level, spec.eqf_level):
        if level is not None and level not in policy.allowed_levels:
            msg = (
                f"level {level} is not allowed by the {policy.name} policy (allowed: "
                f"{list(policy.allowed_levels)})"
            )
            raise LevelNotAllowed(msg)
    if spec.eqf_level is not None and not 1 <= spec.eqf_level <= 8:
        msg = f"EQF levels run from 1 to 8, got {spec.eqf_level}"
        raise LevelNotAllowed(msg)
    esco.check_skill_tags(spec.esco_skills, len(spec.learning_outcomes))


class MicroCredential(AuditedAggregate):
    """Defined by a provider; accredited, revalidated or withdrawn by the authority."""

    @staticmethod
    def create_id(provider_id: UUID, code: str, **_: Any) -> UUID:
        return ids.micro_credential_id(provider_id, code)

    @classmethod
    def define(
        cls,
        *,
        provider_id: UUID,
        code: str,
        specification: CredentialSpecification,
        stacking_rule: StackingRule | None,
        policy: NationalPolicy,
        actor: str,
        imported_from: str | None = None,
    ) -> MicroCredential:
        require_actor(actor)
        text.check_line(code, "code")
        check_specification_text(vars(specification), "specification")
        if not code.strip():
            msg = "a micro-credential code must not be empty"
            raise MissingStandardElement(msg)
        codes.check_code(code, "micro-credential code")
        check_specification(specification, policy)
        return cls(
            provider_id=provider_id,
            code=code.strip(),
            specification=specification,
            stacking_rule=stacking_rule,
            actor=actor,
            imported_from=imported_from,
        )

    class Defined(AuditedAggregate.Created):
        provider_id: UUID
        code: str
        specification: CredentialSpecification
        stacking_rule: StackingRule | None
        actor: str
        # The earlier register a definition or an accreditation was imported from (None:
        # made in this one); see ``ledger.domain.provider.DecisionEvent``.
        imported_from: str | None = None

    @event(Defined)
    def __init__(
        self,
        *,
        provider_id: UUID,
        code: str,
        specification: CredentialSpecification,
        stacking_rule: StackingRule | None,
        actor: str,
        imported_from: str | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.code = code
        self.specification = specification
        self.stacking_rule = stacking_rule
        self.state = CredentialState.DEFINED
        self.decision_reference: str | None = None
        self.accredited_from: date | None = None
        self.review_flagged = False
        self.previous_assessment_types: list[str] = []

    # --- commands -------------------------------------------------------------------
    def accredit(
        self,
        *,
        decision_reference: str,
        actor: str,
        today: date,
        effective_on: date | None = None,
        imported_from: str | None = None,
    ) -> None:
        """``effective_on``: the day the accreditation takes effect, if before today (a
        credential accredited before the register existed)."""
        if self.state is not CredentialState.DEFINED:
            msg = (
                f"micro-credential {self.code} is {self.state.value}; only a newly defined one is "
                "accredited (use revalidate)"
            )
            raise InvalidTransition(msg)
        text.check_line(decision_reference, "decision_reference")
        effective = today if effective_on is None else effective_on
        if effective > today:
            msg = f"an accreditation takes effect by today; {effective.isoformat()} is not"
            raise InvalidTransition(msg)
        self._accredited(
            decision_reference=_required(decision_reference),
            actor=actor,
            effective_on=effective,
            imported_from=imported_from,
        )

    def amend(
        self, *, changes: dict[str, Any], reason: str, policy: NationalPolicy, actor: str
    ) -> None:
        if self.state is CredentialState.WITHDRAWN:
            msg = f"micro-credential {self.code} is withdrawn and cannot be amended"
            raise InvalidTransition(msg)
        if "assessment_type" in changes:
            msg = (
                "the assessment method has its own command, because changing it triggers "
                "revalidation"
            )
            raise MaterialChangeNotAllowed(msg)
        material = sorted(MATERIAL_ELEMENTS & set(changes))
        if material and self.state is not CredentialState.DEFINED:
            msg = (
                f"{', '.join(material)} are material to the accreditation; define a new "
                "micro-credential instead"
            )
            raise MaterialChangeNotAllowed(msg)
        known = set(CredentialSpecification.__dataclass_fields__)
        unknown = sorted(set(changes) - known)
        if unknown:
            msg = f"not standard elements of a micro-credential: {', '.join(unknown)}"
            raise MissingStandardElement(msg)
        check_specification_text(changes, "changes")
        text.check_free_text(reason, "reason")
        amended = replace(self.specification, **changes)
        check_specification(amended, policy)
        if amended == self.specification:
            return
        self._amended(specification=amended, reason=_required(reason, "a reason"), actor=actor)

    def change_assessment_method(
        self, *, assessment_type: str, reason: str, policy: NationalPolicy, actor: str
    ) -> None:
        """Rule 4: a new method puts the credential into revalidation; awards issued
        before the change keep their validity."""
        if self.state is CredentialState.WITHDRAWN:
            msg = f"micro-credential {self.code} is withdrawn"
            raise InvalidTransition(msg)
        text.check_line(assessment_type, "assessment_type")
        text.check_free_text(reason, "reason")
        if not assessment_type.strip():
            msg = "the new assessment method must not be empty (rule 1)"
            raise MissingAssessment(msg)
        if assessment_type.strip() == self.specification.assessment_type:
            msg = f"the assessment method is already {assessment_type!r}"
            raise InvalidTransition(msg)
        self._assessment_method_changed(
            assessment_type=assessment_type.strip(),
            reason=_required(reason, "a reason"),
            regime=policy.revalidation,
            actor=actor,
        )

    def revalidate(self, *, decision_reference: str, actor: str) -> None:
        if self.state is not CredentialState.REVALIDATION_REQUIRED:
            msg = (
                f"micro-credential {self.code} is {self.state.value}; only one awaiting "
                "revalidation is revalidated"
            )
            raise InvalidTransition(msg)
        text.check_line(decision_reference, "decision_reference")
        self._revalidated(decision_reference=_required(decision_reference), actor=actor)

    def withdraw(self, *, reason: str, decision_reference: str, actor: str) -> None:
        if self.state is CredentialState.WITHDRAWN:
            msg = f"micro-credential {self.code} is already withdrawn"
            raise InvalidTransition(msg)
        text.check_free_text(reason, "reason")
        text.check_line(decision_reference, "decision_reference")
        self._withdrawn(
            reason=_required(reason, "a reason"),
            decision_reference=_required(decision_reference),
            actor=actor,
        )

    # --- queries --------------------------------------------------------------------
    def check_may_issue(
        self, policy: NationalPolicy, on: date | None = None, *, historical: bool = False
    ) -> None:
        """Accredited now (or awaiting revalidation, where the policy lets it issue), and,
        for an award dated ``on``, accredited by that day. An award imported from an
        earlier register (``historical``) needs only the second: the credential may have
        been withdrawn since."""
        if on is not None and (self.accredited_from is None or on < self.accredited_from):
            since = (
                f" (accredited from {self.accredited_from.isoformat()})"
                if self.accredited_from
                else ""
            )
            msg = (
                f"micro-credential {self.code} was not accredited on {on.isoformat()}{since}: "
                "nothing may be issued under it dated that day"
            )
            raise MicroCredentialNotAccredited(msg)
        if historical:
            return
        if self.state is CredentialState.REVALIDATION_REQUIRED:
            if policy.revalidation is RevalidationRegime.STRICT:
                msg = (
                    f"the assessment method of {self.code} changed; under the {policy.name} policy "
                    "nothing new is issued until the authority revalidates it"
                )
                raise RevalidationRequired(msg)
            return
        if self.state is not CredentialState.ACCREDITED:
            msg = (
                f"micro-credential {self.code} is {self.state.value}, not accredited: nothing may "
                "be issued under it"
            )
            raise MicroCredentialNotAccredited(msg)

    def check_course_assessment(self, assessment: Assessment, *, historical: bool = False) -> None:
        """A course award uses the stated assessment method. Prior learning is validated
        by its own method (a portfolio review, a challenge test), so it is not held to it.
        An award imported from an earlier register may use a method stated before."""
        method = assessment.method.strip()
        if historical and method in self.previous_assessment_types:
            return
        if method != self.specification.assessment_type:
            msg = (
                f"the assessment method {assessment.method!r} differs from the stated method "
                f"{self.specification.assessment_type!r}; record an individual "
                "accommodation on the award, or change the credential's assessment method"
            )
            raise AssessmentMethodMismatch(msg)

    # --- events ---------------------------------------------------------------------
    class Accredited(AuditedAggregate.Event):
        """Version 2 added the day it takes effect: a version-1 event took effect on the
        day it was recorded (its UTC timestamp's)."""

        class_version = 2

        decision_reference: str
        actor: str
        effective_on: date
        imported_from: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["effective_on"] = state["timestamp"].date()

    @event(Accredited)
    def _accredited(
        self,
        *,
        decision_reference: str,
        actor: str,
        effective_on: date,
        imported_from: str | None = None,
    ) -> None:
        self.state = CredentialState.ACCREDITED
        self.decision_reference = decision_reference
        self.accredited_from = effective_on

    @event("Amended")
    def _amended(self, *, specification: CredentialSpecification, reason: str, actor: str) -> None:
        self.specification = specification

    @event("AssessmentMethodChanged")
    def _assessment_method_changed(
        self, *, assessment_type: str, reason: str, regime: RevalidationRegime, actor: str
    ) -> None:
        self.previous_assessment_types.append(self.specification.assessment_type)
        self.specification = replace(self.specification, assessment_type=assessment_type)
        if self.state is not CredentialState.DEFINED:
            self.state = CredentialState.REVALIDATION_REQUIRED
            self.review_flagged = regime is RevalidationRegime.FLEXIBLE

    @event("Revalidated")
    def _revalidated(self, *, decision_reference: str, actor: str) -> None:
        self.state = CredentialState.ACCREDITED
        self.decision_reference = decision_reference
        self.review_flagged = False

    @event("Withdrawn")
    def _withdrawn(self, *, reason: str, decision_reference: str, actor: str) -> None:
        self.state = CredentialState.WITHDRAWN
        self.decision_reference = decision_reference


def _required(value: str | None, what: str = "a decision reference") -> str:
    if value is None or not value.strip():
        msg = f"{what} is required"
        raise ReasonRequired(msg)
    return value.strip()
