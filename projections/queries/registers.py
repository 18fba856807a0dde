"""The registers: providers (the provider register view) and micro-credentials (the
catalogue view)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

from ledger.domain import ids
from ledger.domain.accreditation import ProviderState, accredited_on
from ledger.domain.esco import check_skill_uri, same_skill
from ledger.domain.text import check_line
from projections.queries.common import ReadContext, like_escape, limit_of, page_of, skills_of
from projections.results import CatalogueEntry, Page, ProviderEntry, StackingRuleEntry


def provider(ctx: ReadContext, provider_id: UUID) -> ProviderEntry | None:
    """One provider by id, or ``None``."""
    d = ctx.d
    with d.read() as c:
        c.execute(
            d.q("SELECT * FROM {s}proj_providers WHERE provider_id = ?"),
            (d.to_uuid(provider_id),),
        )
        row = c.fetchone()
    return None if row is None else provider_of_row(ctx, row, ctx.clock().date())


def provider_by_code(ctx: ReadContext, code: str) -> ProviderEntry | None:
    """One provider by its code (case-insensitive), or ``None``."""
    return provider(ctx, ids.provider_id(code))


def providers(
    ctx: ReadContext, *, state: str | None = None, offset: int = 0, limit: int = 100
) -> Page[ProviderEntry]:
    """The provider register, ordered by code, optionally only one state."""
    check_line(state, "state")
    limit = limit_of(limit)
    where, params = ("WHERE state = ?", [state]) if state else ("", [])
    d = ctx.d
    with d.read() as c:
        c.execute(d.q("SELECT COUNT(*) AS n FROM {s}proj_providers " + where), params)
        total = int(c.fetchone()["n"])
        c.execute(
            d.q("SELECT * FROM {s}proj_providers " + where + " ORDER BY code LIMIT ? OFFSET ?"),
            [*params, limit, max(offset, 0)],
        )
        rows = c.fetchall()
    today = ctx.clock().date()
    return page_of([provider_of_row(ctx, r, today) for r in rows], offset, limit, total)


def provider_of_row(ctx: ReadContext, row: Any, today: date) -> ProviderEntry:
    d = ctx.d
    valid_until = d.from_date(row["valid_until"])
    levels, fields = row["scope_levels"], row["scope_fields"]
    return ProviderEntry(
        provider_id=d.from_uuid(row["provider_id"]),
        code=row["code"],
        name=row["name"],
        country=row["country"],
        kind=row["kind"],
        state=row["state"],
        accredited_now=accredited_on(ProviderState(row["state"]), valid_until, today),
        scope_levels=tuple(orjson.loads(levels)) if levels else (),
        scope_fields=tuple(orjson.loads(fields)) if fields else (),
        valid_until=valid_until,
        decision_reference=row["decision_reference"],
        status_reason=row["status_reason"],
        registered_at=d.from_ts(row["registered_at"]),
        updated_at=d.from_ts(row["updated_at"]),
        website=row["website"],
    )


def micro_credential(ctx: ReadContext, credential_id: UUID) -> CatalogueEntry | None:
    """One micro-credential by id, or ``None``."""
    d = ctx.d
    with d.read() as c:
        c.execute(
            d.q("SELECT * FROM {s}proj_catalogue WHERE credential_id = ?"),
            (d.to_uuid(credential_id),),
        )
        row = c.fetchone()
    return None if row is None else catalogue_of_row(ctx, row)


def catalogue(
    ctx: ReadContext,
    *,
    provider_id: UUID | None = None,
    level: int | None = None,
    field_of_study: str | None = None,
    text: str | None = None,
    state: str | None = None,
    skill: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[CatalogueEntry]:
    """Search the catalogue: by provider, NQF level, field of study (exact), state,
    ESCO skill (a URI one of its learning outcomes is tagged with; ``http`` and
    ``https`` alike) and free text (every word must appear in the title, code, field,
    assessment type, learning outcomes or further information; case-insensitive).
    Ordered by title."""
    for value, name in ((field_of_study, "field_of_study"), (text, "text"), (state, "state")):
        check_line(value, name)
    limit = limit_of(limit)
    d = ctx.d
    clauses: list[str] = []
    params: list[Any] = []
    if provider_id is not None:
        clauses.append("provider_id = ?")
        params.append(d.to_uuid(provider_id))
    if level is not None:
        clauses.append("nqf_level = ?")
        params.append(level)
    if field_of_study:
        clauses.append("field_of_study = ?")
        params.append(field_of_study)
    if state:
        clauses.append("state = ?")
        params.append(state)
    if skill is not None:
        clauses.append(
            "credential_id IN (SELECT credential_id FROM {s}proj_catalogue_skills "
            "WHERE skill_uri = ?)"
        )
        params.append(same_skill(check_skill_uri(skill, "skill")))
    for word in (text or "").lower().split():
        clauses.append("search_text LIKE ? ESCAPE '!'")
        params.append("%" + like_escape(word) + "%")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    with d.read() as c:
        c.execute(d.q("SELECT COUNT(*) AS n FROM {s}proj_catalogue " + where), params)
        total = int(c.fetchone()["n"])
        c.execute(
            d.q(
                "SELECT * FROM {s}proj_catalogue "
                + where
                + " ORDER BY title, credential_id LIMIT ? OFFSET ?"
            ),
            [*params, limit, max(offset, 0)],
        )
        rows = c.fetchall()
    return page_of([catalogue_of_row(ctx, r) for r in rows], offset, limit, total)


def catalogue_of_row(ctx: ReadContext, row: Any) -> CatalogueEntry:
    d = ctx.d
    rule = row["stacking_rule"]
    stacking: StackingRuleEntry | None = None
    if rule:
        raw = orjson.loads(rule)
        stacking = StackingRuleEntry(
            tuple(UUID(c) for c in raw["required_components"]), Decimal(raw["min_total_ects"])
        )
    return CatalogueEntry(
        credential_id=d.from_uuid(row["credential_id"]),
        provider_id=d.from_uuid(row["provider_id"]),
        code=row["code"],
        title=row["title"],
        learning_outcomes=tuple(orjson.loads(row["learning_outcomes"])),
        workload_ects=Decimal(row["workload_ects"]),
        assessment_type=row["assessment_type"],
        participation_form=row["participation_form"],
        quality_assurance=row["quality_assurance"],
        field_of_study=row["field_of_study"],
        nqf_level=row["nqf_level"],
        eqf_level=row["eqf_level"],
        prerequisites=row["prerequisites"],
        supervision=row["supervision"],
        assessment_setting=row["assessment_setting"],
        stackability=row["stackability"],
        further_information=row["further_information"],
        language=row["language"],
        stacking_rule=stacking,
        state=row["state"],
        review_flagged=bool(row["review_flagged"]),
        decision_reference=row["decision_reference"],
        defined_at=d.from_ts(row["defined_at"]),
        updated_at=d.from_ts(row["updated_at"]),
        esco_skills=skills_of(row["esco_skills"]),
    )
