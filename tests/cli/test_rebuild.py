"""``ledger rebuild`` beside status checks, on both stores: the view in use answers
throughout, and a rebuild that stops leaves it as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import Ledger
from projections.read import ReadModel
from projections.views import CredentialStatusView
from tests.cli.conftest import Invoke, one_line_error
from tests.projections.conftest import make_world, snapshot
from tests.projections.test_shadow_rebuild import StatusReader, issue_awards, shadow_tables


def test_rebuild_credential_status_beside_status_checks(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger]
) -> None:
    ledger = open_ledger()
    awards = issue_awards(make_world(ledger), 80)
    projected = ledger_cli("project", "--once")
    assert projected.exit_code == 0, projected.output
    before = snapshot(ledger)
    log = ReadModel(ledger).log_position()

    with StatusReader(open_ledger(), awards).running() as reader:
        result = ledger_cli("rebuild", "credential_status", "--page-size", "3", "--processes", "0")

    assert result.exit_code == 0, result.output
    assert f"credential_status: rebuilt up to position {log}" in result.stdout
    assert reader.wrong == []
    assert reader.reads > 0
    assert snapshot(ledger) == before
    assert shadow_tables(ledger) == []


def test_a_rebuild_that_stops_says_so_and_leaves_the_view_in_use(
    ledger_cli: Invoke, open_ledger: Callable[[], Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = open_ledger()
    awards = issue_awards(make_world(ledger), 20)
    assert ledger_cli("project", "--once").exit_code == 0
    before = snapshot(ledger)

    def broken(*_args: Any) -> None:
        raise RuntimeError("the handler broke")

    monkeypatch.setattr(CredentialStatusView, "course_award_issued", broken)
    with StatusReader(open_ledger(), awards).running() as reader:
        result = ledger_cli("rebuild", "credential_status", "--processes", "0")

    line = one_line_error(result)
    assert "the rebuild stopped" in line and "the views in use are unchanged" in line
    assert reader.wrong == []
    assert snapshot(ledger) == before
