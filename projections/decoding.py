"""Decoding the log for the views.

The views only copy most of an event's values into SQL, where a UUID goes as its hex
digits and a timestamp as ISO text: decoding them into ``UUID`` and ``datetime``
objects only to turn them straight back into text was a third of a rebuild. So the
views' decoder reads the ledger's stored state (``ledger.transcoding``: JSON with
tagged values) and leaves these leaf values in their wire form:

* a UUID (``uuid_hex``) stays its 32 hex digits (a ``str``);
* a timestamp (``datetime_iso``) stays its ISO text;
* a date (``date_iso``) in ``YYYY-MM-DD`` form stays that text.

The dialect's ``to_uuid``/``to_ts``/``to_date`` take either form and give the same
text for both (``projections.dialect``), so the stored rows are the same. Everything
else is restored as the transcoder does it (tuples, enums, decimals, bytes, frozen
dataclasses, the latter without running ``__init__``, which would see the wire values).
A value of a kind this decoder does not know, or a dataclass whose stored fields are
not exactly its fields, sends the whole event the exact way (the ledger's mapper).

Ids that handlers use as keys (credential ids, award ids) therefore come as hex text
from this decoder and as ``UUID`` from the exact way; handlers key their look-ups by
the value the event itself carries, so both meet the same key.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any, cast

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, find_id_convertor
from eventsourcing.utils import resolve_topic

from ledger.transcoding import OrjsonTranscoder
from projections.dialect import is_canonical_date

_TYPE = "_type_"
_DATA = "_data_"
_NESTED = frozenset({dict, list})

_new = object.__new__
_set = object.__setattr__


class Fallback(Exception):
    """The state holds something this decoder would not restore as the transcoder
    does: the event is decoded the exact way instead."""


class WireDecoder:
    """Stored state (bytes of tagged JSON) to a dict of values, leaf values of the
    wire kinds left as text."""

    def __init__(self) -> None:
        self._types: dict[str, type] = {}
        self._fields: dict[type, frozenset[str] | None] = {}
        self._enums: dict[tuple[str, Any], Any] = {}
        self._decoders: dict[str, Callable[[Any], Any]] = {
            "uuid_hex": _uuid_wire,
            "datetime_iso": _text,
            "date_iso": _date_wire,
            "decimal_str": _decimal,
            "tuple": self._tuple,
            "bytes_b64": _bytes,
            "enum": self._enum,
            "dataclass": self._dataclass,
        }

    def decode(self, data: bytes) -> dict[str, Any]:
        state = orjson.loads(data)
        if type(state) is not dict or (len(state) == 2 and _TYPE in state and _DATA in state):
            raise Fallback
        return self._items(state)

    def _items(self, o: dict[str, Any]) -> dict[str, Any]:
        """A dict's values restored in place (orjson's fresh output, seen only here).
        The two commonest tags, UUIDs and timestamps, are tested inline: a call per
        value is what the exact decoder spends its time on."""
        decoders = self._decoders
        for k, v in o.items():
            t = type(v)
            if t is dict:
                if len(v) == 2:
                    kind = v.get(_TYPE)
                    if kind is not None and _DATA in v:
                        data = v[_DATA]
                        if type(data) is str and (
                            (kind == "uuid_hex" and len(data) == 32) or kind == "datetime_iso"
                        ):
                            o[k] = data
                        else:
                            decoder = decoders.get(kind)
                            if decoder is None:
                                raise Fallback
                            o[k] = decoder(data)
                        continue
                self._items(v)
            elif t is list:
                o[k] = self._list(v)
        return o

    def _value(self, v: Any) -> Any:
        if type(v) is list:
            return self._list(v)
        if len(v) == 2:
            kind = v.get(_TYPE)
            if kind is not None and _DATA in v:
                decoder = self._decoders.get(kind)
                if decoder is None:
                    raise Fallback
                return decoder(v[_DATA])
        return self._items(v)

    def _list(self, o: list[Any]) -> list[Any]:
        return [self._value(v) if type(v) in _NESTED else v for v in o]

    def _tuple(self, data: Any) -> tuple[Any, ...]:
        if type(data) is not list:
            raise Fallback
        return tuple(self._value(v) if type(v) in _NESTED else v for v in data)

    def _resolve(self, topic: Any) -> type:
        cls = self._types.get(topic)
        if cls is None:
            if type(topic) is not str:
                raise Fallback
            cls = self._types[topic] = cast(type, resolve_topic(topic))
        return cls

    def _enum(self, data: Any) -> Any:
        if type(data) is not list or len(data) != 2:
            raise Fallback
        topic, value = data
        if type(value) in _NESTED:
            return self._resolve(topic)(self._value(value))
        key = (topic, value)
        member = self._enums.get(key)
        if member is None:
            member = self._enums[key] = self._resolve(topic)(value)
        return member

    def _dataclass(self, data: Any) -> Any:
        if type(data) is not list or len(data) != 2 or type(data[1]) is not dict:
            raise Fallback
        topic, state = data
        cls = self._resolve(topic)
        if cls not in self._fields:
            self._fields[cls] = _plain_fields(cls)
        names = self._fields[cls]
        if names is None or state.keys() != names:
            raise Fallback
        obj: Any = _new(cls)
        _set(obj, "__dict__", self._items(state))
        return obj


def _plain_fields(cls: type) -> frozenset[str] | None:
    """The field names of a dataclass that is only its fields (every field set by
    ``__init__``, no ``__post_init__``, no slots), so that setting its ``__dict__``
    makes what ``cls(**fields)`` would; None for any other class."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    if any("__slots__" in vars(base) for base in cls.__mro__[:-1]):
        return None
    fields = dataclasses.fields(cls)
    if not fields or not all(f.init for f in fields):
        return None
    return frozenset(f.name for f in fields)


def _text(data: Any) -> str:
    if type(data) is not str:
        raise Fallback
    return data


def _uuid_wire(data: Any) -> str:
    if type(data) is not str or len(data) != 32:
        raise Fallback
    return data


def _date_wire(data: Any) -> str:
    if type(data) is not str or not is_canonical_date(data):
        raise Fallback
    return data


def _decimal(data: Any) -> Decimal:
    if type(data) is not str:
        raise Fallback
    return Decimal(data)


def _bytes(data: Any) -> bytes:
    if type(data) is not str:
        raise Fallback
    return base64.b64decode(data)


# --- U+0000 -----------------------------------------------------------------------------
# PostgreSQL's ``text`` cannot hold U+0000, and the views are text columns: one event
# with a NUL in a string stopped every view for good (its page failed again and again).
# New commands refuse control characters (``ledger.domain.text``), but the log is
# immutable and may hold events written before that. So the views see every U+0000 as
# U+FFFD (the replacement character) on both stores, and go on: a view is a copy for
# reading, and the exact value stays in the log (the authority's history and audit
# answers read it from there). Replacement rather than a reversible escape: an escape
# would have to be undone by every reader of every column (SQL search, the status
# reader, exports) and would make text that merely looks like an escape ambiguous;
# U+FFFD needs nothing from readers and shows plainly that something was not text.
# It is done on the stored JSON before decoding, where ``\u0000`` is the only way a
# NUL can appear (orjson and json escape it): a search for a backslash per event (one
# ``memchr``; most events hold none: 157 ns on a 1.4 kB state here, against 698 ns for
# the six-byte escape and 1.5 us for the decoding itself), and the rare event with one
# is decoded from bytes with the escape replaced.
_BACKSLASH = b"\\"
_NUL_ESCAPE = b"\\u0000"
# A ``\u0000`` escape, not the text "\u0000" (an escaped backslash, then "u0000"):
# preceded by an even number of backslashes.
_NUL_ESCAPES = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def without_nul(state: bytes) -> bytes:
    """Stored (JSON) state with each U+0000 in it made U+FFFD."""
    if _NUL_ESCAPE not in state:
        return state
    return _NUL_ESCAPES.sub(rb"\1\\ufffd", state)


def _with_state(n: Any, state: bytes) -> StoredEvent:
    return StoredEvent(
        originator_id=n.originator_id,
        originator_version=n.originator_version,
        topic=n.topic,
        state=state,
    )


def event_decoder(mapper: Mapper[Any], *, wire: bool = True) -> Callable[[Any], Any]:
    """A notification (or any record with its fields) to the domain event the views
    see: the mapper's ``to_domain_event`` without its per-event look-ups when the
    stored state is plain (no cipher, no compressor), each topic's class and id
    converter found once. With ``wire``, and the ledger's own transcoder, values are
    left in their wire form (above). Events of versioned classes (upcasting), and any
    the fast way cannot take, go through the mapper. Either way a U+0000 in the event's
    strings comes out as U+FFFD (``without_nul``)."""
    if mapper.cipher is not None or mapper.compressor is not None:
        return mapper.to_domain_event
    transcoder = mapper.transcoder
    decode: Callable[[bytes], Any]
    if wire and isinstance(transcoder, OrjsonTranscoder):
        decode = WireDecoder().decode
    else:
        decode = transcoder.decode
    found: dict[tuple[str, type], tuple[type, Callable[[Any], Any]] | None] = {}

    def to_domain_event(n: Any) -> Any:
        stored: bytes = n.state
        if _BACKSLASH in stored and _NUL_ESCAPE in stored:
            n = _with_state(n, without_nul(stored))
        key = (n.topic, type(n.originator_id))
        entry = found.get(key)
        if entry is None:
            if key in found:
                return mapper.to_domain_event(n)
            cls = resolve_topic(n.topic)
            if getattr(cls, "class_version", 1) != 1:
                found[key] = None
                return mapper.to_domain_event(n)
            entry = found[key] = (cls, find_id_convertor(cls, cast(Hashable, key[1])))
        try:
            state = decode(n.state)
        except Exception:  # Fallback, or the mapper's own error with the event's particulars
            return mapper.to_domain_event(n)
        if "class_version" in state:
            return mapper.to_domain_event(n)
        cls, convert = entry
        state["originator_id"] = convert(n.originator_id)
        state["originator_version"] = n.originator_version
        event: Any = _new(cls)
        _set(event, "__dict__", state)
        return event

    return to_domain_event
