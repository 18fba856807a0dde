"""Request ids and JSON log lines.

A request's id is taken from a sane incoming ``X-Request-ID`` or made here; it is kept
in a context variable while the request runs, so that every log line written meanwhile
carries it (see :class:`JsonFormatter`), ours, uvicorn's and libraries' alike.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import Scope

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
access_log = logging.getLogger("ledger.access")

# Generated ids: a random per-process prefix and a counter (32 hex digits), unique
# across processes and several times cheaper than uuid4() (no system call).
_ID_PREFIX = uuid.uuid4().hex[:16]
_id_counter = itertools.count(1)


def client_address(scope: Scope) -> str | None:
    """Who is on the other end of the socket, for the access log. Behind a proxy this
    is the proxy; a trusted-proxy aware address can replace this one function."""
    client = scope.get("client")
    return str(client[0]) if client else None


def sane_request_id(value: str | None) -> str:
    """The caller's request id if it is short and plain, else a fresh one: a
    client cannot inject log lines or headers through it."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return f"{_ID_PREFIX}{next(_id_counter):016x}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any
    ``extra={"fields": {...}}`` given to the log call."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


_HANDLER_MARK = "_ledger_json_handler"


def configure_logging(level: str = "INFO") -> None:
    """Send every log line (ours, uvicorn's, libraries') as JSON to stderr. Idempotent."""
    root = logging.getLogger()
    if not any(getattr(h, _HANDLER_MARK, False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    # Our access line (route template, duration, request id) replaces uvicorn's.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
