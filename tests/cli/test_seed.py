"""``ledger seed``: a demo country an operator can try at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from uuid import UUID

from cli.demo import SPREADSHEETS
from ledger.application import Ledger
from ledger.domain import ids as domain_ids
from ledger.domain.status import AwardStatus
from tests.cli.conftest import Invoke, one_line_error

ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def printed_ids(output: str) -> dict[str, UUID]:
    return {
        label: UUID(award)
        for label, award in re.findall(rf"^\s+(\w+)\s+({ID})\s+\S+/verify/{ID}$", output, re.M)
    }


def test_seed_writes_a_demo_country_and_prints_awards_to_try(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    result = ledger_cli("seed", "--base-url", "http://demo.example:8080/")

    assert result.exit_code == 0, result.output
    assert "4 providers, 8 micro-credentials, 5 learners, 32 awards (32 new)" in result.output
    assert "issuing awards" in result.output
    ids = printed_ids(result.output)
    assert set(ids) == {"valid", "revoked", "stacked", "revalidated"}
    assert f"http://demo.example:8080/verify/{ids['valid']}" in result.output

    ledger = open_ledger()
    assert ledger.award_status(ids["valid"]).status is AwardStatus.VALID
    revoked = ledger.award_status(ids["revoked"])
    assert revoked.status is AwardStatus.REVOKED
    assert revoked.award.revocation_category is not None
    stacked = ledger.award_status(ids["stacked"]).award
    assert stacked.route.value == "stacked"
    assert ids["valid"] in stacked.components
    revalidated = ledger.award_status(ids["revalidated"])
    assert revalidated.status is AwardStatus.VALID
    assert revalidated.credential.previous_assessment_types == ["written exam"]
    assert revalidated.credential.state.value == "accredited"
    # Some outcomes name the ESCO skills they develop.
    data = ledger.repository.get(
        domain_ids.micro_credential_id(domain_ids.provider_id("SETU"), "DATA-101")
    )
    assert data.specification.esco_skills[0][0] == SPREADSHEETS


def test_seeding_again_keeps_what_is_there_and_adds_only_what_is_missing(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    first = ledger_cli("seed")
    again = ledger_cli("seed")
    larger = ledger_cli("seed", "--awards", "50", "--batch-size", "7")

    assert again.exit_code == 0, again.output
    assert "(0 new)" in again.output
    assert printed_ids(again.output) == printed_ids(first.output)
    assert larger.exit_code == 0, larger.output
    assert "52 awards (20 new)" in larger.output
    assert "50/50" in larger.output
    ledger = open_ledger()
    record = ledger.get_learner_record("DEMO-L0000007")
    assert len(record.awards) == 1


def test_seed_refuses_a_country_too_small_for_the_demo(ledger_cli: Invoke) -> None:
    result = ledger_cli("seed", "--awards", "3")

    assert "--awards must be at least 21, got 3" in one_line_error(result)


def test_seed_reports_a_bad_database_url_in_one_line(ledger_cli: Invoke) -> None:
    result = ledger_cli("seed", env={"LEDGER_DATABASE_URL": "mysql://nowhere/db"})

    assert "LEDGER_DATABASE_URL must start with sqlite:// or postgresql://" in one_line_error(
        result
    )


def test_seed_reports_an_unknown_policy_in_one_line(ledger_cli: Invoke) -> None:
    result = ledger_cli("seed", env={"LEDGER_POLICY": "atlantis"})

    assert "LEDGER_POLICY must be one of" in one_line_error(result)
