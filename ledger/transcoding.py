"""Event state as JSON, encoded by orjson, with exact round trips for the types the
domain uses: UUID, datetime, date, Decimal, bytes, tuples, enums and frozen dataclasses.

orjson serialises UUIDs, datetimes, enums and dataclasses natively, but then they come
back as strings and dicts. So values are first tagged (``{"_type_": ..., "_data_": ...}``,
the same envelope eventsourcing's JSONTranscoder uses) and restored on the way back.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from ledger.domain.ids import uuid_from_int

_TYPE = "_type_"
_DATA = "_data_"
# Hot path (every event written or read): values of these exact types are returned as
# they are, without a call. orjson decodes to exactly dict, list, str, int, float, bool
# and None, so on the way back only dicts and lists need a look.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_NESTED = frozenset({dict, list})


_new = object.__new__


def _uuid_from_hex(data: str) -> UUID:
    # 32 hex digits are always in range; anything else takes the checked way.
    if len(data) != 32:
        return UUID(int=int(data, 16))
    return uuid_from_int(int(data, 16))


def _tag_uuid(o: UUID) -> dict[str, Any]:
    return {_TYPE: "uuid_hex", _DATA: o.hex}


def _tag_datetime(o: datetime) -> dict[str, Any]:
    return {_TYPE: "datetime_iso", _DATA: o.isoformat()}


def _tag_date(o: date) -> dict[str, Any]:
    return {_TYPE: "date_iso", _DATA: o.isoformat()}


def _tag_decimal(o: Decimal) -> dict[str, Any]:
    return {_TYPE: "decimal_str", _DATA: str(o)}


def _tag_bytes(o: bytes) -> dict[str, Any]:
    return {_TYPE: "bytes_b64", _DATA: base64.b64encode(o).decode("ascii")}


class OrjsonTranscoder(Transcoder):
    def __init__(self) -> None:
        self._topics: dict[type, str] = {}
        self._types: dict[str, type] = {}
        self._field_names: dict[type, tuple[str, ...]] = {}
        self._plain_fields: dict[type, frozenset[str]] = {}
        self._taggers: dict[type, Callable[[Any], Any]] = {}
        self._decoders: dict[str, Callable[[Any], Any]] = {
            "uuid_hex": _uuid_from_hex,
            "datetime_iso": datetime.fromisoformat,
            "date_iso": date.fromisoformat,
            "decimal_str": Decimal,
            "tuple": self._untag_tuple,
            "bytes_b64": base64.b64decode,
            "enum": self._untag_enum,
            "dataclass": self._untag_dataclass,
        }

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(self._tag(obj))

    def decode(self, data: bytes) -> Any:
        return self._untag(orjson.loads(data))

    def _topic(self, cls: type) -> str:
        topic = self._topics.get(cls)
        if topic is None:
            topic = self._topics[cls] = get_topic(cls)
        return topic

    def _resolve(self, topic: str) -> type:
        cls = self._types.get(topic)
        if cls is None:
            cls = self._types[topic] = cast(type, resolve_topic(topic))
        return cls

    def _tag(self, o: Any) -> Any:
        # The hot path of every event written: one lookup by exact type; the first value
        # of any other type goes down the isinstance chain once, which files its type.
        t = type(o)
        if t in _PLAIN:
            return o
        tagger = self._taggers.get(t)
        if tagger is None:
            tagger = self._taggers[t] = self._tagger_of(o)
        return tagger(o)

    def _tagger_of(self, o: Any) -> Callable[[Any], Any]:  # noqa: C901 - fixed on another branch
        # Order matters: bool and Enum(str) are subclasses of int and str.
        if isinstance(o, dict):
            return self._tag_dict
        if isinstance(o, list):
            return self._tag_list
        if isinstance(o, tuple):
            return self._tag_tuple
        if isinstance(o, UUID):
            return _tag_uuid
        if isinstance(o, datetime):
            return _tag_datetime
        if isinstance(o, date):
            return _tag_date
        if isinstance(o, Decimal):
            return _tag_decimal
        if isinstance(o, bytes):
            return _tag_bytes
        if isinstance(o, Enum):
            return self._tag_enum
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return self._tag_dataclass
        msg = f"cannot store a {type(o).__qualname__} in an event"
        raise TypeError(msg)

    def _tag_dict(self, o: dict[str, Any]) -> dict[str, Any]:
        return {k: v if type(v) in _PLAIN else self._tag(v) for k, v in o.items()}

    def _tag_list(self, o: list[Any]) -> list[Any]:
        return [self._tag(v) for v in o]

    def _tag_tuple(self, o: tuple[Any, ...]) -> dict[str, Any]:
        return {_TYPE: "tuple", _DATA: [self._tag(v) for v in o]}

    def _tag_enum(self, o: Enum) -> dict[str, Any]:
        return {_TYPE: "enum", _DATA: [self._topic(type(o)), self._tag(o.value)]}

    def _tag_dataclass(self, o: Any) -> dict[str, Any]:
        names = self._field_names.get(type(o))
        if names is None:
            names = self._field_names[type(o)] = tuple(f.name for f in dataclasses.fields(o))
        state = {}
        for name in names:
            value = getattr(o, name)
            state[name] = value if type(value) in _PLAIN else self._tag(value)
        return {_TYPE: "dataclass", _DATA: [self._topic(type(o)), state]}

    def _untag(self, o: Any) -> Any:
        # The hot path of every read and rebuild: one type() test per value, a dict
        # lookup per tagged value instead of a chain of comparisons.
        if type(o) is list:
            return [self._untag(v) if type(v) in _NESTED else v for v in o]
        if type(o) is not dict:
            return o
        if len(o) == 2:
            kind = o.get(_TYPE)
            if kind is not None and _DATA in o:
                decoder = self._decoders.get(kind)
                if decoder is not None:
                    return decoder(o[_DATA])
        return self._untag_items(o)

    def _untag_items(self, o: dict[str, Any]) -> dict[str, Any]:
        """A dict's values restored, in place (the dicts are orjson's fresh output, only
        ever seen here); a tagged leaf value (a UUID, a datetime...) is decoded without
        a recursive call, a plain value is left where it is."""
        decoders = self._decoders
        for k, v in o.items():
            t = type(v)
            if t is dict:
                if len(v) == 2:
                    kind = v.get(_TYPE)
                    if kind is not None and _DATA in v:
                        decoder = decoders.get(kind)
                        if decoder is not None:
                            o[k] = decoder(v[_DATA])
                            continue
                self._untag_items(v)
            elif t is list:
                o[k] = self._untag(v)
        return o

    def _untag_tuple(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(self._untag(v) if type(v) in _NESTED else v for v in data)

    def _untag_enum(self, data: list[Any]) -> Any:
        return self._resolve(data[0])(self._untag(data[1]))

    def _untag_dataclass(self, data: list[Any]) -> Any:
        cls = self._resolve(data[0])
        state = self._untag_items(data[1])
        if state.keys() == self._restorable_fields(cls):
            # Stored fields were validated when the value was made: they are put back
            # as they are, without __init__ (a frozen dataclass's __init__ costs a
            # guarded setattr per field: a fifth of loading a learner's record).
            value: Any = _new(cls)
            value.__dict__.update(state)
            return value
        # A field added to the class since the event was stored (its default), or a
        # class whose __init__ does more than assign.
        return cls(**state)

    def _restorable_fields(self, cls: type) -> frozenset[str]:
        """The field names of a plain dataclass (every field set by __init__, no
        __post_init__, no slots), or no names: cached by class."""
        names = self._plain_fields.get(cls)
        if names is None:
            fields = dataclasses.fields(cls)
            plain = (
                all(f.init for f in fields)
                and not hasattr(cls, "__post_init__")
                and not hasattr(cls, "__slots__")
            )
            names = self._plain_fields[cls] = frozenset(f.name for f in fields if plain)
        return names
