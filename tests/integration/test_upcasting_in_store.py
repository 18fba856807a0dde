"""An event stored by an earlier release, in the version-1 shape, is read back through
the ledger as the current version."""

from __future__ import annotations

import orjson

from ledger.application import Ledger
from ledger.domain import ids
from ledger.domain.principal import Principal
from ledger.domain.provider import Provider, ProviderState
from ledger.domain.values import ProviderKind
from tests.integration.store import RawStore
from tests.unit.test_upcasting import TOPIC, V1_STATE


def test_a_version_1_registration_in_the_store_is_read_as_version_2(ledger: Ledger) -> None:
    provider_id = ids.provider_id("SETU")
    RawStore(ledger).insert_stored_event(provider_id, 1, TOPIC, V1_STATE)

    provider = ledger.get_provider(provider_id)
    assert (provider.code, provider.state, provider.website) == (
        "SETU",
        ProviderState.REGISTERED,
        None,
    )
    registered = ledger.history(provider_id)[0]
    assert isinstance(registered, Provider.Registered)
    assert registered.website is None


def test_an_old_provider_carries_on_with_new_events(ledger: Ledger) -> None:
    provider_id = ids.provider_id("SETU")
    RawStore(ledger).insert_stored_event(provider_id, 1, TOPIC, V1_STATE)
    ledger.withdraw_provider(
        provider_id, reason="merged", decision_reference="W1", by=Principal.authority("a")
    )
    assert ledger.get_provider(provider_id).state is ProviderState.WITHDRAWN


def test_a_new_registration_is_stored_as_version_2(ledger: Ledger) -> None:
    receipt = ledger.register_provider(
        code="ATU",
        name="Atlantic TU",
        country="IE",
        kind=ProviderKind.UNIVERSITY,
        by=Principal.authority("a"),
        website="https://www.atu.ie",
    )
    _, _, topic, state = RawStore(ledger).stored_events()[0]
    assert topic == TOPIC
    assert orjson.loads(state)["class_version"] == 2
    assert ledger.get_provider(receipt.aggregate_id).website == "https://www.atu.ie"
