"""Request ids and JSON log lines.

A request's id is taken from a sane incoming ``X-Request-ID`` or made here; it is kept
in a context variable while the request runs, so that every log line written meanwhile
carries it (see :class:`JsonFormatter`), ours, uvicorn's and libraries' alike.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import itertools
import logging
import re
import sys
import threading
import time
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
        fields = getattr(record, "fields", None)
        return json_line(
            record.created,
            record.levelname.lower(),
            record.name,
            record.getMessage(),
            request_id=getattr(record, "request_id", None) or request_id_var.get(),
            fields=fields if isinstance(fields, dict) else None,
            exception=self.formatException(record.exc_info) if record.exc_info else None,
        )


def json_line(
    created: float,
    level: str,
    logger: str,
    message: str,
    *,
    request_id: str | None,
    fields: dict[str, Any] | None,
    exception: str | None = None,
) -> str:
    """One log line as :class:`JsonFormatter` writes it."""
    entry: dict[str, Any] = {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": logger,
        "message": message,
        "request_id": request_id,
    }
    if fields is not None:
        entry.update(fields)
    if exception is not None:
        entry["exception"] = exception
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


class AccessLines:
    """The access log's lines, one per request, as ``access_log.info`` would write them
    through the ledger's JSON handler, at a fraction of the cost.

    A line through the logging module (a record made, the handler chain walked, a lock,
    the formatter, a write and a flush) cost the status route a third of its time under
    load (issue 22). When that chain would end at the ledger's own JSON handler alone
    (nothing else attached, no filter, INFO enabled: the configuration `ledger serve`
    runs), the line is made here with the formatter's own `json_line` and written to the
    handler's stream together with the other lines of the same turn of the event loop,
    in one write; in any other configuration (a test's capture handler, a deployment's
    own handlers) it goes through ``access_log.info`` as before.
    """

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._target: logging.StreamHandler[Any] | None = None
        self._flush_loop: asyncio.AbstractEventLoop | None = None
        """The loop whose next turn writes the pending lines."""
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def write(self, method: str, route: str, status: int, fields: dict[str, Any]) -> None:
        handler = _sole_json_handler()
        if handler is None:
            access_log.info("%s %s %d", method, route, status, extra={"fields": fields})
            return
        line = json_line(
            time.time(),
            "info",
            access_log.name,
            f"{method} {route} {status}",
            request_id=request_id_var.get(),
            fields=fields,
        )
        if handler is not self._target:
            self.flush()  # the lines so far go where they were meant to
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # no event loop in this thread: written at once
            loop = None
        with self._lock:
            self._target = handler
            self._pending.append(line)
            if loop is not None and self._flush_loop is loop:
                return  # this turn's flush is already due
            self._flush_loop = loop
        if loop is None:
            self.flush()
        else:
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the lines made since the last flush, in one write."""
        with self._lock:
            lines, self._pending = self._pending, []
            self._flush_loop = None
            handler = self._target
        if not lines or handler is None:
            return
        handler.acquire()
        try:
            handler.stream.write("\n".join(lines) + "\n")
            handler.flush()
        except Exception:  # as logging's handlers do: a log write never fails a request
            handler.handleError(logging.makeLogRecord({"msg": "access log write failed"}))
        finally:
            handler.release()


def _sole_json_handler() -> logging.StreamHandler[Any] | None:
    """The ledger's JSON handler, if an INFO line of the access log would reach it and
    nothing else; else None."""
    logger: logging.Logger | None = access_log
    if not access_log.isEnabledFor(logging.INFO):
        return None
    while logger is not None:
        if logger.filters:
            return None
        if logger.handlers:
            handlers = logger.handlers
            if logger.parent is not None or len(handlers) != 1:
                return None
            handler = handlers[0]
            if (
                not getattr(handler, _HANDLER_MARK, False)
                or handler.filters
                or handler.level > logging.INFO
                or not isinstance(handler, logging.StreamHandler)
            ):
                return None
            return handler
        if not logger.propagate:
            return None
        logger = logger.parent
    return None


ACCESS_LINES = AccessLines()
"""The process's access lines (one buffer: every app in the process writes through it)."""
