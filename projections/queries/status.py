"""Credential status: the employers' lookups, from the credential status view joined
to the provider register and the catalogue (and the past, from the write side)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

from ledger.domain.provider import ProviderState
from ledger.domain.status import AwardStatus, award_status
from ledger.policy import NationalPolicy
from projections.dialect import Dialect
from projections.queries.common import ReadContext, skills_of, uuids
from projections.results import CredentialStatus, Status

MAX_BATCH = 1000

STATUS_SELECT = (
    "SELECT s.award_id, s.micro_credential_id, s.provider_id, s.title, s.workload_ects, "
    "s.nqf_level, s.eqf_level, s.route, s.components, s.issued_on, s.expires_on, "
    "s.revoked_at, s.revocation_category, s.revoked_by, s.issued_at, s.component_revoked, "
    "p.code AS provider_code, "
    "p.name AS provider_name, p.country AS provider_country, p.state AS provider_state, "
    "c.learning_outcomes, c.esco_skills "
    "FROM {s}proj_credential_status s "
    "LEFT JOIN {s}proj_providers p ON p.provider_id = s.provider_id "
    "LEFT JOIN {s}proj_catalogue c ON c.credential_id = s.micro_credential_id "
)
"""The status rows, joined to their provider and micro-credential (a WHERE follows)."""


def credential_status(ctx: ReadContext, award_id: UUID) -> CredentialStatus | None:
    d = ctx.d
    with d.read() as c:
        c.execute(d.q(STATUS_SELECT + "WHERE s.award_id = ?"), (d.to_uuid(award_id),))
        row = c.fetchone()
    return None if row is None else status_of_row(ctx, row, ctx.clock())


def credential_statuses(
    ctx: ReadContext, award_ids: Sequence[UUID]
) -> dict[UUID, CredentialStatus]:
    if len(award_ids) > MAX_BATCH:
        msg = f"at most {MAX_BATCH} award ids per request, got {len(award_ids)}"
        raise ValueError(msg)
    if not award_ids:
        return {}
    d = ctx.d
    now = ctx.clock()
    found: dict[UUID, CredentialStatus] = {}
    unique = list(dict.fromkeys(award_ids))
    with d.read() as c:
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            c.execute(
                d.q(STATUS_SELECT + f"WHERE s.award_id IN ({marks})"),
                [d.to_uuid(a) for a in chunk],
            )
            for row in c.fetchall():
                status = status_of_row(ctx, row, now)
                found[status.award_id] = status
    return found


def revoked_awards(
    ctx: ReadContext, provider_id: UUID, at: datetime | None = None
) -> dict[UUID, datetime]:
    """The provider's awards revoked by ``at`` (or at all), with when; from the partial
    index on revoked rows, so the cost follows the revocations, not the awards."""
    d = ctx.d
    statement = (
        "SELECT award_id, revoked_at FROM {s}proj_credential_status "
        "WHERE provider_id = ? AND revoked_at IS NOT NULL"
    )
    params: list[Any] = [d.to_uuid(provider_id)]
    if at is not None:
        statement += " AND revoked_at <= ?"
        params.append(d.to_ts(at))
    with d.read() as c:
        c.execute(d.q(statement), params)
        rows = c.fetchall()
    revoked: dict[UUID, datetime] = {}
    for row in rows:
        award_id, revoked_at = d.from_uuid(row["award_id"]), d.from_ts(row["revoked_at"])
        assert award_id is not None and revoked_at is not None
        revoked[award_id] = revoked_at
    return revoked


def awards_after(ctx: ReadContext, after: UUID | None, limit: int) -> list[tuple[UUID, str | None]]:
    """The next ``limit`` awards by id after ``after`` (from the first when ``None``),
    each with its provider's code: a walk over every award in pages, by the primary key."""
    d = ctx.d
    statement = (
        "SELECT s.award_id, p.code FROM {s}proj_credential_status s "
        "LEFT JOIN {s}proj_providers p ON p.provider_id = s.provider_id "
    )
    params: list[Any] = []
    if after is not None:
        statement += "WHERE s.award_id > ? "
        params.append(d.to_uuid(after))
    statement += "ORDER BY s.award_id LIMIT ?"
    params.append(limit)
    with d.read() as c:
        c.execute(d.q(statement), params)
        rows = c.fetchall()
    found: list[tuple[UUID, str | None]] = []
    for row in rows:
        award_id = d.from_uuid(row["award_id"])
        assert award_id is not None
        found.append((award_id, row["code"]))
    return found


def credential_status_at(ctx: ReadContext, award_id: UUID, at: datetime) -> CredentialStatus:
    report = ctx.ledger.award_status(award_id, at=at)
    award, provider, credential = report.award, report.provider, report.credential
    state = report.standing.state
    revoked_components = report.revoked_components
    return CredentialStatus(
        award_id=award.award_id,
        status=report.status.value,
        title=award.terms.title,
        micro_credential_id=award.terms.micro_credential_id,
        provider_id=award.terms.provider_id,
        provider_code=provider.code,
        provider_name=provider.name,
        provider_country=provider.country,
        provider_state="not_registered" if state is None else state.value,
        nqf_level=award.terms.nqf_level,
        eqf_level=award.terms.eqf_level,
        workload_ects=award.terms.workload_ects,
        learning_outcomes=tuple(credential.specification.learning_outcomes),
        esco_skills=credential.specification.esco_skills,
        route=award.route.value,
        components=tuple(award.components),
        issued_on=award.issued_on,
        expires_on=award.expires_on,
        revoked_at=award.revoked_at if report.status is AwardStatus.REVOKED else None,
        revocation_category=(
            award.revocation_category.value
            if report.status is AwardStatus.REVOKED and award.revocation_category
            else None
        ),
        revoked_by=award.revoked_by if report.status is AwardStatus.REVOKED else None,
        as_of=report.at,
        recorded_at=award.issued_at,
        revoked_component=revoked_components[0] if revoked_components else None,
    )


def status_now(
    policy: NationalPolicy,
    revoked_at: Any,
    expires_on: date | None,
    provider_state: str | None,
    now: datetime,
    *,
    component_revoked: bool = False,
) -> Status:
    """An award's status as the views know it, at ``now``."""
    # The view holds the present: a revocation it has recorded has happened, whatever
    # this reader's clock says.
    status = award_status(
        at=now,
        revoked_at=now if revoked_at is not None else None,
        expires_on=expires_on,
        issuer_withdrawn=provider_state == ProviderState.WITHDRAWN.value,
        flag_withdrawn_issuer=policy.flags_withdrawn_issuer,
        component_revoked=component_revoked,
    )
    return status.value


def status_of_row(ctx: ReadContext, row: Any, now: datetime) -> CredentialStatus:
    """A row of :data:`STATUS_SELECT` as the answer at ``now``."""
    d: Dialect = ctx.d
    expires_on = d.from_date(row["expires_on"])
    revoked_at = d.from_ts(row["revoked_at"])
    outcomes = row["learning_outcomes"]
    components = row["components"]
    award_id = d.from_uuid(row["award_id"])
    assert award_id is not None
    return CredentialStatus(
        award_id=award_id,
        status=status_now(
            ctx.policy,
            revoked_at,
            expires_on,
            row["provider_state"],
            now,
            component_revoked=row["component_revoked"] is not None,
        ),
        title=row["title"],
        micro_credential_id=d.from_uuid(row["micro_credential_id"]),
        provider_id=d.from_uuid(row["provider_id"]),
        provider_code=row["provider_code"],
        provider_name=row["provider_name"],
        provider_country=row["provider_country"],
        provider_state=row["provider_state"],
        nqf_level=row["nqf_level"],
        eqf_level=row["eqf_level"],
        workload_ects=Decimal(row["workload_ects"]),
        learning_outcomes=tuple(orjson.loads(outcomes)) if outcomes else (),
        esco_skills=skills_of(row["esco_skills"]),
        route=row["route"],
        components=uuids(components),
        issued_on=d.from_date(row["issued_on"]),
        expires_on=expires_on,
        revoked_at=revoked_at,
        revocation_category=row["revocation_category"],
        revoked_by=row["revoked_by"],
        as_of=now,
        recorded_at=d.from_ts(row["issued_at"]),
        revoked_component=d.from_uuid(row["component_revoked"]),
    )
