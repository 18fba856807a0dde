"""The national policy is configuration: named policies, or a JSON file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.errors import BackdatedTooFar, InvalidAssessment
from ledger.policy import (
    FINLAND,
    IRELAND,
    NationalPolicy,
    RevalidationRegime,
    WithdrawnIssuerRule,
    load_policy,
)


def test_no_policy_means_the_ireland_like_default() -> None:
    assert load_policy(None) is IRELAND
    assert load_policy("") is IRELAND


def test_ireland_is_strict_with_5_to_30_ects() -> None:
    assert (IRELAND.min_ects, IRELAND.max_ects) == (Decimal(5), Decimal(30))
    assert IRELAND.revalidation is RevalidationRegime.STRICT


def test_finland_is_flexible() -> None:
    assert FINLAND.revalidation is RevalidationRegime.FLEXIBLE


@pytest.mark.parametrize(("name", "policy"), [("ireland", IRELAND), ("Finland", FINLAND)])
def test_policies_are_chosen_by_name_in_any_case(name: str, policy: NationalPolicy) -> None:
    assert load_policy(name) is policy


def test_a_json_file_overrides_the_default(tmp_path: Path) -> None:
    path = tmp_path / "malta.json"
    path.write_text(
        '{"name": "malta", "country": "MT", "min_ects": 1, "max_ects": "29.5",'
        ' "allowed_levels": [1, 2, 3, 4, 5, 6, 7, 8], "award_validity_years": 5,'
        ' "withdrawn_issuer": "flag_issuer_withdrawn"}',
        encoding="utf-8",
    )
    policy = load_policy(str(path))
    assert policy.name == "malta"
    assert (policy.min_ects, policy.max_ects) == (Decimal(1), Decimal("29.5"))
    assert policy.allowed_levels == tuple(range(1, 9))
    assert policy.award_validity_years == 5
    assert policy.withdrawn_issuer is WithdrawnIssuerRule.FLAG_ISSUER_WITHDRAWN
    assert policy.revalidation is IRELAND.revalidation  # untouched settings stay Irish


def test_a_json_file_may_build_on_another_named_policy(tmp_path: Path) -> None:
    path = tmp_path / "fi5.json"
    path.write_text('{"based_on": "finland", "award_validity_years": 5}', encoding="utf-8")
    policy = load_policy(str(path))
    assert policy.revalidation is RevalidationRegime.FLEXIBLE
    assert (policy.max_ects, policy.award_validity_years) == (FINLAND.max_ects, 5)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('{"max_etcs": 40}', "unknown policy settings: max_etcs"),
        ('{"based_on": "atlantis"}', "based_on"),
        ("[1, 2]", "JSON object"),
        ('{"min_ects": 40, "max_ects": 30}', "min <= max"),
        ('{"allowed_levels": []}', "at least one level"),
        ('{"award_validity_years": 0}', "award_validity_years"),
        ('{"revalidation": "lenient"}', "lenient"),
    ],
)
def test_a_wrong_policy_file_is_refused_clearly(tmp_path: Path, text: str, complaint: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=complaint):
        load_policy(str(path))


def test_an_unknown_policy_name_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="ireland, finland"):
        load_policy("atlantis")


def test_a_provider_backdates_an_award_at_most_as_far_as_the_policy_allows() -> None:
    today = date(2026, 12, 1)
    bound = IRELAND.max_backdating_days
    IRELAND.check_issue_date(today - timedelta(days=bound), today)
    with pytest.raises(BackdatedTooFar, match=f"more than {bound} days"):
        IRELAND.check_issue_date(today - timedelta(days=bound + 1), today)
    with pytest.raises(InvalidAssessment, match="future"):
        IRELAND.check_issue_date(today + timedelta(days=1), today)
    IRELAND.check_issue_date(date(1999, 5, 1), today, historical=True)
    assert NationalPolicy.from_json('{"max_backdating_days": 0}').max_backdating_days == 0
    with pytest.raises(ValueError, match="max_backdating_days"):
        NationalPolicy.from_json('{"max_backdating_days": -1}')


def test_what_a_revoked_component_does_is_policy_with_a_safe_default() -> None:
    assert not IRELAND.revokes_stacked_with_component
    policy = NationalPolicy.from_json('{"revoked_component": "revoke_stacked"}')
    assert policy.revokes_stacked_with_component
    with pytest.raises(ValueError, match="nothing"):
        NationalPolicy.from_json('{"revoked_component": "nothing"}')
