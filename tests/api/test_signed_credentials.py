"""Every award as a signed Open Badges 3.0 credential, and its issuer's status list, over
HTTP on both stores (issue 20, items 2 and 3).

The credential is checked three ways: our own verifier with the key the issuer's
controller document publishes, the Open Badges 3.0 JSON Schema (read in place from
``shared/vectors``), and Digital Bazaar's JavaScript verifier (tests/interop), which also
reads the revocation bit from the status list the ledger serves.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from composition import Process
from ledger.application.signing import rotate
from ledger.config import Settings
from ledger.credentials.data_integrity import verify_proof
from ledger.credentials.documents import EU_ELEMENTS_V1, bundled_bytes
from ledger.credentials.status_list import LIST_LENGTH, read_status_list_credential
from ledger.domain.principal import Role
from ledger.infrastructure.did_web import public_key_from_multibase
from ledger.policy import IRELAND
from tests.api.conftest import (
    Headers,
    World,
    accredited_credential,
    accredited_provider,
    award,
    ok,
)
from tests.interop.vc_js import js_verify
from tests.shared_vectors import require_vectors

VC_MEDIA_TYPE = "application/vc"


@pytest.fixture
def client(signing_client: TestClient) -> TestClient:
    return signing_client


def services(client: TestClient) -> Process:
    process: Process = client.app.state.services  # type: ignore[attr-defined]
    return process


def issue(client: TestClient, world: World, reference: str, **overrides: Any) -> str:
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("pseudonym-0815", reference, world.credential_id, **overrides),
            headers=world.setu.headers,
        ),
        201,
    )
    award_id: str = issued["awards"][0]["award_id"]
    return award_id


def revoke(client: TestClient, world: World, award_id: str) -> None:
    ok(
        client.post(
            world.setu.path(f"/awards/{award_id}/revocation"),
            json={"category": "academic_misconduct", "note": "case EB-7: plagiarism"},
            headers=world.setu.headers,
        )
    )


def fetch_credential(client: TestClient, award_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/credentials/{award_id}/credential")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == VC_MEDIA_TYPE
    assert response.headers["cache-control"] == "public, max-age=86400, immutable"
    body: dict[str, Any] = orjson.loads(response.content)
    return body


def fetch_list(client: TestClient, url: str, **params: str) -> dict[str, Any]:
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == VC_MEDIA_TYPE
    body: dict[str, Any] = orjson.loads(response.content)
    return body


def controller_document(client: TestClient, code: str) -> dict[str, Any]:
    return ok(client.get(f"/providers/{code}/did.json"))


def verifies_with_published_key(client: TestClient, signed: dict[str, Any]) -> bool:
    """Our verifier, with the key the proof names, read from the issuer's did.json."""
    [proof] = signed["proof"]
    did = signed["issuer"]["id"] if isinstance(signed["issuer"], dict) else signed["issuer"]
    code = did.rsplit(":", 1)[-1]
    document = controller_document(client, code)
    [method] = [m for m in document["verificationMethod"] if m["id"] == proof["verificationMethod"]]
    assert method["controller"] == did
    single = {**signed, "proof": proof}
    return verify_proof(single, public_key_from_multibase(method["publicKeyMultibase"]))


def js_documents(client: TestClient, signed: dict[str, Any]) -> dict[str, Any]:
    """What the JavaScript verifier may load besides the standard contexts: the issuer's
    controller document, the ledger's context for the EU elements, the status list."""
    did: str = signed["issuer"]["id"]
    status_url: str = signed["credentialStatus"]["statusListCredential"]
    return {
        did: controller_document(client, did.rsplit(":", 1)[-1]),
        EU_ELEMENTS_V1: ok(client.get("/contexts/eu-elements/v1")),
        status_url: fetch_list(client, status_url),
    }


@pytest.fixture
def ob3_schema() -> dict[str, Any]:
    vectors = require_vectors("the Open Badges 3.0 JSON Schema")
    schema: dict[str, Any] = orjson.loads(
        (vectors / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_bytes()
    )
    return schema


def test_an_award_is_served_as_a_signed_open_badge_with_every_eu_element(
    client: TestClient, world: World, ob3_schema: dict[str, Any]
) -> None:
    award_id = issue(client, world, "2026-DA-0001")

    signed = fetch_credential(client, award_id)

    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["id"] == f"urn:uuid:{award_id}"
    assert signed["issuer"]["id"] == "did:web:127.0.0.1%3A8000:providers:SETU"
    achievement = signed["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["name"] == "Data Analytics Fundamentals"
    assert [o["outcomeText"] for o in achievement["learningOutcomes"]] == [
        "Clean a data set",
        "Explain a regression",
    ]
    assert achievement["ectsCredits"] == "10"
    assert achievement["eqfLevel"] == 5 and achievement["nqfLevel"] == 6
    assert achievement["participationForm"] == "blended"
    assert achievement["qualityAssurance"] == "QQI validated programme"
    assert signed["issuer"]["address"]["addressCountryCode"] == "IE"
    assessment = signed["credentialSubject"]["assessment"]
    assert assessment["assessmentMethod"] == "practical project"
    assert assessment["grade"] == "B+"
    # The learner is a pseudonymous record id, never the provider's learner id.
    subject_id = signed["credentialSubject"]["id"]
    assert subject_id.startswith("urn:uuid:")
    assert "pseudonym-0815" not in orjson.dumps(signed).decode()
    assert signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"

    jsonschema.validate(signed, ob3_schema)
    assert verifies_with_published_key(client, signed)
    answer = js_verify(signed, js_documents(client, signed))
    assert answer["verified"], answer["errors"]
    assert answer["status"] == {"checked": True, "verified": True, "revoked": False}


def test_the_ledger_serves_its_own_context_as_bundled(client: TestClient) -> None:
    response = client.get("/contexts/eu-elements/v1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert response.content == bundled_bytes(EU_ELEMENTS_V1)
    assert "immutable" in response.headers["cache-control"]


def test_a_credential_is_signed_once_and_served_as_the_same_bytes(
    client: TestClient, world: World
) -> None:
    award_id = issue(client, world, "2026-DA-0002")
    first = client.get(f"/v1/credentials/{award_id}/credential")
    second = client.get(f"/v1/credentials/{award_id}/credential")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    etag = first.headers["etag"]
    assert second.headers["etag"] == etag

    unchanged = client.get(
        f"/v1/credentials/{award_id}/credential", headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    assert unchanged.content == b""


def test_a_changed_field_fails_both_verifiers(client: TestClient, world: World) -> None:
    award_id = issue(client, world, "2026-DA-0003")
    signed = fetch_credential(client, award_id)
    documents = js_documents(client, signed)
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["achievement"]["ectsCredits"] = "60"

    assert not verifies_with_published_key(client, forged)
    assert not js_verify(forged, documents)["verified"]


def test_a_revocation_sets_the_bit_the_credential_names_and_the_verifier_reads_it(
    client: TestClient, world: World
) -> None:
    kept = issue(client, world, "2026-DA-0004")
    revoked = issue(client, world, "2026-DA-0005")
    kept_credential = fetch_credential(client, kept)
    revoked_credential = fetch_credential(client, revoked)
    before_revocation = datetime.now(UTC)
    list_url = revoked_credential["credentialStatus"]["statusListCredential"]
    assert kept_credential["credentialStatus"]["statusListCredential"] == list_url
    index = int(revoked_credential["credentialStatus"]["statusListIndex"])
    kept_index = int(kept_credential["credentialStatus"]["statusListIndex"])
    assert index != kept_index

    revoke(client, world, revoked)

    # Read-your-writes: the revocation's answer came once the views had it, so the very
    # next fetch of the list has the bit (no wait here), as the status API would.
    status_list = read_status_list_credential(fetch_list(client, list_url))
    assert len(status_list.bits) == LIST_LENGTH == 131_072
    assert status_list.bits.set_indexes() == [index]
    # The verifier that no one here wrote, given the list as the ledger serves it.
    answer = js_verify(revoked_credential, js_documents(client, revoked_credential))
    assert answer["status"] == {"checked": True, "verified": True, "revoked": True}
    answer = js_verify(kept_credential, js_documents(client, kept_credential))
    assert answer["verified"] and not answer["status"]["revoked"]
    # As it was before the revocation, from the record.
    past = read_status_list_credential(
        fetch_list(client, list_url, timestamp=before_revocation.isoformat())
    )
    assert past.bits.set_indexes() == []
    # The public list says which bit, never why.
    assert b"EB-7" not in client.get(list_url.split("8000", 1)[1]).content


def test_a_status_list_says_how_long_it_may_be_kept(client: TestClient, world: World) -> None:
    award_id = issue(client, world, "2026-DA-0006")
    signed = fetch_credential(client, award_id)
    path = "/" + signed["credentialStatus"]["statusListCredential"].split("/", 3)[3]

    now = client.get(path)
    assert now.headers["cache-control"] == "public, max-age=1, must-revalidate"
    document = orjson.loads(now.content)
    assert document["credentialSubject"]["ttl"] == 1000
    assert verifies_with_published_key(client, document | {"proof": [document["proof"]]})
    past = client.get(path, params={"timestamp": datetime.now(UTC).isoformat()})
    assert past.headers["cache-control"] == "public, max-age=86400"


def test_status_list_errors_are_problems(client: TestClient, world: World) -> None:
    award_id = issue(client, world, "2026-DA-0007")
    fetch_credential(client, award_id)

    cases = {
        "/v1/status-lists/SETU/2": 404,
        "/v1/status-lists/NOPE/1": 404,
        "/v1/status-lists/SETU/0": 422,
        "/v1/status-lists/SETU/one": 422,
        "/v1/status-lists/SETU/1?timestamp=yesterday": 422,
        "/v1/status-lists/SETU/1?timestamp="
        + (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+", "%2B"): 422,
    }
    for path, status in cases.items():
        response = client.get(path)
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json", path


def test_an_unknown_award_has_no_credential(client: TestClient, world: World) -> None:
    response = client.get("/v1/credentials/7d1e2f3a-4b5c-4d6e-8f70-812345678901/credential")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/award-not-found")


def test_a_suspended_provider_signs_nothing_new_and_its_old_credentials_still_verify(
    client: TestClient, authority: Headers, world: World
) -> None:
    signed_before = issue(client, world, "2026-DA-0008")
    unsigned = issue(client, world, "2026-DA-0009")
    old = fetch_credential(client, signed_before)

    ok(
        client.post(
            "/v1/authority/providers/SETU/suspension",
            json={"reason": "quality review", "decision_reference": "QQI/DEC/1"},
            headers=authority,
        )
    )

    refused = client.get(f"/v1/credentials/{unsigned}/credential")
    assert refused.status_code == 409
    page = client.get(f"/verify/{unsigned}").text
    assert "No signed credential is available for this award" in page
    assert refused.json()["type"].endswith("/provider-not-accredited")
    assert fetch_credential(client, signed_before) == old
    assert verifies_with_published_key(client, old)
    # Its status list is still signed and served: revocations matter most now.
    list_url = old["credentialStatus"]["statusListCredential"]
    assert read_status_list_credential(fetch_list(client, list_url)).bits.set_indexes() == []


def test_a_rotated_key_still_verifies_what_it_signed(client: TestClient, world: World) -> None:
    process = services(client)
    before = issue(client, world, "2026-DA-0010")
    old = fetch_credential(client, before)

    rotate(process.ledger, process.signing_keys, "SETU")
    after = fetch_credential(client, issue(client, world, "2026-DA-0011"))

    assert after["proof"][0]["verificationMethod"] != old["proof"][0]["verificationMethod"]
    for signed in (old, after):
        assert verifies_with_published_key(client, signed)
        answer = js_verify(signed, js_documents(client, signed))
        assert answer["verified"], answer["errors"]


def test_a_title_with_every_awkward_character_verifies_in_the_javascript_verifier(
    client: TestClient, authority: Headers, world: World
) -> None:
    title = 'Data "Science" \\ l\'analyse 🎓🇪🇺 e\u0301 العربية <b>&amp;</b> \u00a0 end'
    credential_id = accredited_credential(client, authority, world.setu, "AWK-1", title=title)
    issued = ok(
        client.post(
            world.setu.path("/awards"),
            json=award("pseudonym-0815", "2026-AWK-1", credential_id),
            headers=world.setu.headers,
        ),
        201,
    )
    signed = fetch_credential(client, issued["awards"][0]["award_id"])

    assert signed["name"] == title
    answer = js_verify(signed, js_documents(client, signed))
    assert answer["verified"], answer["errors"]


def test_each_issuer_signs_its_own_list(
    client: TestClient, authority: Headers, world: World
) -> None:
    atu_credential = accredited_credential(client, authority, world.atu, "ATU-1")
    issued = ok(
        client.post(
            world.atu.path("/awards"),
            json=award("pseudonym-0815", "ATU-2026-1", atu_credential),
            headers=world.atu.headers,
        ),
        201,
    )
    atu = fetch_credential(client, issued["awards"][0]["award_id"])
    setu = fetch_credential(client, issue(client, world, "2026-DA-0012"))

    atu_list = fetch_list(client, atu["credentialStatus"]["statusListCredential"])
    setu_list = fetch_list(client, setu["credentialStatus"]["statusListCredential"])
    assert atu_list["issuer"] == atu["issuer"]["id"] != setu_list["issuer"]
    assert atu_list["id"].endswith("/v1/status-lists/ATU/1")
    # A verifier requires the list's issuer to be the credential's: ATU's list for a SETU
    # credential is refused.
    documents = js_documents(client, setu)
    documents[setu["credentialStatus"]["statusListCredential"]] = atu_list
    assert not js_verify(setu, documents)["status"]["verified"]


def test_a_second_provider_is_unaffected_by_an_unused_one(
    client: TestClient, authority: Headers
) -> None:
    """A provider with no awards has no list (404), not an empty one."""
    accredited_provider(client, authority, "NEW")
    response = client.get("/v1/status-lists/NEW/1")
    assert response.status_code == 404


def test_a_wallet_in_a_browser_may_read_lists_and_credentials(
    client: TestClient, world: World
) -> None:
    signed = fetch_credential(client, issue(client, world, "2026-DA-0013"))
    list_path = "/" + signed["credentialStatus"]["statusListCredential"].split("/", 3)[3]
    origin = {"Origin": "https://wallet.example"}
    for path in (
        f"/v1/credentials/{signed['id'].removeprefix('urn:uuid:')}/credential",
        list_path,
        "/contexts/eu-elements/v1",
    ):
        response = client.get(path, headers=origin)
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "*", path


def test_the_europass_export_of_a_served_award_meets_the_edc_shapes(
    client: TestClient, world: World
) -> None:
    from tests.unit.credentials.test_europass import KNOWN_GAPS, shacl_violations, triples

    award_id = issue(client, world, "2026-DA-0014")
    response = client.get(f"/v1/credentials/{award_id}/europass")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    assert f'filename="europass-{award_id}.jsonld"' in response.headers["content-disposition"]
    document = orjson.loads(response.content)
    assert "EuropeanDigitalCredential" in document["type"]
    assert triples(document)  # every term defined by the EDC context (none dropped)
    assert shacl_violations(document) <= KNOWN_GAPS
    assert "pseudonym-0815" not in response.text


def test_a_downloaded_credential_is_named_for_what_it_is(client: TestClient, world: World) -> None:
    award_id = issue(client, world, "2026-DA-0015")
    response = client.get(f"/v1/credentials/{award_id}/credential")
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="micro-credential-{award_id}.json"'


def test_an_awarding_body_outside_the_eea_has_no_europass_export(
    client: TestClient, authority: Headers, world: World
) -> None:
    swiss = accredited_provider(client, authority, "EPFL", country="CH")
    credential_id = accredited_credential(client, authority, swiss, "CH-1")
    issued = ok(
        client.post(
            swiss.path("/awards"),
            json=award("pseudonym-0815", "CH-2026-1", credential_id),
            headers=swiss.headers,
        ),
        201,
    )
    response = client.get(f"/v1/credentials/{issued['awards'][0]['award_id']}/europass")
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/not-exportable")


@pytest.mark.postgres
def test_without_a_signing_secret_on_postgresql_signing_is_a_clear_503(
    postgres_database: str,
) -> None:
    from tests.conftest import new_postgres_schema

    settings = Settings(database=new_postgres_schema(postgres_database), policy=IRELAND)
    with TestClient(create_app(settings)) as bare:
        keys = bare.app.state.services.keys  # type: ignore[attr-defined]
        authority = {
            "Authorization": "Bearer "
            + keys.create(role=Role.AUTHORITY, name="r", created_by="cli:t").secret
        }
        setu = accredited_provider(bare, authority, "SETU")
        world = World(setu, setu, accredited_credential(bare, authority, setu, "DA-1"))
        award_id = issue(bare, world, "NO-SECRET-1")

        response = bare.get(f"/v1/credentials/{award_id}/credential")

        assert response.status_code == 503, response.text
        assert response.json()["type"].endswith("/signing-unavailable")
        assert "LEDGER_SIGNING_KEY_SECRET" in response.json()["detail"]
        # The page still answers, without the checks it cannot make.
        page = bare.get(f"/verify/{award_id}")
        assert page.status_code == 200
        assert 'class="checks"' not in page.text
