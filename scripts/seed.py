"""Seed a realistic national data set into the configured store.

    .venv/bin/python scripts/seed.py --awards 1000000
    LEDGER_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ledger_bench \
        .venv/bin/python scripts/seed.py --awards 10000 --json

Providers of every kind (VET schools, universities, training companies, professional
bodies) are registered and accredited within a scope of levels and fields; each defines
and has accredited micro-credentials across NQF levels and ISCED-F fields, one of which
is a larger credential stacked from two of the others. Awards are pushed the way a
provider's student system pushes them: in batches, through `Ledger.issue_awards`, all or
nothing. Some learners then stack two of their awards, and a share of awards is revoked
with a reason, one revocation per command, as the authority or a provider would.

Everything is deterministic for a given ``--random-seed``: award references are numbered,
so seeding ``--first-award 10000 --awards 990000`` after ``--awards 10000`` grows the same
data set to 1,000,000 (the bench harness does exactly that).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from uuid import UUID

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger import errors
from ledger.application import BatchReceipt, IssueRequest, Ledger, Receipt
from ledger.config import Settings
from ledger.domain import ids
from ledger.domain.principal import Principal
from ledger.domain.values import (
    AccreditationScope,
    Assessment,
    CredentialSpecification,
    ParticipationForm,
    ProviderKind,
    RevocationReason,
    StackingRule,
    Supervision,
)

AUTHORITY = Principal.authority("authority:seed")
ACCREDITED_FOR = timedelta(days=5 * 365)
"""Providers and credentials were accredited this long before the seed runs."""
BACKDATING_DAYS = 180
"""Awards are dated up to this many days back: within the default national policy's
bound (`NationalPolicy.max_backdating_days`); older ones would need the historical import."""

# ISCED-F 2013 narrow fields a national register would carry.
FIELDS = (
    "0111 Education science",
    "0211 Audio-visual techniques and media production",
    "0231 Language acquisition",
    "0413 Management and administration",
    "0416 Wholesale and retail sales",
    "0521 Environmental sciences",
    "0612 Database and network design and administration",
    "0613 Software and applications development and analysis",
    "0688 ICT interdisciplinary",
    "0713 Electricity and energy",
    "0715 Mechanics and metal trades",
    "0732 Building and civil engineering",
    "0811 Crop and livestock production",
    "0913 Nursing and midwifery",
    "1013 Hotel, restaurants and catering",
    "1041 Transport services",
)
# Irish NQF (1-10) to EQF (1-8).
NQF_TO_EQF = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 6, 9: 7, 10: 8}
LEVELS_BY_KIND = {
    ProviderKind.VET_SCHOOL: (3, 4, 5, 6),
    ProviderKind.UNIVERSITY: (6, 7, 8, 9),
    ProviderKind.TRAINING_COMPANY: (4, 5, 6, 7),
    ProviderKind.PROFESSIONAL_BODY: (5, 6, 7, 8, 9),
}
KIND_NAMES = {
    ProviderKind.VET_SCHOOL: "Education and Training Board",
    ProviderKind.UNIVERSITY: "University",
    ProviderKind.TRAINING_COMPANY: "Skills Academy",
    ProviderKind.PROFESSIONAL_BODY: "Institute",
}
TOPICS = (
    "Foundations",
    "Applied Practice",
    "Digital Skills",
    "Safety and Compliance",
    "Leadership",
    "Sustainability",
    "Data Literacy",
    "Customer Care",
    "Project Work",
    "Quality Systems",
    "Advanced Methods",
    "Professional Ethics",
)
ASSESSMENTS = (
    "practical project",
    "written examination",
    "portfolio",
    "workplace observation",
    "oral examination",
    "online test",
)
GRADES = ("A", "B+", "B", "C+", "C", "pass")
_ESCO = "http://data.europa.eu/esco/skill/"
SKILLS: tuple[tuple[tuple[str, ...], ...], ...] = (
    # ESCO's "use spreadsheets software" on the first outcome; the others are of ESCO's
    # form only. Every fourth credential is untagged, as many will be.
    ((_ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d",),),
    ((), (_ESCO + "0005c151-5b5a-4a66-8aac-60e734beb1ab",)),
    (
        (_ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d",),
        (),
        (_ESCO + "7d2b0e5c-1f3a-4c6e-8a0b-2d4f6a8c0e1b",),
    ),
    (),
)
"""ESCO skills of the seeded credentials' three outcomes, in turn."""
CITIES = ("Dublin", "Cork", "Galway", "Limerick", "Waterford", "Sligo", "Athlone", "Kerry")


@dataclass(frozen=True)
class SeedPlan:
    """The shape of a data set; the counts scale with the number of awards."""

    awards: int
    first_award: int = 0
    providers: int = 0
    credentials_per_provider: int = 8
    learners: int = 0
    revoked_share: float = 0.01
    stacked_share: float = 0.005
    batch_size: int = 500
    random_seed: int = 20221

    @classmethod
    def for_size(cls, awards: int, *, total: int | None = None, **overrides: object) -> SeedPlan:
        """A plan for ``awards`` new awards in a data set that will hold ``total`` (the
        learners and providers are sized on the total, so growing a data set in steps
        gives the same shape as seeding it at once)."""
        size = max(total or 0, awards, 1)
        providers = min(2000, max(4, size // 2000))
        learners = max(10, size // 3)  # a learner holds about three awards
        plan = cls(awards=awards, providers=providers, learners=learners)
        return cls(**{**asdict(plan), **overrides})


@dataclass
class SeedReport:
    providers: int = 0
    micro_credentials: int = 0
    awards_issued: int = 0
    awards_stacked: int = 0
    awards_revoked: int = 0
    issuance_seconds: float = 0.0
    total_seconds: float = 0.0
    last_position: int | None = None

    @property
    def awards_per_second(self) -> float:
        return self.awards_issued / self.issuance_seconds if self.issuance_seconds else 0.0


@dataclass(frozen=True)
class SeededProvider:
    provider_id: UUID
    code: str
    credentials: tuple[tuple[UUID, str], ...]  # (id, assessment type) awarded directly
    stacked_target: UUID  # built from the first two credentials

    @property
    def principal(self) -> Principal:
        """Who its awards are issued, stacked and revoked by."""
        return Principal.provider(f"provider:{self.code}:seed", self.provider_id)


@dataclass
class _Pending:
    """Awards to stack and to revoke once issuance is done."""

    stacks: list[tuple[SeededProvider, str, int, tuple[UUID, UUID]]] = field(default_factory=list)
    revocations: list[tuple[UUID, SeededProvider]] = field(default_factory=list)


Progress = Callable[[str, int], None]
"""Called with a phase name and the number of items just done."""


def provider_code(index: int) -> str:
    return f"P{index:05d}"


def learner_id(index: int) -> str:
    return f"ie-learner-{index:09d}"


def award_reference(index: int) -> str:
    return f"AW-{index:010d}"


def _kind(index: int) -> ProviderKind:
    kinds = tuple(LEVELS_BY_KIND)
    return kinds[index % len(kinds)]


def seed_providers(
    ledger: Ledger, plan: SeedPlan, progress: Progress | None = None
) -> list[SeededProvider]:
    """Register, accredit and equip every provider of the plan; idempotent, so a data set
    can be grown in steps."""
    providers: list[SeededProvider] = []
    today = ledger.clock().date()
    for index in range(plan.providers):
        providers.append(_seed_provider(ledger, plan, index, today))
        if progress:
            progress("providers", 1)
    return providers


def _seed_provider(ledger: Ledger, plan: SeedPlan, index: int, today: date) -> SeededProvider:
    rng = random.Random(plan.random_seed * 7919 + index)
    kind = _kind(index)
    code = provider_code(index)
    provider_id = ids.provider_id(code)
    levels = LEVELS_BY_KIND[kind]
    fields = tuple(sorted(rng.sample(FIELDS, 3)))
    try:
        ledger.register_provider(
            code=code,
            name=f"{rng.choice(CITIES)} {KIND_NAMES[kind]} {index}",
            country="IE",
            kind=kind,
            by=AUTHORITY,
        )
        ledger.accredit_provider(
            provider_id,
            scope=AccreditationScope(levels=levels, fields=fields),
            valid_until=today + timedelta(days=5 * 365),
            decision_reference=f"QA-{index:05d}",
            by=AUTHORITY,
            effective_on=today - ACCREDITED_FOR,
        )
    except errors.ProviderAlreadyRegistered:
        pass
    credentials: list[tuple[UUID, str]] = []
    for number in range(plan.credentials_per_provider):
        level = levels[number % len(levels)]
        assessment_type = ASSESSMENTS[(index + number) % len(ASSESSMENTS)]
        spec = CredentialSpecification(
            title=f"{TOPICS[(index * 3 + number) % len(TOPICS)]} (level {level})",
            learning_outcomes=(
                "Apply the core methods of the field in a workplace setting",
                "Explain the standards and regulations that apply",
                "Evaluate one's own work against a quality standard",
            ),
            workload_ects=Decimal((5, 10, 10, 15)[number % 4]),
            assessment_type=assessment_type,
            participation_form=tuple(ParticipationForm)[number % 3],
            quality_assurance="QQI validated programme",
            field_of_study=fields[number % len(fields)],
            nqf_level=level,
            eqf_level=NQF_TO_EQF[level],
            supervision=Supervision.SUPERVISED_WITH_ID_CHECK if number % 2 else None,
            language="en",
            esco_skills=SKILLS[number % len(SKILLS)],
        )
        credential_id = _define_accredited(ledger, provider_id, f"MC-{number:02d}", spec, None)
        credentials.append((credential_id, assessment_type))
    (first, _), (second, _) = credentials[0], credentials[1]
    target_spec = CredentialSpecification(
        title="Certificate built from two micro-credentials",
        learning_outcomes=("Integrate the outcomes of both component micro-credentials",),
        workload_ects=Decimal(15),
        assessment_type="stacking of components",
        participation_form=ParticipationForm.BLENDED,
        quality_assurance="QQI validated programme",
        field_of_study=fields[0],
        nqf_level=levels[0],
        eqf_level=NQF_TO_EQF[levels[0]],
        stackability="stacked from MC-00 and MC-01",
    )
    rule = StackingRule(required_components=(first, second), min_total_ects=Decimal(10))
    target = _define_accredited(ledger, provider_id, "STACK-01", target_spec, rule)
    return SeededProvider(provider_id, code, tuple(credentials), target)


def _define_accredited(
    ledger: Ledger,
    provider_id: UUID,
    code: str,
    spec: CredentialSpecification,
    rule: StackingRule | None,
) -> UUID:
    credential_id = ids.micro_credential_id(provider_id, code)
    try:
        ledger.define_micro_credential(
            provider_id=provider_id,
            code=code,
            specification=spec,
            by=AUTHORITY,
            stacking_rule=rule,
        )
        ledger.accredit_micro_credential(
            credential_id,
            decision_reference=f"QA-{code}",
            by=AUTHORITY,
            effective_on=ledger.clock().date() - ACCREDITED_FOR,
        )
    except errors.MicroCredentialAlreadyDefined:
        pass
    return credential_id


def batches(
    plan: SeedPlan, providers: list[SeededProvider], today: date
) -> Iterator[tuple[SeededProvider, list[IssueRequest], list[tuple[str, int, tuple[int, int]]]]]:
    """The plan's awards as provider batches: (provider, requests, stacks to make later).

    A share of learners receive the two components of their provider's stacked
    credential in one batch; they are stacked once issuance is done. A stack names its
    components by their places in the batch: award ids are the ledger's to give."""
    stop = plan.first_award + plan.awards
    number = plan.first_award
    while number < stop:
        size = min(plan.batch_size, stop - number)
        rng = random.Random(plan.random_seed * 1_000_003 + number)
        provider = providers[rng.randrange(len(providers))]
        requests: list[IssueRequest] = []
        stacks: list[tuple[str, int, tuple[int, int]]] = []
        while len(requests) < size:
            learner = learner_id(rng.randrange(plan.learners))
            issued_on = today - timedelta(days=rng.randrange(0, BACKDATING_DAYS + 1))
            pair = size - len(requests) >= 2 and rng.random() < plan.stacked_share * 2
            chosen = provider.credentials[:2] if pair else (rng.choice(provider.credentials),)
            issued: list[int] = []
            for credential_id, assessment_type in chosen:
                reference = award_reference(number + len(requests))
                requests.append(
                    IssueRequest(
                        learner_id=learner,
                        micro_credential_id=credential_id,
                        provider_reference=reference,
                        assessment=Assessment(
                            method=assessment_type,
                            assessed_on=issued_on - timedelta(days=rng.randrange(0, 30)),
                            result="pass",
                            grade=rng.choice(GRADES),
                        ),
                        issued_on=issued_on,
                    )
                )
                issued.append(len(requests) - 1)
            if pair:
                stacks.append((learner, number + len(requests), (issued[0], issued[1])))
        yield provider, requests, stacks
        number += size


def seed_awards(
    ledger: Ledger,
    plan: SeedPlan,
    providers: list[SeededProvider],
    report: SeedReport,
    progress: Progress | None = None,
) -> _Pending:
    pending = _Pending()
    today = ledger.clock().date()
    rng = random.Random(plan.random_seed + plan.first_award)
    started = time.perf_counter()
    for provider, requests, stacks in batches(plan, providers, today):
        receipt = ledger.issue_awards(
            provider_id=provider.provider_id,
            requests=requests,
            by=provider.principal,
        )
        report.awards_issued += sum(1 for a in receipt.awards if a.created)
        report.last_position = receipt.position or report.last_position
        awarded = [award.award_id for award in receipt.awards]  # in the requests' order
        pending.stacks.extend(
            (provider, learner, n, (awarded[first], awarded[second]))
            for learner, n, (first, second) in stacks
        )
        stacked = {awarded[place] for *_, pair in stacks for place in pair}
        pending.revocations.extend(
            (award.award_id, provider)
            for award in receipt.awards
            if award.created and award.award_id not in stacked and rng.random() < plan.revoked_share
        )
        if progress:
            progress("awards", len(requests))
    report.issuance_seconds = time.perf_counter() - started
    return pending


FOLLOW_UP_THREADS = 4
"""Stacks and revocations are one command (one transaction) each, as providers send
them; a few in flight overlap their round trips and commits."""


def _retrying(command: Callable[[], Receipt | BatchReceipt]) -> int | None:
    """Run a command, again if it raced another one on the same learner's record."""
    for attempt in range(5):
        try:
            return command().position
        except errors.ConcurrentUpdate:
            if attempt == 4:
                raise
    return None


def seed_stacks_and_revocations(
    ledger: Ledger, pending: _Pending, report: SeedReport, progress: Progress | None = None
) -> None:
    stacks = [
        partial(
            ledger.stack_awards,
            provider_id=provider.provider_id,
            learner_id=learner,
            target_credential_id=provider.stacked_target,
            component_award_ids=pair,
            provider_reference=f"ST-{number:010d}",
            by=provider.principal,
        )
        for provider, learner, number, pair in pending.stacks
    ]
    revocations = [
        partial(
            ledger.revoke_award,
            award_id,
            category=RevocationReason.ACADEMIC_MISCONDUCT,
            note="assessment result withdrawn after an academic integrity review",
            by=provider.principal,
        )
        for award_id, provider in pending.revocations
    ]
    with ThreadPoolExecutor(FOLLOW_UP_THREADS) as pool:
        for phase, commands in (("stacks", stacks), ("revocations", revocations)):
            for position in pool.map(_retrying, commands):
                if phase == "stacks":
                    report.awards_stacked += 1
                else:
                    report.awards_revoked += 1
                if position is not None:
                    report.last_position = max(report.last_position or 0, position)
                if progress:
                    progress(phase, 1)


def seed(ledger: Ledger, plan: SeedPlan, progress: Progress | None = None) -> SeedReport:
    """Seed the plan's data set; returns what was written and how fast."""
    started = time.perf_counter()
    report = SeedReport()
    providers = seed_providers(ledger, plan, progress)
    report.providers = len(providers)
    report.micro_credentials = sum(len(p.credentials) + 1 for p in providers)
    pending = seed_awards(ledger, plan, providers, report, progress)
    seed_stacks_and_revocations(ledger, pending, report, progress)
    report.total_seconds = time.perf_counter() - started
    return report


def expected_counts(plan: SeedPlan) -> dict[str, int]:
    """Roughly how many items each phase handles, for progress bars."""
    return {
        "providers": plan.providers,
        "awards": plan.awards,
        "stacks": int(plan.awards * plan.stacked_share),
        "revocations": int(plan.awards * plan.revoked_share),
    }


def run_with_progress(ledger: Ledger, plan: SeedPlan, *, quiet: bool = False) -> SeedReport:
    """`seed` with a rich progress bar per phase on stderr."""
    if quiet:
        return seed(ledger, plan)
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as RichProgress,
    )

    expected = expected_counts(plan)
    with RichProgress(
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bars:
        tasks: dict[str, TaskID] = {
            phase: bars.add_task(phase, total=max(count, 1), rate="")
            for phase, count in expected.items()
        }
        starts: dict[str, float] = {}

        def advance(phase: str, done: int) -> None:
            task = tasks[phase]
            now = time.perf_counter()
            starts.setdefault(phase, now)
            bars.advance(task, done)
            completed = bars.tasks[task].completed
            elapsed = now - starts[phase]
            rate = f"{completed / elapsed:>8,.0f}/s" if elapsed > 0 else ""
            if completed > (bars.tasks[task].total or 0):
                bars.update(task, total=completed)
            bars.update(task, rate=rate)

        report = seed(ledger, plan, advance)
        for task in tasks.values():
            done = bars.tasks[task].completed or 1
            bars.update(task, total=done, completed=done)
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--awards", type=int, default=100_000, help="awards to issue (default 100,000)"
    )
    parser.add_argument(
        "--first-award",
        type=int,
        default=0,
        help="number of the first award: grow a data set seeded earlier (default 0)",
    )
    parser.add_argument(
        "--total",
        type=int,
        default=None,
        help="the size the data set will reach, which sizes providers and learners "
        "(default: first award + awards)",
    )
    parser.add_argument("--batch-size", type=int, default=500, help="awards per provider batch")
    parser.add_argument("--revoked-share", type=float, default=0.01)
    parser.add_argument("--stacked-share", type=float, default=0.005)
    parser.add_argument("--random-seed", type=int, default=20221)
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.awards < 1 or args.first_award < 0:
        parser.error("--awards must be at least 1 and --first-award at least 0")
    plan = SeedPlan.for_size(
        args.awards,
        total=args.total or args.first_award + args.awards,
        first_award=args.first_award,
        batch_size=args.batch_size,
        revoked_share=args.revoked_share,
        stacked_share=args.stacked_share,
        random_seed=args.random_seed,
    )
    settings = Settings.from_env()
    ledger = Ledger(settings)
    try:
        report = run_with_progress(ledger, plan, quiet=args.quiet)
    finally:
        ledger.close()
    summary = {**asdict(report), "awards_per_second": round(report.awards_per_second, 1)}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"seeded {settings.database.describe()}: {report.providers} providers, "
            f"{report.micro_credentials} micro-credentials, {report.awards_issued:,} awards "
            f"({report.awards_per_second:,.0f} awards/s through Ledger.issue_awards), "
            f"{report.awards_stacked:,} stacked, {report.awards_revoked:,} revoked, "
            f"in {report.total_seconds:,.1f} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
