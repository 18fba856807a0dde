"""What every view shares: the page's SQL operations, the log record and page
context handlers see, the tracking positions, and the base class :class:`View`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from projections.dialect import Dialect

TRACKING_PREFIX = "projections."

_INDEX_NAME = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)


def index_name(statement: str) -> str:
    """The name of the index a ``CREATE INDEX`` statement makes."""
    found = _INDEX_NAME.match(statement.strip())
    if found is None:
        msg = f"not a CREATE INDEX statement with a name: {statement!r}"
        raise ValueError(msg)
    return found.group(1)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Ops:
    """The SQL of one view for one page.

    Plain INSERTs commute with each other and with every UPDATE of another row, and a
    row is always inserted (created) before any event updates it; so all inserts of a
    page run first, in bulk, one batch per statement (COPY on PostgreSQL,
    executemany on SQLite), then the UPDATEs in event order, consecutive ones with the
    same statement as one executemany."""

    __slots__ = ("inserts", "updates")

    def __init__(self) -> None:
        self.inserts: dict[str, list[Sequence[Any]]] = {}
        self.updates: list[tuple[str, list[Sequence[Any]]]] = []

    def insert(self, statement: str, params: Sequence[Any]) -> None:
        rows = self.inserts.get(statement)
        if rows is None:
            self.inserts[statement] = [params]
        else:
            rows.append(params)

    def update(self, statement: str, params: Sequence[Any]) -> None:
        updates = self.updates
        if updates and updates[-1][0] is statement:
            updates[-1][1].append(params)
        else:
            updates.append((statement, [params]))

    def run(self, cursor: Any, dialect: Dialect) -> None:
        for statement, rows in self.inserts.items():
            dialect.bulk_insert(cursor, statement, rows)
        for statement, rows in self.updates:
            if len(rows) == 1:
                cursor.execute(statement, rows[0])
            else:
                cursor.executemany(statement, rows)

    def __len__(self) -> int:
        return sum(len(r) for r in self.inserts.values()) + sum(len(r) for _, r in self.updates)


class LogRecord(Protocol):
    """A record of the log as handlers see it (eventsourcing's ``Notification``, or
    the follower's own row with the same fields)."""

    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> Any: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


@dataclass
class PageContext:
    """What handlers may need beyond the event itself, fetched before the page's
    transaction: the provider of each revoked award (from the ledger's award index)
    and of each micro-credential (remembered from its definition).

    Ids are keys as the events carry them (a ``UUID``, or the hex text of the views'
    decoder); providers are either form too, for ``Dialect.to_uuid``."""

    award_providers: dict[Any, Any] = field(default_factory=dict)
    credential_providers: dict[Any, Any] = field(default_factory=dict)
    resolve_credential_provider: Callable[[Any], Any] = lambda _cid: None

    def credential_provider(self, credential_id: Any) -> Any:
        found = self.credential_providers.get(credential_id)
        if found is None:
            found = self.resolve_credential_provider(credential_id)
            if found is not None:
                self.credential_providers[credential_id] = found
        return found


Handler = Callable[[Any, LogRecord, Ops, PageContext], None]


def _event(aggregate: type, name: str) -> type:
    """An aggregate's event class (declared by ``@event``, so invisible to mypy)."""
    found = getattr(aggregate, name)
    assert isinstance(found, type)
    return found


def tracked_positions(d: Dialect, tracking_names: Sequence[str]) -> dict[str, int]:
    """The tracking record of each named view that has one: the last log position its
    table holds."""
    with d.read() as c:
        c.execute(
            d.q(
                "SELECT application_name, notification_id FROM {tracking} "
                "WHERE application_name IN (" + ",".join("?" * len(tracking_names)) + ")"
            ),
            list(tracking_names),
        )
        return {r["application_name"]: int(r["notification_id"] or 0) for r in c.fetchall()}


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


class View:
    """One read model: its tables, indexes and event handlers."""

    name: str = ""
    description: str = ""
    tables: tuple[str, ...] = ()

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        self.tracking_name = TRACKING_PREFIX + self.name
        self.shadow = False
        """A view of a rebuild, on tables beside the live ones (``schema.shadow_views``)."""
        self.handlers: dict[type, Handler] = self.build_handlers()

    # --- schema ------------------------------------------------------------------------
    def create_statements(self) -> list[str]:
        raise NotImplementedError

    def index_statements(self) -> list[str]:
        return []

    def layout(self) -> str:
        """A fingerprint of the view's tables and indexes as this code creates them."""
        statements = (*self.create_statements(), *self.index_statements())
        return _digest("\n".join(self.d.q(statement) for statement in statements))

    def layout_parts(self) -> dict[str, Any]:
        """The fingerprint of the tables alone and of each index by name: a change of
        the indexes alone is made on the tables as they are, without a rebuild."""
        tables = _digest("\n".join(self.d.q(s) for s in self.create_statements()))
        indexes = {index_name(self.d.q(s)): _digest(self.d.q(s)) for s in self.index_statements()}
        return {"tables": tables, "indexes": indexes}

    def index_names(self) -> list[str]:
        """The names of the view's secondary indexes (as this view's statements say)."""
        return [index_name(self.d.q(statement)) for statement in self.index_statements()]

    def create(self, cursor: Any, *, indexes: bool = True) -> None:
        for statement in self.create_statements():
            cursor.execute(self.d.q(statement))
        if indexes:
            self.create_indexes(cursor)

    def create_indexes(self, cursor: Any) -> None:
        for statement in self.index_statements():
            cursor.execute(self.d.q(statement))

    def missing(self, existing: set[str]) -> bool:
        """Whether a table or index of the view is not among ``existing`` relations."""
        names = (*self.tables, *(index_name(s) for s in self.index_statements()))
        return any(self.d.name_of(n) not in existing for n in names)

    def create_missing(self, cursor: Any, existing: set[str]) -> None:
        """Create the tables and indexes of the view not among ``existing`` relations
        (the catalogue's, read in this transaction). What exists is not touched: on
        PostgreSQL even ``CREATE INDEX IF NOT EXISTS`` of an index that exists locks
        its table against writes (SHARE), which a follower's page, holding its
        tracking rows, may be waiting to make."""
        if any(self._name(t) not in existing for t in self.tables):
            for statement in self.create_statements():
                cursor.execute(self.d.q(statement))
        for statement in self.index_statements():
            sql = self.d.q(statement)
            if index_name(sql) not in existing:
                cursor.execute(sql)

    def _name(self, table: str) -> str:
        """A table's name as this view's statements make it (renamed, for a shadow)."""
        return self.d.name_of(table)

    def drop(self, cursor: Any) -> None:
        for table in self.tables:
            cursor.execute(self.d.q("DROP TABLE IF EXISTS {s}" + table))

    # --- events ------------------------------------------------------------------------
    def build_handlers(self) -> dict[type, Handler]:
        return {}

    def apply(self, events: Iterable[tuple[Any, LogRecord]], ops: Ops, ctx: PageContext) -> None:
        handlers = self.handlers
        for event, notification in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event, notification, ops, ctx)
