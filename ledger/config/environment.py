"""Reading variables from the environment: every value checked, every refusal naming
its variable (the CLI prints a ValueError as one line and exits 1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def parse_bool(name: str, raw: str) -> bool:
    """The one spelling of a switch: ``1/true/yes/on`` or ``0/false/no/off``, any case."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    msg = f"{name} must be one of {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}, got {raw!r}"
    raise ValueError(msg)


@dataclass(frozen=True)
class Environment:
    """The variables of one process; an empty value counts as absent."""

    values: Mapping[str, str]

    def text(self, name: str, default: str) -> str:
        return self.values.get(name, "").strip() or default

    def switch(self, name: str, default: bool) -> bool:
        raw = self.values.get(name, "")
        return parse_bool(name, raw) if raw.strip() else default

    def number(self, name: str, default: float) -> float:
        raw = self.values.get(name, "").strip()
        if not raw:
            return default
        try:
            return float(raw)
        except ValueError:
            msg = f"{name} must be a number, got {raw!r}"
            raise ValueError(msg) from None

    def whole_number(self, name: str, default: int) -> int:
        raw = self.values.get(name, "").strip()
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            msg = f"{name} must be a whole number, got {raw!r}"
            raise ValueError(msg) from None
