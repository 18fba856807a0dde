"""A micro-credential's definition: the mandatory EU elements, rules 1, 2 and 4."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from ledger.domain import ids
from ledger.domain.micro_credential import CredentialState, MicroCredential
from ledger.domain.values import StackingRule
from ledger.errors import (
    ActorRequired,
    InvalidCode,
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
from ledger.policy import FINLAND, IRELAND, NationalPolicy
from tests.conftest import AUTHORITY, PROVIDER_ACTOR, spec
from tests.unit.builders import TODAY, accredited_credential, defined_credential


def change_method(credential: MicroCredential, policy: NationalPolicy = IRELAND) -> None:
    credential.change_assessment_method(
        assessment_type="proctored online exam",
        reason="moving the course online",
        policy=policy,
        actor=PROVIDER_ACTOR,
    )


class TestDefinition:
    def test_a_complete_definition_is_defined_but_not_yet_accredited(self) -> None:
        credential = defined_credential()
        assert credential.state is CredentialState.DEFINED
        assert credential.specification == spec()
        assert credential.id == ids.micro_credential_id(ids.provider_id("SETU"), "DA-101")

    def test_a_definition_without_an_assessment_type_is_refused_rule_1(self) -> None:
        with pytest.raises(MissingAssessment, match="rule 1"):
            defined_credential(assessment_type="  ")

    @pytest.mark.parametrize(
        "overrides",
        [
            {"title": ""},
            {"quality_assurance": " "},
            {"field_of_study": ""},
            {"learning_outcomes": ()},
            {"learning_outcomes": ("Clean a data set", " ")},
        ],
    )
    def test_every_mandatory_eu_element_must_be_stated(self, overrides: dict[str, Any]) -> None:
        with pytest.raises(MissingStandardElement):
            defined_credential(**overrides)

    def test_a_definition_needs_a_code(self) -> None:
        with pytest.raises(MissingStandardElement):
            defined_credential(code=" ")

    @pytest.mark.parametrize("code", ["DA/102", "DA 102", "..", "DA-", "X" * 65])
    def test_a_code_follows_the_one_pattern_codes_have(self, code: str) -> None:
        with pytest.raises(InvalidCode):
            defined_credential(code=code)

    def test_a_code_keeps_its_case(self) -> None:
        assert defined_credential(code=" da-102.v2 ").code == "da-102.v2"

    def test_a_definition_names_its_actor(self) -> None:
        with pytest.raises(ActorRequired):
            MicroCredential.define(
                provider_id=ids.provider_id("SETU"),
                code="X",
                specification=spec(),
                stacking_rule=None,
                policy=IRELAND,
                actor="",
            )

    def test_optional_elements_may_be_given(self) -> None:
        credential = defined_credential(
            prerequisites="Leaving Certificate maths",
            stackability="towards the HDip",
            language="ga",
        )
        assert credential.specification.prerequisites == "Leaving Certificate maths"

    def test_a_stacked_credential_carries_its_rule(self) -> None:
        rule = StackingRule(required_components=(ids.provider_id("X"),), min_total_ects=Decimal(20))
        assert defined_credential(stacking_rule=rule).stacking_rule == rule


class TestWorkloadAndLevelsComeFromThePolicy:
    """Rule 2: smaller than a full qualification, by the national policy's bounds."""

    @pytest.mark.parametrize("ects", ["5", "5.0", "17.5", "30"])
    def test_ireland_accepts_5_to_30_ects(self, ects: str) -> None:
        assert (
            defined_credential(IRELAND, workload_ects=Decimal(ects)).state
            is CredentialState.DEFINED
        )

    @pytest.mark.parametrize("ects", ["4.9", "0", "30.5", "60"])
    def test_ireland_refuses_workloads_outside_5_to_30_ects(self, ects: str) -> None:
        with pytest.raises(WorkloadOutOfBounds, match="ireland"):
            defined_credential(IRELAND, workload_ects=Decimal(ects))

    @pytest.mark.parametrize("ects", ["1", "3", "45", "59"])
    def test_finland_has_its_own_bounds(self, ects: str) -> None:
        defined_credential(FINLAND, workload_ects=Decimal(ects), nqf_level=6)

    def test_finland_refuses_a_full_year_of_study(self) -> None:
        with pytest.raises(WorkloadOutOfBounds, match="finland"):
            defined_credential(FINLAND, workload_ects=Decimal(60))

    def test_ireland_allows_its_ten_nqf_levels_finland_eight(self) -> None:
        defined_credential(IRELAND, nqf_level=10, eqf_level=8)
        with pytest.raises(LevelNotAllowed):
            defined_credential(FINLAND, nqf_level=10, eqf_level=8)

    def test_a_policy_may_narrow_the_levels(self) -> None:
        vet_only = replace(IRELAND, name="vet-only", allowed_levels=(3, 4, 5))
        with pytest.raises(LevelNotAllowed, match="vet-only"):
            defined_credential(vet_only, nqf_level=6, eqf_level=5)

    def test_an_eqf_level_beyond_8_is_refused_whatever_the_policy(self) -> None:
        with pytest.raises(LevelNotAllowed):
            defined_credential(IRELAND, nqf_level=9, eqf_level=9)


class TestAccreditation:
    def test_accreditation_cites_a_decision(self) -> None:
        credential = defined_credential()
        with pytest.raises(ReasonRequired):
            credential.accredit(decision_reference=" ", actor=AUTHORITY, today=TODAY)
        credential.accredit(decision_reference="QQI/MC/1", actor=AUTHORITY, today=TODAY)
        assert credential.state is CredentialState.ACCREDITED
        assert credential.decision_reference == "QQI/MC/1"

    def test_an_accredited_credential_is_not_accredited_twice(self) -> None:
        with pytest.raises(InvalidTransition, match="revalidate"):
            accredited_credential().accredit(
                decision_reference="again", actor=AUTHORITY, today=TODAY
            )

    def test_nothing_is_issued_under_a_credential_that_is_only_defined(self) -> None:
        with pytest.raises(MicroCredentialNotAccredited):
            defined_credential().check_may_issue(IRELAND)

    def test_an_accredited_credential_may_issue(self) -> None:
        accredited_credential().check_may_issue(IRELAND)


class TestAmendment:
    def test_non_material_elements_are_amended_with_a_reason(self) -> None:
        credential = accredited_credential()
        credential.amend(
            changes={"title": "Data Analytics Essentials", "further_information": "https://x"},
            reason="clearer title",
            policy=IRELAND,
            actor=PROVIDER_ACTOR,
        )
        assert credential.specification.title == "Data Analytics Essentials"
        assert credential.state is CredentialState.ACCREDITED

    def test_an_amendment_needs_a_reason(self) -> None:
        credential = accredited_credential()
        with pytest.raises(ReasonRequired):
            credential.amend(changes={"title": "T"}, reason="", policy=IRELAND, actor="a")

    @pytest.mark.parametrize(
        "changes",
        [
            {"workload_ects": Decimal(15)},
            {"learning_outcomes": ("Other",)},
            {"nqf_level": 7},
            {"eqf_level": 6},
            {"field_of_study": "0413 Management"},
        ],
    )
    def test_material_elements_of_an_accredited_credential_cannot_be_amended(
        self, changes: dict[str, object]
    ) -> None:
        credential = accredited_credential()
        with pytest.raises(MaterialChangeNotAllowed, match="new micro-credential"):
            credential.amend(changes=changes, reason="r", policy=IRELAND, actor="a")

    def test_material_elements_may_change_before_accreditation_within_the_policy(self) -> None:
        credential = defined_credential()
        credential.amend(
            changes={"workload_ects": Decimal(15)}, reason="r", policy=IRELAND, actor="a"
        )
        assert credential.specification.workload_ects == Decimal(15)
        with pytest.raises(WorkloadOutOfBounds):
            credential.amend(
                changes={"workload_ects": Decimal(40)}, reason="r", policy=IRELAND, actor="a"
            )

    def test_the_assessment_method_is_not_amended_but_changed_by_its_own_command(self) -> None:
        with pytest.raises(MaterialChangeNotAllowed, match="own command"):
            accredited_credential().amend(
                changes={"assessment_type": "exam"}, reason="r", policy=IRELAND, actor="a"
            )

    def test_an_unknown_element_is_refused(self) -> None:
        with pytest.raises(MissingStandardElement, match="colour"):
            defined_credential().amend(
                changes={"colour": "blue"}, reason="r", policy=IRELAND, actor="a"
            )

    def test_an_amendment_that_changes_nothing_records_nothing(self) -> None:
        credential = accredited_credential()
        before = credential.version
        credential.amend(changes={"title": spec().title}, reason="r", policy=IRELAND, actor="a")
        assert credential.version == before

    def test_a_withdrawn_credential_is_not_amended(self) -> None:
        credential = accredited_credential()
        credential.withdraw(reason="r", decision_reference="d", actor=AUTHORITY)
        with pytest.raises(InvalidTransition):
            credential.amend(changes={"title": "T"}, reason="r", policy=IRELAND, actor="a")


class TestAssessmentMethodChangeTriggersRevalidation:
    """Rule 4."""

    def test_changing_the_method_requires_revalidation(self) -> None:
        credential = accredited_credential()
        change_method(credential)
        assert credential.state is CredentialState.REVALIDATION_REQUIRED
        assert credential.specification.assessment_type == "proctored online exam"
        assert credential.previous_assessment_types == ["practical project"]

    def test_under_the_strict_policy_nothing_new_is_issued_until_revalidated(self) -> None:
        credential = accredited_credential()
        change_method(credential, IRELAND)
        with pytest.raises(RevalidationRequired, match="revalidates"):
            credential.check_may_issue(IRELAND)
        assert not credential.review_flagged

    def test_under_the_flexible_policy_issuance_continues_and_the_change_is_flagged(
        self,
    ) -> None:
        credential = accredited_credential(FINLAND)
        change_method(credential, FINLAND)
        credential.check_may_issue(FINLAND)
        assert credential.review_flagged
        assert credential.state is CredentialState.REVALIDATION_REQUIRED

    def test_revalidation_cites_a_decision_and_reopens_issuance(self) -> None:
        credential = accredited_credential()
        change_method(credential)
        with pytest.raises(ReasonRequired):
            credential.revalidate(decision_reference="", actor=AUTHORITY)
        credential.revalidate(decision_reference="QQI/REV/1", actor=AUTHORITY)
        assert credential.state is CredentialState.ACCREDITED
        credential.check_may_issue(IRELAND)

    def test_revalidation_clears_the_review_flag(self) -> None:
        credential = accredited_credential(FINLAND)
        change_method(credential, FINLAND)
        credential.revalidate(decision_reference="D", actor=AUTHORITY)
        assert not credential.review_flagged

    def test_only_a_credential_awaiting_revalidation_is_revalidated(self) -> None:
        with pytest.raises(InvalidTransition):
            accredited_credential().revalidate(decision_reference="D", actor=AUTHORITY)

    def test_changing_the_method_before_accreditation_needs_no_revalidation(self) -> None:
        credential = defined_credential()
        change_method(credential)
        assert credential.state is CredentialState.DEFINED

    def test_the_change_needs_a_reason_and_a_new_method(self) -> None:
        credential = accredited_credential()
        with pytest.raises(ReasonRequired):
            credential.change_assessment_method(
                assessment_type="exam", reason=" ", policy=IRELAND, actor="a"
            )
        with pytest.raises(MissingAssessment):
            credential.change_assessment_method(
                assessment_type=" ", reason="r", policy=IRELAND, actor="a"
            )
        with pytest.raises(InvalidTransition, match="already"):
            credential.change_assessment_method(
                assessment_type="practical project", reason="r", policy=IRELAND, actor="a"
            )
        assert credential.state is CredentialState.ACCREDITED

    def test_the_change_records_the_regime_in_force(self) -> None:
        credential = accredited_credential(FINLAND)
        change_method(credential, FINLAND)
        changed = credential.collect_events()[-1]
        assert type(changed).__name__ == "AssessmentMethodChanged"
        assert changed.regime is FINLAND.revalidation  # type: ignore[attr-defined]


class TestWithdrawal:
    def test_withdrawal_needs_a_reason_and_decision_and_is_final(self) -> None:
        credential = accredited_credential()
        with pytest.raises(ReasonRequired):
            credential.withdraw(reason="", decision_reference="d", actor=AUTHORITY)
        with pytest.raises(ReasonRequired):
            credential.withdraw(reason="r", decision_reference="", actor=AUTHORITY)
        credential.withdraw(reason="superseded", decision_reference="QQI/W/1", actor=AUTHORITY)
        assert credential.state is CredentialState.WITHDRAWN
        with pytest.raises(MicroCredentialNotAccredited):
            credential.check_may_issue(FINLAND)
        with pytest.raises(InvalidTransition):
            credential.withdraw(reason="r", decision_reference="d", actor=AUTHORITY)
        with pytest.raises(InvalidTransition):
            change_method(credential)
