"""The catalogue holds each credential's ESCO skills, lined up with its learning
outcomes, and finds credentials by skill; definitions stored before skills existed read
back untagged, the exact way and the views' wire way alike (issue 18, item 7)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from ledger.application import Ledger
from ledger.domain.micro_credential import MicroCredential
from ledger.domain.values import CredentialSpecification
from projections.follower import Follower
from projections.rebuild import rebuild
from projections.results import CatalogueEntry, Page
from projections.store import ViewStore
from tests.conftest import THE_AUTHORITY, provider_principal, spec
from tests.projections.conftest import World, make_world, snapshot
from tests.projections.test_read import caught_up

SPREADSHEETS = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
STATISTICS = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-000000000000"


def define(world: World, code: str, **overrides: object) -> UUID:
    return world.ledger.define_micro_credential(
        provider_id=world.provider_id,
        code=code,
        specification=spec(**overrides),
        by=provider_principal(world.provider_id, "provider:P0"),
    ).aggregate_id


def codes(page: Page[CatalogueEntry]) -> list[str]:
    return sorted(e.code for e in page.items)


def test_the_catalogue_shows_the_skills_and_finds_credentials_by_skill(world: World) -> None:
    tagged = define(world, "T-1", esco_skills=((SPREADSHEETS,), (STATISTICS, PYTHON)))
    define(world, "T-2", esco_skills=((), (STATISTICS.replace("http:", "https:"),)))
    read = caught_up(world.ledger)

    entry = read.micro_credential(tagged)
    assert entry is not None
    assert entry.esco_skills == ((SPREADSHEETS,), (STATISTICS, PYTHON))
    untagged = read.micro_credential(world.credential_id)
    assert untagged is not None and untagged.esco_skills == ()

    assert codes(read.catalogue(skill=SPREADSHEETS)) == ["T-1"]
    # ESCO's URIs are http; a tag or a search with https names the same skill.
    assert codes(read.catalogue(skill=STATISTICS)) == ["T-1", "T-2"]
    assert codes(read.catalogue(skill=STATISTICS.replace("http:", "https:"))) == ["T-1", "T-2"]
    assert codes(read.catalogue(skill=STATISTICS, text="T-2")) == ["T-2"]
    assert read.catalogue(skill=STATISTICS, limit=1).next_offset == 1
    assert read.catalogue(skill=STATISTICS, state="accredited").total == 0
    assert read.catalogue(skill=PYTHON.replace("0000", "1111")).total == 0


def test_an_amendment_replaces_the_skills_the_search_finds(world: World) -> None:
    ledger = world.ledger
    ledger.amend_micro_credential(
        world.credential_id,
        changes={"esco_skills": ((SPREADSHEETS,),)},
        reason="ESCO tags",
        by=provider_principal(world.provider_id, "provider:P0"),
    )
    ledger.amend_micro_credential(
        world.credential_id,
        changes={"esco_skills": ((), (STATISTICS,))},
        reason="the right outcome",
        by=provider_principal(world.provider_id, "provider:P0"),
    )
    read = caught_up(ledger)
    assert read.catalogue(skill=SPREADSHEETS).total == 0
    assert codes(read.catalogue(skill=STATISTICS)) == ["DA-101"]
    entry = read.micro_credential(world.credential_id)
    assert entry is not None and entry.esco_skills == ((), (STATISTICS,))
    incremental = snapshot(ledger)
    assert incremental["proj_catalogue_skills"]
    rebuild(ledger, page_size=1)
    assert snapshot(ledger) == incremental
    rebuild(ledger)  # a definition and its amendments in one page
    assert snapshot(ledger) == incremental


def _write_untagged_definition(ledger: Ledger, world: World) -> UUID:
    """A Defined event as the ledger stored it before ESCO tags: its specification has
    no ``esco_skills``."""
    credential = MicroCredential.define(
        provider_id=world.provider_id,
        code="OLD-1",
        specification=spec(title="Old Analytics"),
        stacking_rule=None,
        policy=ledger.policy,
        actor="provider:P0",
    )
    stored = ledger.mapper.to_stored_event(credential.collect_events()[0])
    state = orjson.loads(stored.state)
    del state["specification"]["_data_"][1]["esco_skills"]
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=orjson.dumps(state),
            )
        ]
    )
    return credential.id


def test_a_definition_stored_before_skills_reads_back_untagged(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger = make_ledger()
    world = make_world(ledger)
    old = _write_untagged_definition(ledger, world)
    assert b"esco_skills" not in next(iter(ledger.recorder.select_events(old))).state

    credential = ledger.repository.get(old)
    assert isinstance(credential.specification, CredentialSpecification)
    assert credential.specification.esco_skills == ()
    read = caught_up(ledger)
    entry = read.micro_credential(old)
    assert entry is not None
    assert (entry.title, entry.esco_skills) == ("Old Analytics", ())

    # It is tagged like any other once it is accredited.
    ledger.accredit_micro_credential(old, decision_reference="QQI/VAL/OLD", by=THE_AUTHORITY)
    ledger.amend_micro_credential(
        old,
        changes={"esco_skills": ((SPREADSHEETS,),)},
        reason="ESCO tags",
        by=provider_principal(world.provider_id, "provider:P0"),
    )
    read = caught_up(ledger)
    assert codes(read.catalogue(skill=SPREADSHEETS)) == ["OLD-1"]


def test_a_catalogue_made_before_skills_is_rebuilt_with_them_when_a_new_process_starts(
    world: World,
) -> None:
    ledger = world.ledger
    define(world, "T-1", esco_skills=((SPREADSHEETS,),))
    Follower(ledger).catch_up()
    store = ViewStore(ledger)
    d = store.dialect
    with d.write() as c:  # the catalogue as the version before ESCO tags made it
        c.execute(d.q("DROP TABLE {s}proj_catalogue_skills"))
        c.execute(d.q("ALTER TABLE {s}proj_catalogue DROP COLUMN esco_skills"))
        c.execute(d.q("UPDATE {s}proj_views SET layout = 'pre-esco' WHERE view_name = 'catalogue'"))
    store.ensure_views()  # as the first process of the new version does
    read = caught_up(ledger)
    assert codes(read.catalogue(skill=SPREADSHEETS)) == ["T-1"]
    assert codes(read.catalogue()) == ["DA-101", "T-1"]
