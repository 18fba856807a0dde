"""Write an earlier register's export for ``ledger import``: providers accredited
years ago (one since suspended and reinstated, one withdrawn), their micro-credentials
and their accreditations, and historical awards dated across those years. The
benchmark of the import and the tests use it.

    .venv/bin/python -m scripts.history_file --awards 100000 history.jsonl
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

FIRST_DAY = date(2016, 9, 1)
LAST_DAY = date(2024, 6, 30)
CREDENTIALS_PER_PROVIDER = 4
SUSPENDED = (date(2019, 3, 1), date(2019, 6, 1))


def history_rows(
    *, awards: int, providers: int, random_seed: int = 7, prefix: str = "H"
) -> Iterator[dict[str, Any]]:
    """The rows, in the order an import needs them: each provider before its decisions
    and credentials, each credential before its accreditation; the awards last."""
    rng = random.Random(random_seed)
    codes = [f"{prefix}{n:03d}" for n in range(providers)]
    for index, code in enumerate(codes):
        yield from _provider_rows(code, index, withdrawn=index == providers - 1 > 0)
    learners = max(1, awards // 3)
    for n in range(awards):
        code = codes[n % providers]
        # The withdrawn provider (the last) issued only before its withdrawal.
        last = date(2021, 12, 31) if code == codes[-1] and providers > 1 else LAST_DAY
        issued_on = FIRST_DAY + timedelta(days=30 + rng.randrange((last - FIRST_DAY).days - 30))
        if code == codes[min(1, providers - 1)] and SUSPENDED[0] <= issued_on < SUSPENDED[1]:
            issued_on = SUSPENDED[1]  # the suspended provider issued nothing meanwhile
        yield {
            "type": "award",
            "provider": code,
            "credential": f"MC-{n % CREDENTIALS_PER_PROVIDER}",
            "learner_id": f"{prefix.lower()}-learner-{rng.randrange(learners):07d}",
            "provider_reference": f"{code}-{n:08d}",
            "issued_on": issued_on.isoformat(),
            "assessment": {
                "method": "written examination",
                "assessed_on": (issued_on - timedelta(days=14)).isoformat(),
                "result": "pass",
                "grade": rng.choice(["A", "B", "C"]),
            },
        }


def _provider_rows(code: str, index: int, *, withdrawn: bool) -> Iterator[dict[str, Any]]:
    yield {
        "type": "provider",
        "code": code,
        "name": f"Historical Institute {index}",
        "country": "IE",
        "kind": "university",
    }
    yield {
        "type": "provider_decision",
        "provider": code,
        "decision": "accredit",
        "decision_reference": f"OLD/{code}/ACC",
        "effective_on": FIRST_DAY.isoformat(),
        "scope": {"levels": [5, 6, 7, 8], "fields": ["0688 ICT"]},
        "valid_until": "2030-08-31",
    }
    for n in range(CREDENTIALS_PER_PROVIDER):
        yield {
            "type": "credential",
            "provider": code,
            "code": f"MC-{n}",
            "specification": {
                "title": f"Historical module {n} of {code}",
                "learning_outcomes": ["Apply the module's methods", "Explain its theory"],
                "workload_ects": "5",
                "assessment_type": "written examination",
                "participation_form": "onsite",
                "quality_assurance": "validated by the earlier register",
                "field_of_study": "0688 ICT",
                "nqf_level": 6,
                "eqf_level": 5,
            },
        }
        yield {
            "type": "credential_accreditation",
            "provider": code,
            "credential": f"MC-{n}",
            "decision_reference": f"OLD/{code}/MC-{n}",
            "effective_on": FIRST_DAY.isoformat(),
        }
    if index == 1:
        yield from _decisions(
            code, ("suspend", SUSPENDED[0].isoformat()), ("reinstate", SUSPENDED[1].isoformat())
        )
    if withdrawn:
        yield from _decisions(code, ("withdraw", "2022-01-01"))


def _decisions(code: str, *decisions: tuple[str, str]) -> Iterator[dict[str, Any]]:
    for decision, day in decisions:
        yield {
            "type": "provider_decision",
            "provider": code,
            "decision": decision,
            "decision_reference": f"OLD/{code}/{decision.upper()}",
            "effective_on": day,
            "reason": f"{decision} after the 2019 quality review",
        }


def write_history(path: Path, *, awards: int, providers: int, random_seed: int = 7) -> int:
    """Writes the rows as JSON lines; answers how many."""
    count = 0
    with path.open("wb") as file:
        for row in history_rows(awards=awards, providers=providers, random_seed=random_seed):
            file.write(orjson.dumps(row) + b"\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--awards", type=int, default=100_000)
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--random-seed", type=int, default=7)
    args = parser.parse_args()
    rows = write_history(
        args.path, awards=args.awards, providers=args.providers, random_seed=args.random_seed
    )
    print(f"{rows:,} rows ({args.awards:,} awards) in {args.path}")


if __name__ == "__main__":
    main()
