"""The whole story through HTTP, as the three audiences live it, on SQLite and PostgreSQL."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Headers,
    accredited_credential,
    accredited_provider,
    award,
    ok,
)


def test_from_accreditation_to_revocation_revalidation_stacking_and_audit(
    client: TestClient, authority: Headers
) -> None:
    # The authority registers and accredits a provider and issues its key.
    setu = accredited_provider(client, authority, "SETU")

    # The provider defines a micro-credential; the authority accredits it.
    credential_id = accredited_credential(client, authority, setu, "DA-101")

    # The provider issues a batch.
    batch = [award(f"learner-{i}", f"2026-DA-{i:04d}", credential_id) for i in range(5)]
    issued = ok(
        client.post(setu.path("/awards:batch"), json={"awards": batch}, headers=setu.headers), 201
    )
    award_ids = [a["award_id"] for a in issued["awards"]]
    assert len(award_ids) == 5 and all(a["created"] for a in issued["awards"])

    # An employer sees them valid, and what they certify, without any key.
    for award_id in award_ids:
        status = ok(client.get(f"/v1/credentials/{award_id}/status"))
        assert status["status"] == "valid"
        assert status["credential"]["title"] == "Data Analytics Fundamentals"
        assert status["issuer"]["code"] == "SETU"
        assert status["issuer"]["accreditation_state"] == "accredited"

    # The provider revokes one; the employer checking right after sees it revoked.
    revoked_id = award_ids[0]
    revocation = client.post(
        setu.path(f"/awards/{revoked_id}/revocation"),
        json={"category": "academic_misconduct", "note": "assessment found to be plagiarised"},
        headers=setu.headers,
    )
    ok(revocation)
    assert int(revocation.headers["Ledger-Position"]) > 0
    status = ok(client.get(f"/v1/credentials/{revoked_id}/status"))
    assert status["status"] == "revoked"
    assert status["revocation_category"] == "academic_misconduct"
    assert "plagiarised" not in orjson.dumps(status).decode()
    assert status["revoked_at"] is not None
    assert ok(client.get(f"/v1/credentials/{award_ids[1]}/status"))["status"] == "valid"

    # The provider changes the assessment method: under the strict (Irish) policy
    # nothing new is issued until the authority revalidates.
    ok(
        client.post(
            setu.path(f"/micro-credentials/{credential_id}/assessment-method"),
            json={"assessment_type": "written examination", "reason": "new exam board rules"},
            headers=setu.headers,
        )
    )
    exam = award("learner-9", "2026-DA-0009", credential_id)
    exam["assessment"]["method"] = "written examination"
    refused = client.post(setu.path("/awards"), json=exam, headers=setu.headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/revalidation-required")
    # Awards issued before the change stay valid.
    assert ok(client.get(f"/v1/credentials/{award_ids[1]}/status"))["status"] == "valid"

    ok(
        client.post(
            f"/v1/authority/micro-credentials/{credential_id}/revalidation",
            json={"decision_reference": "QQI/VAL/2026/231"},
            headers=authority,
        )
    )
    ok(client.post(setu.path("/awards"), json=exam, headers=setu.headers), 201)

    # Awards stack: two valid 10-ECTS awards of one learner make a 20-ECTS credential.
    second_id = accredited_credential(client, authority, setu, "ML-102", title="Machine Learning")
    stacked_rule = {"required_components": [credential_id, second_id], "min_total_ects": 20}
    defined = ok(
        client.post(
            setu.path("/micro-credentials"),
            json={
                "code": "DS-CERT",
                "specification": {
                    "title": "Certificate in Data Science",
                    "learning_outcomes": ["Deliver a data science project"],
                    "workload_ects": 20,
                    "assessment_type": "portfolio",
                    "participation_form": "blended",
                    "quality_assurance": "QQI validated programme",
                    "field_of_study": "0688 ICT",
                    "nqf_level": 7,
                },
                "stacking_rule": stacked_rule,
            },
            headers=setu.headers,
        ),
        201,
    )
    target_id = defined["micro_credential_id"]
    ok(
        client.post(
            f"/v1/authority/micro-credentials/{target_id}/accreditation",
            json={"decision_reference": "QQI/VAL/DS-CERT"},
            headers=authority,
        )
    )
    ml = award("learner-1", "2026-ML-0001", second_id)
    ml_id = ok(client.post(setu.path("/awards"), json=ml, headers=setu.headers), 201)["awards"][0][
        "award_id"
    ]
    stacked = ok(
        client.post(
            setu.path("/stacked-awards"),
            json={
                "learner_id": "learner-1",
                "target_micro_credential_id": target_id,
                "component_award_ids": [award_ids[1], ml_id],
                "provider_reference": "2026-DS-0001",
            },
            headers=setu.headers,
        ),
        201,
    )
    stacked_id = stacked["awards"][0]["award_id"]
    stacked_status = ok(client.get(f"/v1/credentials/{stacked_id}/status"))
    assert stacked_status["status"] == "valid"
    assert stacked_status["route"] == "stacked"
    assert stacked_status["credential"]["workload_ects"] == 20

    # The audit trail shows every step with its actor.
    entries = []
    after = 0
    while True:
        page = ok(
            client.get(
                "/v1/authority/audit", params={"after": after, "limit": 10}, headers=authority
            )
        )
        entries.extend(page["entries"])
        if page["next_after"] is None:
            break
        after = page["next_after"]
    steps = [(e["event_type"], e["actor"]) for e in entries]
    provider_actor = f"provider:SETU:{setu.key_id}"
    expected_in_order = [
        ("Provider.Registered", "authority:registrar"),
        ("Provider.Accredited", "authority:registrar"),
        ("MicroCredential.Defined", provider_actor),
        ("MicroCredential.Accredited", "authority:registrar"),
        ("LearnerRecord.AwardIssued", provider_actor),
        ("LearnerRecord.AwardRevoked", provider_actor),
        ("MicroCredential.AssessmentMethodChanged", provider_actor),
        ("MicroCredential.Revalidated", "authority:registrar"),
        ("LearnerRecord.AwardsStacked", provider_actor),
    ]
    remaining = iter(steps)
    for step in expected_in_order:
        assert step in remaining, f"{step} missing or out of order in {steps}"
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    assert all(e["actor"] for e in entries)
    revocation_entry = next(e for e in entries if e["event_type"] == "LearnerRecord.AwardRevoked")
    assert revocation_entry["reason"] == "academic_misconduct: assessment found to be plagiarised"
