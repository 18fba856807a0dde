"""A small demo country, written through the `Ledger` use cases like any real client.

`seed_demo` is idempotent: every step first looks at what the ledger already holds
(providers and credentials have deterministic ids, awards are named by the provider's
own reference), so running it twice writes nothing new and reports the same ids, and
running it again with more awards only adds the missing ones.

The demo holds an authority, four providers of different kinds, micro-credentials
across levels and fields, learners (with encrypted personal data for one of them),
awards in batches, one revocation, one stacked credential and one revalidation after
an assessment-method change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from ledger import errors
from ledger.application import IssueRequest, Ledger
from ledger.domain import ids
from ledger.domain.learner_record import LearnerRecord
from ledger.domain.micro_credential import CredentialState
from ledger.domain.principal import Principal
from ledger.domain.provider import ProviderState
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    AssessmentSetting,
    CredentialSpecification,
    ParticipationForm,
    ProviderKind,
    RevocationReason,
    StackingRule,
    Supervision,
)

AUTHORITY_ACTOR = "authority:demo-seed"
AUTHORITY = Principal.authority(AUTHORITY_ACTOR)
DEFAULT_AWARDS = 30
BATCH_SIZE = 500

# Irish NQF level for an EQF level (the Irish framework has ten levels); other
# policies use the EQF level as their national level.
_IRISH_NQF = {1: 1, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 9, 8: 10}


@dataclass(frozen=True)
class DemoProvider:
    code: str
    name: str
    kind: ProviderKind
    eqf_levels: tuple[int, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DemoCredential:
    provider: str
    code: str
    title: str
    outcomes: tuple[str, ...]
    ects: int
    assessment: str
    participation: ParticipationForm
    quality_assurance: str
    field_of_study: str
    eqf_level: int
    supervision: Supervision | None = None
    stackability: str | None = None


# ESCO skills the demo tags outcomes with (issue 18, item 7): URIs of ESCO's form. The
# first is ESCO's "use spreadsheets software"; the others only look like ESCO's.
SPREADSHEETS = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
DEMO_SKILLS: dict[str, tuple[tuple[str, ...], ...]] = {
    "DATA-101": (
        (SPREADSHEETS, "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"),
        ("http://data.europa.eu/esco/skill/3b0d6a53-4fc1-4a2e-a0b4-8d2b3b7cfd1e",),
    ),
    "PY-102": (("http://data.europa.eu/esco/skill/1a2f4c6e-8b0d-4f2a-9c4e-6b8d0f2a4c6e",),),
    "HACCP-2": ((), ("http://data.europa.eu/esco/skill/5e7a9c1b-3d5f-4a7c-9e1b-3d5f7a9c1b3d",)),
}
"""The ESCO skills of the demo's credentials' outcomes, by credential code."""

PROVIDERS = (
    DemoProvider(
        "SETU",
        "South East Technological University",
        ProviderKind.UNIVERSITY,
        (5, 6, 7),
        ("0613 Software and applications development", "0413 Management and administration"),
    ),
    DemoProvider(
        "CETB",
        "Coastal Education and Training Board",
        ProviderKind.VET_SCHOOL,
        (3, 4, 5),
        ("0732 Building and civil engineering", "1013 Hotel, restaurants and catering"),
    ),
    DemoProvider(
        "GRIDSKILLS",
        "GridSkills Training Ltd",
        ProviderKind.TRAINING_COMPANY,
        (4, 5),
        ("0713 Electricity and energy",),
    ),
    DemoProvider(
        "NURSEBOARD",
        "Board of Nursing Practice",
        ProviderKind.PROFESSIONAL_BODY,
        (6, 7),
        ("0913 Nursing and midwifery",),
    ),
)

CREDENTIALS = (
    DemoCredential(
        "SETU",
        "DATA-101",
        "Data Analytics Fundamentals",
        ("Clean and join tabular data sets", "Explain a linear regression to a non-specialist"),
        10,
        "practical project",
        ParticipationForm.BLENDED,
        "Programme validated by the national QA authority; internal QA of SETU",
        "0613 Software and applications development",
        5,
        Supervision.SUPERVISED_WITH_ID_CHECK,
        "Stackable towards the Certificate in Applied Data Science",
    ),
    DemoCredential(
        "SETU",
        "PY-102",
        "Python for Data Work",
        ("Write tested Python scripts", "Automate a data pipeline"),
        10,
        "portfolio review",
        ParticipationForm.ONLINE,
        "Programme validated by the national QA authority; internal QA of SETU",
        "0613 Software and applications development",
        5,
        Supervision.UNSUPERVISED,
        "Stackable towards the Certificate in Applied Data Science",
    ),
    DemoCredential(
        "SETU",
        "LEAD-201",
        "Leading Hybrid Teams",
        ("Plan work across remote and onsite staff", "Run a structured feedback conversation"),
        5,
        "reflective essay",
        ParticipationForm.ONLINE,
        "Programme validated by the national QA authority; internal QA of SETU",
        "0413 Management and administration",
        6,
    ),
    DemoCredential(
        "CETB",
        "SITE-SAFE",
        "Construction Site Safety",
        ("Identify hazards on a building site", "Apply safe manual handling"),
        5,
        "written exam",
        ParticipationForm.ONSITE,
        "ETB quality assurance procedures approved by the national QA authority",
        "0732 Building and civil engineering",
        3,
        Supervision.SUPERVISED_WITH_ID_CHECK,
    ),
    DemoCredential(
        "CETB",
        "HACCP-2",
        "Food Safety and HACCP",
        ("Apply HACCP principles in a commercial kitchen", "Keep food safety records"),
        5,
        "practical demonstration",
        ParticipationForm.ONSITE,
        "ETB quality assurance procedures approved by the national QA authority",
        "1013 Hotel, restaurants and catering",
        4,
    ),
    DemoCredential(
        "GRIDSKILLS",
        "HEATPUMP",
        "Heat Pump Installation",
        ("Size a domestic heat pump system", "Commission and hand over an installation"),
        15,
        "practical demonstration",
        ParticipationForm.BLENDED,
        "Accredited by the national QA authority; external examiner",
        "0713 Electricity and energy",
        4,
        Supervision.SUPERVISED_WITH_ID_CHECK,
    ),
    DemoCredential(
        "NURSEBOARD",
        "WOUND-CARE",
        "Advanced Wound Care",
        ("Assess chronic wounds", "Choose and justify a dressing plan"),
        10,
        "clinical competence assessment",
        ParticipationForm.BLENDED,
        "Professional body standards recognised by the national QA authority",
        "0913 Nursing and midwifery",
        6,
        Supervision.SUPERVISED_WITH_ID_CHECK,
    ),
)

STACKED = DemoCredential(
    "SETU",
    "CERT-ADS",
    "Certificate in Applied Data Science",
    ("Deliver an end-to-end data analysis with reproducible code",),
    20,
    "stacking of component micro-credentials",
    ParticipationForm.BLENDED,
    "Programme validated by the national QA authority; internal QA of SETU",
    "0613 Software and applications development",
    5,
    stackability="Built from Data Analytics Fundamentals and Python for Data Work",
)

MIN_AWARDS = 3 * len(CREDENTIALS)
REVALIDATED = ("CETB", "SITE-SAFE")
NEW_ASSESSMENT = "practical site assessment"
# The category is public; the note (with the case number) only the provider and the
# authority see.
REVOCATION_CATEGORY = RevocationReason.ACADEMIC_MISCONDUCT
REVOCATION_NOTE = (
    "Assessment result annulled after an academic integrity investigation (case AI-2026-014)"
)


@dataclass(frozen=True)
class DemoSummary:
    providers: int
    micro_credentials: int
    learners: int
    awards: int
    created: int
    valid_award: UUID
    revoked_award: UUID
    stacked_award: UUID
    revalidated_award: UUID
    revalidated_credential: UUID
    learner_with_personal_data: str


def provider_id(code: str) -> UUID:
    return ids.provider_id(code)


def credential_id(provider_code: str, code: str) -> UUID:
    return ids.micro_credential_id(provider_id(provider_code), code)


def learner_id(index: int) -> str:
    return f"DEMO-L{index:07d}"


def award_reference(index: int) -> str:
    return f"DEMO-{index:08d}"


def award_id(ledger: Ledger, provider_code: str, reference: str) -> UUID:
    """The id the ledger gave the demo's award with this reference (ids are random)."""
    found = ledger.find_award(provider_id(provider_code), reference)
    if found is None:
        msg = f"the demo has no award {reference} of {provider_code}"
        raise LookupError(msg)
    return found


def seed_demo(
    ledger: Ledger,
    *,
    awards: int = DEFAULT_AWARDS,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Write the demo country into ``ledger``. ``progress`` is called with the number
    of awards handled after every batch."""
    if awards < MIN_AWARDS:
        msg = (
            f"the demo needs at least {MIN_AWARDS} awards "
            "(three learners, one award per micro-credential each)"
        )
        raise ValueError(msg)
    batch_size = max(1, min(batch_size, ledger.policy.max_batch_size))
    today = ledger.clock().date()
    for provider in PROVIDERS:
        _ensure_provider(ledger, provider, today)
    for credential in CREDENTIALS:
        _ensure_credential(ledger, credential)

    created = 0
    for batch_provider, batch in _batches(ledger, awards, batch_size, today):
        receipt = ledger.issue_awards(
            provider_id=provider_id(batch_provider), requests=batch, by=_as_provider(batch_provider)
        )
        created += sum(1 for a in receipt.awards if a.created)
        if progress is not None:
            progress(len(batch))

    revoked = _ensure_revocation(ledger)
    stacked, stack_created = _ensure_stack(ledger, today)
    revalidated, reval_created = _ensure_revalidation(ledger, today)
    personal = _ensure_personal_data(ledger)
    return DemoSummary(
        providers=len(PROVIDERS),
        micro_credentials=len(CREDENTIALS) + 1,
        learners=_learner_count(awards),
        awards=awards + 2,
        created=created + stack_created + reval_created,
        valid_award=award_id(ledger, CREDENTIALS[0].provider, award_reference(0)),
        revoked_award=revoked,
        stacked_award=stacked,
        revalidated_award=revalidated,
        revalidated_credential=credential_id(*REVALIDATED),
        learner_with_personal_data=personal,
    )


# --- steps ------------------------------------------------------------------------------
def _as_provider(provider_code: str) -> Principal:
    return Principal.provider(f"provider:{provider_code}:demo-seed", provider_id(provider_code))


def _levels(eqf: int, ledger: Ledger) -> tuple[int, int]:
    """(national level, EQF level) under the ledger's policy."""
    nqf = _IRISH_NQF[eqf] if ledger.policy.name == "ireland" else eqf
    return nqf, eqf


def _ensure_provider(ledger: Ledger, demo: DemoProvider, today: date) -> None:
    pid = provider_id(demo.code)
    try:
        provider = ledger.get_provider(pid)
    except errors.ProviderNotFound:
        ledger.register_provider(
            code=demo.code,
            name=demo.name,
            country=ledger.policy.country,
            kind=demo.kind,
            by=AUTHORITY,
        )
        provider = ledger.get_provider(pid)
    if provider.state is ProviderState.REGISTERED:
        levels = tuple(sorted({_levels(eqf, ledger)[0] for eqf in demo.eqf_levels}))
        ledger.accredit_provider(
            pid,
            scope=AccreditationScope(levels=levels, fields=demo.fields),
            valid_until=today.replace(year=today.year + 5, day=min(today.day, 28)),
            decision_reference=f"ACC-{today.year}-{demo.code}",
            by=AUTHORITY,
            effective_on=_accredited_since(today),
        )


def _accredited_since(today: date) -> date:
    """The demo's providers and credentials were accredited before its awards were issued
    (awards go back as far as the policy lets a provider date them)."""
    return today - timedelta(days=2 * 365)


def _specification(ledger: Ledger, demo: DemoCredential) -> CredentialSpecification:
    nqf, eqf = _levels(demo.eqf_level, ledger)
    return CredentialSpecification(
        title=demo.title,
        learning_outcomes=demo.outcomes,
        workload_ects=Decimal(demo.ects),
        assessment_type=demo.assessment,
        participation_form=demo.participation,
        quality_assurance=demo.quality_assurance,
        field_of_study=demo.field_of_study,
        nqf_level=nqf,
        eqf_level=eqf,
        supervision=demo.supervision,
        assessment_setting=(
            AssessmentSetting.ONLINE
            if demo.participation is ParticipationForm.ONLINE
            else AssessmentSetting.ONSITE
        ),
        stackability=demo.stackability or "Stand-alone",
        further_information=f"Demo data: {demo.provider} {demo.code}",
        language="en",
        esco_skills=DEMO_SKILLS.get(demo.code, ()),
    )


def _ensure_credential(
    ledger: Ledger, demo: DemoCredential, stacking_rule: StackingRule | None = None
) -> UUID:
    cid = credential_id(demo.provider, demo.code)
    try:
        credential = ledger.get_micro_credential(cid)
    except errors.MicroCredentialNotFound:
        ledger.define_micro_credential(
            provider_id=provider_id(demo.provider),
            code=demo.code,
            specification=_specification(ledger, demo),
            stacking_rule=stacking_rule,
            by=_as_provider(demo.provider),
        )
        credential = ledger.get_micro_credential(cid)
    if credential.state is CredentialState.DEFINED:
        ledger.accredit_micro_credential(
            cid,
            decision_reference=f"MC-{demo.provider}-{demo.code}",
            by=AUTHORITY,
            effective_on=_accredited_since(ledger.clock().date()),
        )
    return cid


def _learner_count(awards: int) -> int:
    return -(-awards // len(CREDENTIALS))


def _batches(
    ledger: Ledger, awards: int, batch_size: int, today: date
) -> Iterator[tuple[str, Sequence[IssueRequest]]]:
    """Award ``i`` goes to learner ``i // C`` for credential ``i % C``: every learner
    holds at most one award of each credential, and learner 0 holds one of each."""
    methods = {
        (c.provider, c.code): ledger.get_micro_credential(
            credential_id(c.provider, c.code)
        ).specification.assessment_type
        for c in CREDENTIALS
    }
    pending: dict[str, list[IssueRequest]] = {}
    for index in range(awards):
        demo = CREDENTIALS[index % len(CREDENTIALS)]
        issued_on = today - timedelta(days=(index * 7) % (ledger.policy.max_backdating_days + 1))
        request = IssueRequest(
            learner_id=learner_id(index // len(CREDENTIALS)),
            micro_credential_id=credential_id(demo.provider, demo.code),
            provider_reference=award_reference(index),
            assessment=Assessment(
                method=methods[(demo.provider, demo.code)],
                assessed_on=issued_on - timedelta(days=5),
                result="pass",
                grade=("A", "B", "C", "Merit", "Distinction")[index % 5],
                supervision=demo.supervision,
                identity_verified=demo.supervision is Supervision.SUPERVISED_WITH_ID_CHECK,
            ),
            issued_on=issued_on,
        )
        batch = pending.setdefault(demo.provider, [])
        batch.append(request)
        if len(batch) >= batch_size:
            yield demo.provider, batch
            pending[demo.provider] = []
    for code, batch in pending.items():
        if batch:
            yield code, batch


def _ensure_revocation(ledger: Ledger) -> UUID:
    """Learner 1's award of the second credential is revoked."""
    demo = CREDENTIALS[1]
    revoked = award_id(ledger, demo.provider, award_reference(len(CREDENTIALS) + 1))
    status = ledger.award_status(revoked)
    if status.award.revoked_at is None:
        ledger.revoke_award(
            revoked,
            category=REVOCATION_CATEGORY,
            note=REVOCATION_NOTE,
            by=_as_provider(demo.provider),
        )
    return revoked


def _ensure_stack(ledger: Ledger, today: date) -> tuple[UUID, bool]:
    """Learner 0 stacks Data Analytics Fundamentals and Python for Data Work into the
    Certificate in Applied Data Science."""
    components = (credential_id("SETU", "DATA-101"), credential_id("SETU", "PY-102"))
    target = _ensure_credential(
        ledger,
        STACKED,
        StackingRule(required_components=components, min_total_ects=Decimal(20)),
    )
    learner = learner_id(0)
    record: LearnerRecord = ledger.get_learner_record(learner)
    component_awards = [
        a.award_id
        for a in record.awards.values()
        if a.terms.micro_credential_id in components and a.revoked_at is None
    ]
    receipt = ledger.stack_awards(
        provider_id=provider_id("SETU"),
        learner_id=learner,
        target_credential_id=target,
        component_award_ids=component_awards,
        provider_reference="DEMO-STACK-0",
        by=_as_provider("SETU"),
    )
    return receipt.awards[0].award_id, receipt.awards[0].created


def _ensure_revalidation(ledger: Ledger, today: date) -> tuple[UUID, bool]:
    """The site-safety credential moves from a written exam to a practical assessment:
    the change puts it into revalidation, the authority revalidates it, and an award
    is issued under the new method. Awards issued before the change stay valid."""
    cid = credential_id(*REVALIDATED)
    credential = ledger.get_micro_credential(cid)
    if credential.specification.assessment_type != NEW_ASSESSMENT:
        ledger.change_assessment_method(
            cid,
            assessment_type=NEW_ASSESSMENT,
            reason="Employers asked for a practical assessment on a live site",
            by=_as_provider(REVALIDATED[0]),
        )
        credential = ledger.get_micro_credential(cid)
    if credential.state is CredentialState.REVALIDATION_REQUIRED:
        ledger.revalidate_micro_credential(
            cid, decision_reference=f"REVAL-{today.year}-SITE-SAFE", by=AUTHORITY
        )
    receipt = ledger.issue_award(
        provider_id=provider_id(REVALIDATED[0]),
        request=IssueRequest(
            learner_id=learner_id(0),
            micro_credential_id=cid,
            provider_reference="DEMO-REVAL-0",
            assessment=Assessment(
                method=NEW_ASSESSMENT,
                assessed_on=today,
                result="pass",
                supervision=Supervision.SUPERVISED_WITH_ID_CHECK,
                identity_verified=True,
            ),
            issued_on=today,
        ),
        by=_as_provider(REVALIDATED[0]),
    )
    return receipt.awards[0].award_id, receipt.awards[0].created


def _ensure_personal_data(ledger: Ledger) -> str:
    """Learner 2 has encrypted personal data, so that ``ledger erase-learner`` has
    something to erase (once)."""
    learner = learner_id(2)
    record = ledger.get_learner_record(learner)
    if record.personal_data is None and not record.personal_data_erased:
        ledger.record_personal_data(
            learner,
            {"name": "Aoife Demo", "email": "aoife.demo@example.org"},
            by=AUTHORITY,
        )
    return learner
