"""Caps on request bodies, so that an oversized upload is a 413 problem, not memory.

Each route reads at most what its largest valid request needs. That size is derived
from the route's request model, where the route is defined: every request model bounds
its strings and lists (api/models/common.py), so the JSON schema gives the longest
valid body (`max_json_bytes`). A route may declare its own cap instead, with
``openapi_extra={"x-max-body-bytes": n}`` (it then shows in the OpenAPI document too).
``LEDGER_MAX_BODY_BYTES`` (16 MiB by default) stays the upper bound of every cap, and
the cap of a route whose model cannot be bounded.

What "the longest valid body" assumes: free text at its maximum length in characters,
4 bytes each (UTF-8's longest; a client escaping non-ASCII as ``\\uXXXX`` fits unless
most of its text is non-ASCII), ids and dates in their longest accepted spellings
(``urn:uuid:...``), up to 16 bytes of indentation around each value, and 1 KiB to
spare. So a ``status:batch`` of 1,000 ids is capped at about 65 KB, not 16 MiB.

A declared ``Content-Length`` over the global cap is refused before routing; over the
route's cap, when the route first asks for the body, before a byte of it is read. A
chunked body is counted as it arrives and refused when it passes the route's cap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from ledger.config.sections import DEFAULT_MAX_BODY_BYTES

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "BodySizeLimit",
    "Unbounded",
    "max_json_bytes",
    "route_body_cap",
]

DECLARED_CAP = "x-max-body-bytes"

BYTES_PER_CHAR = 4
WHITESPACE = 16  # indentation and a line break around one value
SPARE = 1024
NUMBER = 32  # "1000.00", "-0.0000001e+10": digits are few, spellings are not
# Longest accepted spellings of formatted strings, in characters (all ASCII).
FORMATS = {
    "uuid": len("urn:uuid:") + 36,
    "date": 32,
    "date-time": 64,
    "time": 32,
    "email": 254,
}


class Unbounded(ValueError):
    """The schema lets a valid body be as long as the client likes."""


def max_json_bytes(schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> int:
    """The longest JSON text (in bytes) that ``schema`` accepts, under the module's
    assumptions; `Unbounded` if there is none."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return max_json_bytes(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return _alternatives_bytes(schema[combinator], defs)
    if "allOf" in schema:
        return min(max_json_bytes(s, defs) for s in schema["allOf"])
    if "const" in schema:
        return len(repr(schema["const"])) * BYTES_PER_CHAR + 2
    if "enum" in schema:
        return max(len(str(v)) for v in schema["enum"]) * BYTES_PER_CHAR + 2
    sizer = _SIZE_BY_TYPE.get(str(schema.get("type")))
    if sizer is None:
        raise Unbounded(f"a schema of no known size: {schema}")
    return sizer(schema, defs)


def _alternatives_bytes(alternatives: list[Mapping[str, Any]], defs: Mapping[str, Any]) -> int:
    if any(s.get("type") in ("number", "integer") for s in alternatives):
        # A Decimal: a number, or the same number as a string (whose leading
        # zeros the schema does not bound, and which no client sends).
        alternatives = [_as_number(s) for s in alternatives]
    return max(max_json_bytes(s, defs) for s in alternatives)


def _string_bytes(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> int:
    if "maxLength" in schema:
        return int(schema["maxLength"]) * BYTES_PER_CHAR + 2
    if schema.get("format") in FORMATS:
        return FORMATS[schema["format"]] + 2
    raise Unbounded(f"a string without maxLength: {schema}")


def _array_bytes(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> int:
    if "maxItems" not in schema or "items" not in schema:
        raise Unbounded(f"an array without maxItems: {schema}")
    item = max_json_bytes(schema["items"], defs) + 1 + WHITESPACE  # comma
    return 2 + int(schema["maxItems"]) * item + WHITESPACE


def _object_bytes(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> int:
    if schema.get("additionalProperties", True) is not False:
        raise Unbounded(f"an object that takes any property: {schema}")
    members = sum(
        len(name) + 3 + WHITESPACE + max_json_bytes(value, defs) + 1  # "name": value,
        for name, value in schema.get("properties", {}).items()
    )
    return 2 + members + WHITESPACE


_Sizer = Callable[[Mapping[str, Any], Mapping[str, Any]], int]
# The longest value of each JSON type, given the schema that bounds it.
_SIZE_BY_TYPE: dict[str, _Sizer] = {
    "string": _string_bytes,
    "number": lambda schema, defs: NUMBER,
    "integer": lambda schema, defs: NUMBER,
    "boolean": lambda schema, defs: len("false"),
    "null": lambda schema, defs: len("null"),
    "array": _array_bytes,
    "object": _object_bytes,
}


def _as_number(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if schema.get("type") == "string" and "maxLength" not in schema:
        return {"type": "string", "maxLength": NUMBER // BYTES_PER_CHAR}
    return schema


def route_body_cap(route: APIRoute, ceiling: int) -> int:
    """The cap ``route`` declares or its request model implies, at most ``ceiling``."""
    declared = (route.openapi_extra or {}).get(DECLARED_CAP)
    if declared is not None:
        return min(int(declared), ceiling)
    model = None if route.body_field is None else route.body_field.field_info.annotation
    if model is None:
        return ceiling  # reads no body (nothing is read), or reads it by hand
    schema = TypeAdapter(model).json_schema()
    try:
        return min(max_json_bytes(schema) + SPARE, ceiling)
    except Unbounded:
        return ceiling


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._caps: dict[int, int] = {}  # id(route) -> cap; routes live as long as the app

    def cap_for(self, route: object) -> int:
        if not isinstance(route, APIRoute):
            return self.max_bytes
        cap = self._caps.get(id(route))
        if cap is None:
            cap = self._caps[id(route)] = route_body_cap(route, self.max_bytes)
        return cap

    @staticmethod
    def _detail(cap: int) -> str:
        return f"the request body is larger than {cap} bytes; send smaller batches"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = -1
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) <= self.max_bytes:
                    declared = int(value)
                    break
                response = problem_response(413, "request-too-large", self._detail(self.max_bytes))
                await response(scope, receive, send)
                return
        received = 0
        cap = -1

        async def counting_receive() -> Message:
            nonlocal received, cap
            if cap < 0:
                # The first read comes after routing: the route, and so its cap, is known.
                cap = self.cap_for(scope.get("route"))
                if declared > cap:
                    raise HTTPException(413, self._detail(cap))
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    # FastAPI lets an HTTPException raised while reading the body through
                    # to the problem handlers.
                    raise HTTPException(413, self._detail(cap))
            return message

        await self.app(scope, counting_receive, send)
