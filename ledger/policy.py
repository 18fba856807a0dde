"""The national policy the ledger is configured with.

Bounds, allowed levels and the revalidation regime differ between countries; they are
data, chosen at start-up (``LEDGER_POLICY``), never constants in the domain code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from ledger import errors


class RevalidationRegime(str, Enum):
    STRICT = "strict"
    """Nothing new is issued until the authority revalidates (Ireland)."""
    FLEXIBLE = "flexible"
    """Issuance continues; the change is flagged for the authority's review (Finland)."""


class WithdrawnIssuerRule(str, Enum):
    AWARDS_STAY_VALID = "awards_stay_valid"
    FLAG_ISSUER_WITHDRAWN = "flag_issuer_withdrawn"


class RevokedComponentRule(str, Enum):
    """What a revoked component does to the stacked awards built from it."""

    FLAG_STACKED = "flag_stacked"
    """The stacked award reads ``component_revoked`` (naming the component) until its
    provider re-stacks it from valid awards or revokes it: the safe default."""
    REVOKE_STACKED = "revoke_stacked"
    """The stacked award is revoked with the component, in the same transaction."""


@dataclass(frozen=True)
class NationalPolicy:
    name: str
    country: str
    min_ects: Decimal
    max_ects: Decimal
    allowed_levels: tuple[int, ...]
    revalidation: RevalidationRegime
    award_validity_years: int | None
    withdrawn_issuer: WithdrawnIssuerRule
    max_batch_size: int = 1000
    max_backdating_days: int = 180
    revoked_component: RevokedComponentRule = RevokedComponentRule.FLAG_STACKED
    """How many days before the day it is recorded an award may be dated by its provider
    (an exam board meets, a certificate is conferred, the record follows). Older awards
    enter the register only through the authority's historical import."""

    def __post_init__(self) -> None:
        if not Decimal(0) < self.min_ects <= self.max_ects:
            msg = (
                f"policy {self.name}: the ECTS bounds must satisfy 0 < min <= max, "
                f"got {self.min_ects}-{self.max_ects}"
            )
            raise ValueError(msg)
        if not self.allowed_levels:
            msg = f"policy {self.name}: at least one level must be allowed"
            raise ValueError(msg)
        if self.award_validity_years is not None and self.award_validity_years < 1:
            msg = f"policy {self.name}: award_validity_years must be at least 1 (or null)"
            raise ValueError(msg)
        if self.max_batch_size < 1:
            msg = f"policy {self.name}: max_batch_size must be at least 1"
            raise ValueError(msg)
        if self.max_backdating_days < 0:
            msg = f"policy {self.name}: max_backdating_days must be at least 0"
            raise ValueError(msg)

    @property
    def flags_withdrawn_issuer(self) -> bool:
        """Whether awards of a provider whose accreditation was withdrawn read
        ``issuer_withdrawn`` rather than ``valid``."""
        return self.withdrawn_issuer is WithdrawnIssuerRule.FLAG_ISSUER_WITHDRAWN

    @property
    def revokes_stacked_with_component(self) -> bool:
        return self.revoked_component is RevokedComponentRule.REVOKE_STACKED

    def expiry_for(self, issued_on: date) -> date | None:
        """When an award issued on ``issued_on`` expires (``None``: it does not)."""
        years = self.award_validity_years
        if years is None:
            return None
        try:
            return issued_on.replace(year=issued_on.year + years)
        except ValueError:  # 29 February
            return issued_on.replace(year=issued_on.year + years, day=28)

    def check_issue_date(self, issued_on: date, today: date, *, historical: bool = False) -> None:
        """An award is dated no later than today and, unless it is imported from an
        earlier register, at most ``max_backdating_days`` before it."""
        if issued_on > today:
            msg = f"an award cannot be issued in the future ({issued_on.isoformat()})"
            raise errors.InvalidAssessment(msg)
        earliest = today - timedelta(days=self.max_backdating_days)
        if not historical and issued_on < earliest:
            msg = (
                f"an award dated {issued_on.isoformat()} is more than "
                f"{self.max_backdating_days} days before today, the most the {self.name} "
                "policy allows a provider to backdate; older awards enter the register "
                "through the authority's historical import"
            )
            raise errors.BackdatedTooFar(msg)

    def check_batch_size(self, size: int) -> None:
        """A batch carries at least one award and at most ``max_batch_size``."""
        if size > self.max_batch_size:
            msg = f"a batch carries at most {self.max_batch_size} awards, got {size}"
            raise errors.BatchTooLarge(msg)
        if size == 0:
            msg = "a batch needs at least one award"
            raise errors.MissingStandardElement(msg)

    @classmethod
    def from_json(cls, text: str) -> NationalPolicy:
        """A policy as JSON: the settings to change, optionally ``based_on`` a named
        policy (Ireland by default). Unknown settings are refused, not ignored."""
        raw = json.loads(text)
        if not isinstance(raw, dict):
            msg = "a policy file holds a JSON object of settings"
            raise ValueError(msg)
        known = {f.name for f in fields(cls)} | {"based_on"}
        unknown = set(raw) - known
        if unknown:
            msg = f"unknown policy settings: {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        base_name = str(raw.pop("based_on", "ireland")).lower()
        if base_name not in POLICIES:
            msg = f"based_on must name one of {', '.join(POLICIES)}; got {base_name!r}"
            raise ValueError(msg)
        base = POLICIES[base_name]
        converted: dict[str, Any] = {}
        for key, value in raw.items():
            if key in ("min_ects", "max_ects"):
                converted[key] = Decimal(str(value))
            elif key == "allowed_levels":
                converted[key] = tuple(int(v) for v in value)
            elif key == "revalidation":
                converted[key] = RevalidationRegime(value)
            elif key == "withdrawn_issuer":
                converted[key] = WithdrawnIssuerRule(value)
            elif key == "revoked_component":
                converted[key] = RevokedComponentRule(value)
            else:
                converted[key] = value
        return replace(base, **converted)


IRELAND = NationalPolicy(
    name="ireland",
    country="IE",
    min_ects=Decimal(5),
    max_ects=Decimal(30),
    allowed_levels=tuple(range(1, 11)),  # Irish NQF has ten levels
    revalidation=RevalidationRegime.STRICT,
    award_validity_years=None,
    withdrawn_issuer=WithdrawnIssuerRule.AWARDS_STAY_VALID,
)

FINLAND = NationalPolicy(
    name="finland",
    country="FI",
    min_ects=Decimal(1),
    max_ects=Decimal(59),
    allowed_levels=tuple(range(1, 9)),
    revalidation=RevalidationRegime.FLEXIBLE,
    award_validity_years=None,
    withdrawn_issuer=WithdrawnIssuerRule.AWARDS_STAY_VALID,
)

POLICIES = {p.name: p for p in (IRELAND, FINLAND)}


def load_policy(spec: str | None) -> NationalPolicy:
    """A named policy (``ireland``, ``finland``) or the path of a JSON file that
    overrides one (``{"based_on": "finland", "award_validity_years": 5}``)."""
    if not spec:
        return IRELAND
    if spec.lower() in POLICIES:
        return POLICIES[spec.lower()]
    path = Path(spec)
    if path.is_file():
        return NationalPolicy.from_json(path.read_text(encoding="utf-8"))
    msg = f"LEDGER_POLICY must be one of {', '.join(POLICIES)} or a JSON file; got {spec!r}"
    raise ValueError(msg)
