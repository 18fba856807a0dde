"""The read model: status (now and at a point in time), read-your-writes, provider
register, catalogue, transcripts, audit trail with filters, cursors and exports."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from ledger.application import IssueRequest, Ledger
from ledger.config import DatabaseSettings, Settings
from ledger.domain import ids
from ledger.domain.principal import Principal
from ledger.domain.values import ProviderKind, RevocationReason, StackingRule
from ledger.errors import AwardNotFound
from ledger.policy import IRELAND, RevalidationRegime, WithdrawnIssuerRule
from projections.embedded import EmbeddedProjections
from projections.follower import Follower
from projections.read import AUDIT_CSV_COLUMNS, AuditFilter, ReadModel
from projections.store import ViewStore
from tests.conftest import AUTHORITY, THE_AUTHORITY, Clock, assessment, provider_principal, spec
from tests.projections.conftest import World, make_world


def caught_up(ledger: Ledger) -> ReadModel:
    Follower(ledger).catch_up()
    return ReadModel(ledger)


# --- credential status -------------------------------------------------------------------
def test_status_says_what_the_award_certifies_and_nothing_about_the_learner(
    world: World,
) -> None:
    award = world.issue("learner-secret-42", "REF-1")
    status = caught_up(world.ledger).credential_status(award)
    assert status is not None
    assert status.status == "valid"
    assert status.title == "Data Analytics Fundamentals"
    assert status.provider_code == "P0" and status.provider_state == "accredited"
    assert status.nqf_level == 6 and status.eqf_level == 5
    assert status.workload_ects == Decimal(10)
    assert status.learning_outcomes == ("Clean a data set", "Explain a regression")
    assert status.route == "course" and status.components == ()
    assert status.micro_credential_id == world.credential_id
    assert status.issued_on == world.ledger.clock().date()
    assert status.revoked_at is None
    fields = {f.name for f in dataclasses.fields(status)}
    assert not any("learner" in f for f in fields)
    assert "learner-secret-42" not in repr(status)
    assert str(ids.learner_record_id("learner-secret-42")) not in repr(status)


def test_unknown_award_reads_none_and_batches_skip_it(world: World) -> None:
    award = world.issue("l1", "REF-1")
    read = caught_up(world.ledger)
    unknown = ids.new_award_id()
    assert read.credential_status(unknown) is None
    found = read.credential_statuses([award, unknown, award])
    assert list(found) == [award]
    with pytest.raises(ValueError, match="at most 1000"):
        read.credential_statuses([unknown] * 1001)


def test_revocation_shows_when_and_why(world: World) -> None:
    award = world.issue("l1", "REF-1")
    world.ledger.revoke_award(
        award,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="assessment fraud",
        by=THE_AUTHORITY,
    )
    status = caught_up(world.ledger).credential_status(award)
    assert status is not None
    assert status.status == "revoked"
    assert status.revocation_category == "academic_misconduct"
    assert status.revoked_by == AUTHORITY
    assert status.revoked_at is not None and status.revoked_at.tzinfo is not None


def test_expiry_is_computed_when_read(make_ledger: Callable[..., Ledger], clock: Clock) -> None:
    ledger = make_ledger(dataclasses.replace(IRELAND, award_validity_years=1))
    world = make_world(ledger)
    award = world.issue("l1", "REF-1")
    read = caught_up(ledger)
    status = read.credential_status(award)
    assert status is not None and status.status == "valid"
    assert (
        status.expires_on
        == date(status.issued_on.year + 1, status.issued_on.month, status.issued_on.day)
        or status.expires_on
    )
    clock.advance(timedelta(days=370))
    status = read.credential_status(award)
    assert status is not None and status.status == "expired"
    assert ledger.award_status(award).status.value == "expired"


@pytest.mark.parametrize("rule", list(WithdrawnIssuerRule))
def test_withdrawn_issuer_follows_the_national_policy(
    make_ledger: Callable[..., Ledger], rule: WithdrawnIssuerRule
) -> None:
    ledger = make_ledger(dataclasses.replace(IRELAND, withdrawn_issuer=rule))
    world = make_world(ledger)
    award = world.issue("l1", "REF-1")
    ledger.withdraw_provider(
        world.provider_id, reason="closed", decision_reference="W-9", by=THE_AUTHORITY
    )
    status = caught_up(ledger).credential_status(award)
    assert status is not None and status.provider_state == "withdrawn"
    expected = "issuer_withdrawn" if rule is WithdrawnIssuerRule.FLAG_ISSUER_WITHDRAWN else "valid"
    assert status.status == expected == ledger.award_status(award).status.value


# --- point in time -----------------------------------------------------------------------
def test_point_in_time_status_before_and_after_a_revocation(world: World) -> None:
    # Events carry the real time they were recorded at.
    ledger = world.ledger
    before_issue = datetime.now(UTC)
    time.sleep(0.01)
    award = world.issue("l1", "REF-1")
    time.sleep(0.01)
    hired = datetime.now(UTC)
    time.sleep(0.01)
    ledger.revoke_award(
        award,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="fraud",
        by=THE_AUTHORITY,
    )
    time.sleep(0.01)
    read = caught_up(ledger)

    issued_on = ledger.award_status(award).award.issued_on
    day_before = datetime.combine(issued_on, datetime.min.time(), UTC) - timedelta(seconds=1)
    assert read.credential_status_at(award, day_before).status == "not_yet_issued"
    # an award is issued on a day: earlier that day it was issued already
    assert read.credential_status_at(award, before_issue).status == "valid"
    on_the_day = read.credential_status_at(award, hired)
    assert on_the_day.status == "valid"
    assert on_the_day.revoked_at is None and on_the_day.revocation_category is None
    assert on_the_day.as_of == hired
    after = read.credential_status_at(award, datetime.now(UTC))
    assert after.status == "revoked" and after.revocation_category == "academic_misconduct"
    current = read.credential_status(award)
    assert current is not None and current.status == "revoked"
    with pytest.raises(AwardNotFound):
        read.credential_status_at(ids.new_award_id(), hired)


# --- read-your-writes --------------------------------------------------------------------
def test_read_your_writes_revoke_then_status_reads_revoked(world: World) -> None:
    ledger = world.ledger
    award = world.issue("l1", "REF-1")
    store = ViewStore(ledger)  # shared: the waiting reader and the follower wake each other
    read = ReadModel(ledger, store=store)
    # Only a wake-up can bring news (the follower's poll is far off).
    with EmbeddedProjections(ledger, poll_interval=30, store=store):
        issued_at = ledger.issue_award(
            provider_id=world.provider_id,
            request=IssueRequest("l2", world.credential_id, "REF-2", assessment()),
            by=provider_principal(world.provider_id, "provider:P0:key-1"),
        ).position
        assert read.wait_for(issued_at, timeout=10)
        receipt = ledger.revoke_award(
            award,
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="fraud",
            by=THE_AUTHORITY,
        )
        assert receipt.position is not None
        assert read.wait_for(receipt.position, timeout=10, views=["credential_status"])
        status = read.credential_status(award)
        assert status is not None and status.status == "revoked"
    assert read.wait_for(None)


def test_wait_for_times_out_without_a_follower(world: World) -> None:
    read = ReadModel(world.ledger)
    assert read.wait_for(read.log_position(), timeout=0.05) is False


def test_a_separate_ledger_instance_wakes_by_polling(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    world = make_world(ledger)
    writer = make_ledger()  # another process's ledger: no in-process wake-up reaches us
    with EmbeddedProjections(ledger, poll_interval=0.05):
        receipt = writer.issue_award(
            provider_id=world.provider_id,
            request=IssueRequest("l9", world.credential_id, "REF-9", assessment()),
            by=provider_principal(world.provider_id, "provider:P0:key-1"),
        )
        assert ReadModel(ledger).wait_for(receipt.position, timeout=10)


# --- providers and catalogue -------------------------------------------------------------
def test_provider_register(world: World) -> None:
    ledger = world.ledger
    ledger.suspend_provider(
        world.provider_id, reason="audit", decision_reference="S-1", by=THE_AUTHORITY
    )
    other = make_world(ledger, "Q1")
    ledger.register_provider(
        code="W1",
        name="With Web",
        country="IE",
        kind=ProviderKind.OTHER,
        by=THE_AUTHORITY,
        website="https://w1.example",
    )
    read = caught_up(ledger)
    web = read.provider_by_code("W1")
    assert web is not None and web.website == "https://w1.example" and web.state == "registered"
    entry = read.provider(world.provider_id)
    assert entry is not None
    assert entry.state == "suspended" and entry.status_reason == "audit"
    assert entry.decision_reference == "S-1" and not entry.accredited_now
    assert entry.scope_levels == (5, 6, 7) and "0688 ICT" in entry.scope_fields
    assert read.provider_by_code("q1") == read.provider(other.provider_id)
    page = read.providers(limit=1)
    assert page.total == 3 and page.next_offset == 1 and [p.code for p in page.items] == ["P0"]
    assert [p.code for p in read.providers(offset=1).items] == ["Q1", "W1"]
    assert [p.code for p in read.providers(state="accredited").items] == ["Q1"]


def test_catalogue_search_state_and_pagination(make_ledger: Callable[..., Ledger]) -> None:
    from ledger.policy import FINLAND

    ledger = make_ledger(FINLAND)
    world = make_world(ledger)
    for n, (title, level, field) in enumerate(
        [
            ("Cloud Security", 5, "0688 ICT"),
            ("Lean Management", 7, "0413 Management"),
            ("Cloud Costs", 6, "0413 Management"),
        ]
    ):
        cid = ledger.define_micro_credential(
            provider_id=world.provider_id,
            code=f"C{n}",
            specification=spec(title=title, nqf_level=level, field_of_study=field),
            by=provider_principal(world.provider_id, "provider:P0"),
        ).aggregate_id
        if n == 0:
            ledger.accredit_micro_credential(cid, decision_reference="A", by=THE_AUTHORITY)
    ledger.change_assessment_method(
        world.credential_id,
        assessment_type="oral exam",
        reason="new board",
        by=provider_principal(world.provider_id, "provider:P0"),
    )
    read = caught_up(ledger)
    assert read.catalogue().total == 4
    cloud = read.catalogue(text="CLOUD")
    assert [e.title for e in cloud.items] == ["Cloud Costs", "Cloud Security"]
    assert [e.title for e in read.catalogue(text="cloud sec").items] == ["Cloud Security"]
    assert [e.title for e in read.catalogue(level=7).items] == ["Lean Management"]
    assert read.catalogue(field_of_study="0413 Management").total == 2
    assert read.catalogue(text="regression").total == 4  # learning outcomes are searched
    assert read.catalogue(text="oral").total == 1  # the new assessment method too
    assert read.catalogue(text="50%").total == 0
    changed = read.micro_credential(world.credential_id)
    assert changed is not None
    assert changed.state == "revalidation_required" and changed.review_flagged
    assert changed.assessment_type == "oral exam"
    assert [e.title for e in read.catalogue(state="defined").items] == [
        "Cloud Costs",
        "Lean Management",
    ]
    first = read.catalogue(limit=3)
    assert first.next_offset == 3 and len(first.items) == 3
    rest = read.catalogue(offset=3, limit=3)
    assert rest.next_offset is None and len(rest.items) == 1
    assert read.catalogue(provider_id=world.provider_id).total == 4
    assert FINLAND.revalidation is RevalidationRegime.FLEXIBLE


# --- transcripts -------------------------------------------------------------------------
def test_transcript_with_stacking_and_prior_learning(world: World) -> None:
    ledger = world.ledger
    second = ledger.define_micro_credential(
        provider_id=world.provider_id,
        code="DA-102",
        specification=spec(title="Data Viz"),
        by=provider_principal(world.provider_id, "provider:P0"),
    ).aggregate_id
    ledger.accredit_micro_credential(second, decision_reference="MC-2", by=THE_AUTHORITY)
    target = ledger.define_micro_credential(
        provider_id=world.provider_id,
        code="DA-CERT",
        specification=spec(title="Data Certificate", workload_ects=Decimal(20)),
        stacking_rule=StackingRule((world.credential_id, second), Decimal(20)),
        by=provider_principal(world.provider_id, "provider:P0"),
    ).aggregate_id
    ledger.accredit_micro_credential(target, decision_reference="MC-3", by=THE_AUTHORITY)
    first = world.issue("anna", "A-1")
    rpl = (
        ledger.recognise_prior_learning(
            provider_id=world.provider_id,
            request=IssueRequest("anna", second, "A-2", assessment()),
            evidence="ten years of dashboards",
            by=provider_principal(world.provider_id, "provider:P0"),
        )
        .awards[0]
        .award_id
    )
    stacked = (
        ledger.stack_awards(
            provider_id=world.provider_id,
            learner_id="anna",
            target_credential_id=target,
            component_award_ids=[first, rpl],
            provider_reference="A-3",
            by=provider_principal(world.provider_id, "provider:P0"),
        )
        .awards[0]
        .award_id
    )
    ledger.record_personal_data(
        "anna", {"name": "Anna Example"}, by=provider_principal(world.provider_id, "provider:P0")
    )
    read = caught_up(ledger)
    transcript = read.transcript("anna")
    assert transcript is not None
    assert transcript.learner_id == "anna" and transcript.personal_data_recorded
    assert [a.award_id for a in transcript.awards] == [first, rpl, stacked]
    assert [a.award_id for a in transcript.prior_learning] == [rpl]
    assert transcript.prior_learning[0].evidence == "ten years of dashboards"
    assert transcript.stacked[0].components == (first, rpl)
    assert transcript.awards[0].assessment is not None
    assert transcript.awards[0].assessment["result"] == "pass"
    assert all(a.status == "valid" for a in transcript.awards)
    status = read.credential_status(stacked)
    assert status is not None and status.route == "stacked" and status.components == (first, rpl)
    assert "Anna Example" not in repr(transcript)
    assert read.transcript("nobody") is None

    ledger.erase_learner("anna", reason="GDPR art. 17", by=THE_AUTHORITY)
    ledger.revoke_award(
        first,
        category=RevocationReason.ISSUED_IN_ERROR,
        note="error",
        by=THE_AUTHORITY,
    )
    after = caught_up(ledger).transcript("anna")
    assert after is not None and after.personal_data_erased and not after.personal_data_recorded
    assert after.awards[0].status == "revoked"
    assert (after.awards[0].revocation_category, after.awards[0].revocation_note) == (
        "issued_in_error",
        "error",
    )


# --- audit trail -------------------------------------------------------------------------
def test_audit_holds_every_event_with_its_actor_in_order(world: World) -> None:
    ledger = world.ledger
    award = world.issue("l1", "REF-1")
    ledger.revoke_award(
        award,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="fraud",
        by=Principal.authority("authority:inspector"),
    )
    ledger.record_personal_data(
        "l1", {"name": "Mary Murphy"}, by=provider_principal(world.provider_id, "provider:P0:key-1")
    )
    read = caught_up(ledger)
    entries = list(read.iter_audit(batch=2))
    log = ledger.recorder.select_notifications(1, 10_000)
    assert [e.position for e in entries] == [n.id for n in log]
    for entry, notification in zip(entries, log, strict=True):
        event = ledger.mapper.to_domain_event(notification)
        assert entry.actor == event.actor and entry.actor
        assert entry.aggregate_id == notification.originator_id
        assert entry.aggregate_version == notification.originator_version
        assert entry.timestamp == event.timestamp
        assert entry.event_type == type(event).__qualname__
    revoked = [e for e in entries if e.event_type == "LearnerRecord.AwardRevoked"]
    assert len(revoked) == 1
    assert revoked[0].reason == "academic_misconduct: fraud" and revoked[0].award_id == award
    assert revoked[0].provider_id == world.provider_id
    assert revoked[0].data["award_id"] == str(award) and revoked[0].data["note"] == "fraud"
    accredited = next(e for e in entries if e.event_type == "Provider.Accredited")
    assert accredited.decision_reference == "ACC-P0"
    assert accredited.data["scope"]["levels"] == [5, 6, 7]
    personal = next(e for e in entries if e.event_type == "LearnerRecord.PersonalDataRecorded")
    assert isinstance(personal.data["ciphertext"], str)
    assert "Mary" not in json.dumps([e.to_json() for e in entries])


def test_audit_filters_and_cursor_pagination(world: World) -> None:
    ledger = world.ledger
    other = make_world(ledger, "Q1")
    time.sleep(0.01)
    start = datetime.now(UTC)  # events carry the real time they were recorded at
    awards = [world.issue(f"l{n}", f"REF-{n}") for n in range(5)]
    time.sleep(0.01)
    middle = datetime.now(UTC)
    ledger.revoke_award(
        awards[0],
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note="fraud",
        by=Principal.authority("authority:inspector"),
    )
    read = caught_up(ledger)

    everything = list(read.iter_audit())
    pages, after = [], 0
    while True:
        page = read.audit(after=after, limit=4)
        pages.extend(page.entries)
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == everything

    def types(f: AuditFilter) -> list[str]:
        return [e.event_type for e in read.iter_audit(f)]

    assert types(AuditFilter(actor="authority:inspector")) == ["LearnerRecord.AwardRevoked"]
    assert types(AuditFilter(event_type="AwardRevoked")) == ["LearnerRecord.AwardRevoked"]
    assert types(AuditFilter(event_type="Provider.Registered")) == ["Provider.Registered"] * 2
    assert len(types(AuditFilter(event_type="Accredited"))) == 4
    assert types(AuditFilter(award_id=awards[0])) == [
        "LearnerRecord.AwardIssued",
        "LearnerRecord.AwardRevoked",
    ]
    assert types(AuditFilter(aggregate_id=other.provider_id)) == [
        "Provider.Registered",
        "Provider.Accredited",
    ]
    mine = read.iter_audit(AuditFilter(provider_id=other.provider_id))
    assert [e.event_type for e in mine] == [
        "Provider.Registered",
        "Provider.Accredited",
        "MicroCredential.Defined",
        "MicroCredential.Accredited",
    ]
    issued = types(AuditFilter(provider_id=world.provider_id, since=start, until=middle))
    assert (
        issued.count("LearnerRecord.AwardIssued") == 5
        and "LearnerRecord.AwardRevoked" not in issued
    )
    assert types(AuditFilter(since=middle)) == ["LearnerRecord.AwardRevoked"]
    assert types(AuditFilter(until=start)) == [e.event_type for e in everything[:8]]
    assert (
        types(AuditFilter(aggregate_type="MicroCredential"))
        == ["MicroCredential.Defined", "MicroCredential.Accredited"] * 2
    )


def test_audit_exports_as_json_lines_and_csv(world: World) -> None:
    ledger = world.ledger
    award = world.issue("l1", "REF-1")
    ledger.revoke_award(
        award,
        category=RevocationReason.ACADEMIC_MISCONDUCT,
        note='fraud, "copied", again',
        by=Principal.authority("authority:ó"),
    )
    read = caught_up(ledger)
    entries = list(read.iter_audit())

    lines = list(read.audit_jsonl())
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    parsed = [json.loads(line) for line in lines]
    assert [p["position"] for p in parsed] == [e.position for e in entries]
    assert parsed[-1]["reason"] == 'academic_misconduct: fraud, "copied", again'
    assert datetime.fromisoformat(parsed[0]["timestamp"]).tzinfo is not None

    text = "".join(read.audit_csv())
    text.encode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == AUDIT_CSV_COLUMNS
    assert len(rows) == len(entries) + 1
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert last["reason"] == 'academic_misconduct: fraud, "copied", again'
    assert last["actor"] == "authority:ó"
    assert last["decision_reference"] == ""
    assert datetime.fromisoformat(last["timestamp"]).astimezone(UTC) == entries[-1].timestamp
    assert json.loads(last["data"])["award_id"] == str(award)
    only = list(read.audit_csv(AuditFilter(award_id=award)))
    assert len(only) == 3  # header, issued, revoked


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # SQLite followers poll
def test_postgres_wakes_the_follower_on_notify(
    make_ledger: Callable[..., Ledger], database: DatabaseSettings
) -> None:
    assert database.is_postgres
    ledger = make_ledger()
    world = make_world(ledger)
    writer = make_ledger()  # another process's ledger: only NOTIFY can wake the follower
    with EmbeddedProjections(ledger, poll_interval=60):
        read = ReadModel(ledger)
        assert read.wait_for(read.log_position(), timeout=10)
        time.sleep(0.3)  # the follower is now asleep until woken
        started = time.monotonic()
        receipt = writer.issue_award(
            provider_id=world.provider_id,
            request=IssueRequest("l9", world.credential_id, "REF-9", assessment()),
            by=provider_principal(world.provider_id, "provider:P0:key-1"),
        )
        assert receipt.position is not None
        # Only watch (wait_for would wake the in-process follower itself).
        while min(read.positions().values()) < receipt.position:
            assert time.monotonic() - started < 5, "the follower was not woken by NOTIFY"
            time.sleep(0.01)


class ReversedBytes(Cipher):
    """A stand-in cipher (eventsourcing's AES needs pycryptodome, not a dependency):
    enough that the stored state is not the JSON."""

    def __init__(self, environment: Environment) -> None:
        pass

    def encrypt(self, plaintext: bytes) -> bytes:
        return plaintext[::-1]

    def decrypt(self, ciphertext: bytes) -> bytes:
        return ciphertext[::-1]


def test_audit_data_is_read_from_a_compressed_and_enciphered_log(
    database: DatabaseSettings, clock: Clock
) -> None:
    env = {
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        "CIPHER_TOPIC": f"{__name__}:ReversedBytes",
    }
    ledger = Ledger(Settings(database=database, policy=IRELAND), clock=clock, env=env)
    try:
        world = make_world(ledger)
        award = world.issue("l1", "REF-1")
        ledger.revoke_award(
            award,
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="fraud",
            by=Principal.authority("authority:inspector"),
        )
        stored = ledger.recorder.select_notifications(1, 10_000)[-1].state
        with pytest.raises(orjson.JSONDecodeError):  # the log does not hold plain JSON
            orjson.loads(stored)
        entries = list(caught_up(ledger).iter_audit())
        assert len(entries) == len(ledger.recorder.select_notifications(1, 10_000))
        revoked = entries[-1]
        assert revoked.event_type == "LearnerRecord.AwardRevoked"
        assert revoked.data["award_id"] == str(award) and revoked.data["note"] == "fraud"
    finally:
        ledger.close()
