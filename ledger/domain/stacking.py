"""Rule 6, stacking: which awards stack into a target, and what they count for.

Functions of a learner's awards (``LearnerRecord.awards``), so that the rule reads in
one place and the aggregate only applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.domain.status import AwardStatus
from ledger.domain.values import AwardRoute, StackingRule
from ledger.errors import AlreadyStacked, AwardNotStackable, StackingRuleNotMet

if TYPE_CHECKING:
    from ledger.domain.learner_record import Award

Awards = Mapping[UUID, "Award"]


def valid_components(
    awards: Awards, component_award_ids: tuple[UUID, ...], at: datetime
) -> list[Award]:
    """The components named, each once, each a valid award of this learner at ``at``."""
    if len(set(component_award_ids)) != len(component_award_ids) or not component_award_ids:
        msg = "stacking needs at least one component, each named once"
        raise AwardNotStackable(msg)
    components = []
    for component_id in component_award_ids:
        component = awards.get(component_id)
        if component is None:
            msg = f"award {component_id} is not on this learner's record"
            raise AwardNotStackable(msg)
        status = status_of(awards, component, at)
        if status is not AwardStatus.VALID:
            msg = f"award {component_id} is {status.value}; only valid awards stack"
            raise AwardNotStackable(msg)
        components.append(component)
    return components


def check_not_stacked_already(
    awards: Awards, target_id: UUID, component_award_ids: tuple[UUID, ...], at: datetime
) -> None:
    """No component already stacks into the same target by a stacked award that stands:
    that would give the learner a second award for one achievement."""
    given = set(component_award_ids)
    for existing in awards.values():
        if (
            existing.route is AwardRoute.STACKED
            and existing.terms.micro_credential_id == target_id
            and given.intersection(existing.components)
            and stands(awards, existing, at)
        ):
            shared = ", ".join(str(c) for c in existing.components if c in given)
            msg = (
                f"award {existing.award_id} already stacks {shared} into "
                f"{existing.terms.title}; revoke it first to stack them again"
            )
            raise AlreadyStacked(msg)


def stands(awards: Awards, stacked: Award, at: datetime) -> bool:
    """A stacked award stands while it and every one of its components are valid."""
    return status_of(awards, stacked, at) is AwardStatus.VALID


def revoked_components(awards: Awards, award: Award, at: datetime) -> list[UUID]:
    """The components of ``award`` (a stacked award) that were revoked by ``at``, or that
    are themselves stacked awards with a revoked component."""
    return [
        component_id
        for component_id in award.components
        if status_of(awards, awards[component_id], at)
        in (AwardStatus.REVOKED, AwardStatus.COMPONENT_REVOKED)
    ]


def status_of(awards: Awards, award: Award, at: datetime) -> AwardStatus:
    own = award.status_at(at)
    if own is not AwardStatus.VALID or not award.components:
        return own
    if revoked_components(awards, award, at):
        return AwardStatus.COMPONENT_REVOKED
    return own


def unrevoked_stacked_on(awards: Awards, component_id: UUID) -> list[Award]:
    """The unrevoked stacked awards built from ``component_id``, directly or through
    another stacked award, in the order they were stacked."""
    found: dict[UUID, Award] = {}
    pending = [component_id]
    while pending:
        current = pending.pop()
        for award in awards.values():
            if (
                current in award.components
                and award.revoked_at is None
                and award.award_id not in found
            ):
                found[award.award_id] = award
                pending.append(award.award_id)
    return list(found.values())


def check_stacking_rule(rule: StackingRule, components: list[Award]) -> Decimal:
    """The target's required components are among the components' micro-credentials and
    their workload reaches its minimum, each micro-credential counted once. Returns the
    total counted."""
    workloads = {c.terms.micro_credential_id: c.terms.workload_ects for c in components}
    missing = [str(r) for r in rule.required_components if r not in workloads]
    if missing:
        msg = (
            "the stacking rule requires components not among the awards given: "
            f"{', '.join(missing)}"
        )
        raise StackingRuleNotMet(msg)
    total = sum(workloads.values(), Decimal(0))
    if total < rule.min_total_ects:
        msg = (
            f"the components total {total} ECTS (each micro-credential counted once); the "
            f"stacked credential needs at least {rule.min_total_ects}"
        )
        raise StackingRuleNotMet(msg)
    return total
