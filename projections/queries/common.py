"""What the queries share: the context they read through, and paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

import orjson

from ledger.application import Ledger
from ledger.policy import NationalPolicy
from projections.dialect import Dialect
from projections.results import Page

MAX_PAGE = 1000

T = TypeVar("T")


class ReadContext(Protocol):
    """What a query reads through: the views' store, the write side (for what the views
    do not hold), the national policy and the clock (read when the query runs)."""

    @property
    def d(self) -> Dialect: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def policy(self) -> NationalPolicy: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...


def like_escape(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def uuids(raw: str | None) -> tuple[UUID, ...]:
    return tuple(UUID(x) for x in orjson.loads(raw)) if raw else ()


def skills_of(column: str | None) -> tuple[tuple[str, ...], ...]:
    """The catalogue's ``esco_skills`` column (JSON lists) as the specification holds it."""
    return tuple(tuple(uris) for uris in orjson.loads(column)) if column else ()


def limit_of(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def page_of(items: list[T], offset: int, limit: int, total: int) -> Page[T]:
    offset = max(offset, 0)
    following = offset + len(items)
    return Page(items, offset, limit, total, following if following < total else None)
