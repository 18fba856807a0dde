"""A view that cannot apply an event says so at once: the follower applies every
event before it, logs an ERROR naming the view, the position and the reason, records
it for /readyz and /metrics (``projection_failures``), and ``ledger project --once``
and ``ledger rebuild`` exit non-zero with that reason. Before, the follower retried
the whole page in silence, for ever.

The event a view cannot apply here is one an older, careless writer could have left
in the log: a suspension whose reason is an object, not text (neither store takes one
for a text column)."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from cli import app
from ledger.application import Ledger
from ledger.config import DatabaseSettings
from projections.dialect import make_dialect
from projections.follower import Follower, ProjectionStalled
from projections.read import ReadModel
from projections.schema import make_views
from tests.conftest import AUTHORITY, THE_AUTHORITY, spec
from tests.projections.conftest import World, make_world
from tests.projections.test_cli import env_for


def write_unappliable_event(world: World) -> int:
    """A suspension of the provider whose reason is not text; its log position."""
    provider = world.ledger.get_provider(world.provider_id)
    provider._suspended(
        reason={"not": "text"},
        decision_reference="D/1",
        actor=AUTHORITY,
        effective_on=world.ledger.clock().date(),
        imported_from=None,
    )
    (recording,) = world.ledger.save(provider)
    position = recording.notification.id
    assert position is not None
    return position


def test_a_follower_applies_all_before_the_event_and_names_view_position_reason(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.issue("l1", "R-1")
    bad = write_unappliable_event(world)
    world.ledger.define_micro_credential(  # after it
        provider_id=world.provider_id, code="DA-102", specification=spec(), by=THE_AUTHORITY
    )
    read = ReadModel(world.ledger)

    with (
        caplog.at_level(logging.ERROR, logger="ledger.projections"),
        pytest.raises(ProjectionStalled) as stalled,
    ):
        Follower(world.ledger).catch_up()

    assert stalled.value.views == ("providers",)
    assert stalled.value.position == bad
    # Every event before it is applied, in every view: an award issued before reads.
    assert set(read.positions().values()) == {bad - 1}
    (failure,) = read.projection_failures().values()
    assert (failure.view, failure.position, failure.attempts) == ("providers", bad, 1)
    assert failure.reason == stalled.value.reason
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "providers" in errors[0].getMessage() and str(bad) in errors[0].getMessage()
    assert failure.reason in errors[0].getMessage()

    with pytest.raises(ProjectionStalled):
        Follower(world.ledger).catch_up()
    assert read.projection_failures()["providers"].attempts == 2


def test_the_failure_is_cleared_when_the_view_gets_past_it(world: World, ledger: Ledger) -> None:
    follower = Follower(ledger)
    follower.catch_up()
    d = make_dialect(ledger)
    with d.write() as c:  # an operator's mistake the follower cannot get past
        c.execute(d.q("DROP TABLE {s}proj_providers"))
    make_world(ledger, "P1")
    with pytest.raises(ProjectionStalled) as stalled:
        follower.catch_up()
    assert stalled.value.views == ("providers",)
    read = ReadModel(ledger)
    assert set(read.projection_failures()) == {"providers"}

    (providers,) = make_views(d, ["providers"])
    with d.write() as c:
        providers.create(c)
    follower.catch_up()
    assert read.projection_failures() == {}
    assert set(read.positions().values()) == {read.log_position()}


def test_ledger_project_once_and_rebuild_exit_non_zero_naming_the_failure(
    world: World, database: DatabaseSettings
) -> None:
    bad = write_unappliable_event(world)
    runner = CliRunner()

    result = runner.invoke(app, ["project", "--once"], env=env_for(database))
    assert result.exit_code == 1, result.output
    assert f"view providers cannot apply the event at log position {bad}" in result.output
    assert "Traceback" not in result.output

    rebuilt = runner.invoke(app, ["rebuild", "--processes", "0"], env=env_for(database))
    assert rebuilt.exit_code == 1, rebuilt.output
    assert f"view providers cannot apply the event at log position {bad}" in rebuilt.output
    assert "Traceback" not in rebuilt.output
