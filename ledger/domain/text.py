"""What text a person gives the ledger may hold: no control characters.

A control character (C0, U+0000-U+001F; DEL and C1, U+007F-U+009F) is never part of a
name, a code, a reference or a learner id. It is refused at the domain's boundary, with
the field named, rather than recorded for ever in the log, because:

* PostgreSQL ``text`` cannot hold U+0000: an event holding one could not be copied into
  the views (the views replace it, see ``projections.decoding``, but the answer a
  person gets should say at once that the value is wrong);
* credentials will be signed over canonical N-Quads (RDFC-1.0), which writes control
  characters as ``\\uXXXX`` escapes; pyld (the signing library planned) writes them as
  they are, except tab, line feed and carriage return, so a signature made over such a
  value would not verify elsewhere;
* they make logs, CSV exports and the verification page lie (a carriage return
  rewrites a terminal line, U+0085 is a line break to some readers).

Free text a person writes in several lines (learning outcomes, prerequisites, a
reason, the evidence of prior learning, an accommodation) may hold line breaks and
tabs: ``\\n``, ``\\r`` (a form's text area sends ``\\r\\n``) and ``\\t``. These are how
such prose is laid out, the views and JSON carry them exactly, and N-Quads escapes them
the same way in every implementation. Every other control character is refused there
too. A name, code, reference or id is one line: it holds none at all.

Values already in the log are not checked again when events are replayed (the log is
what it is; only new commands are refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ledger.errors import ControlCharacter

Location = tuple[str | int, ...]

_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _name(location: Location) -> str:
    return ".".join(str(part) for part in location)


def _refuse(value: str, found: re.Match[str], location: Location, *, free_text: bool) -> None:
    allowed = " (only line breaks and tabs are allowed in it)" if free_text else ""
    msg = (
        f"{_name(location)} holds the control character U+{ord(found.group()):04X} at "
        f"position {found.start()}{allowed}; control characters are not text a person "
        "writes: remove it"
    )
    raise ControlCharacter(msg, location)


def check_line(value: str | None, *location: str | int) -> None:
    """A one-line value (a name, code, reference, id): no control character at all."""
    if value is not None:
        found = _ANY_CONTROL.search(value)
        if found is not None:
            _refuse(value, found, location, free_text=False)


def check_free_text(value: str | None, *location: str | int) -> None:
    """Prose in several lines: line breaks and tabs, no other control character."""
    if value is not None:
        found = _CONTROL_BUT_LAYOUT.search(value)
        if found is not None:
            _refuse(value, found, location, free_text=True)


def check_lines(values: Iterable[str], *location: str | int) -> None:
    for index, value in enumerate(values):
        check_line(value, *location, index)


def has_control(value: str) -> bool:
    """Whether ``value`` holds any control character (for sanitising messages)."""
    return _ANY_CONTROL.search(value) is not None


def visible(value: str) -> str:
    """``value`` with each control character shown as its escape (for log lines and
    messages that quote text from elsewhere, such as a database error)."""
    return _ANY_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
