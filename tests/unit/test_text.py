"""Which control characters a person's text may hold (ledger.domain.text)."""

from __future__ import annotations

import pytest

from ledger.domain.text import check_free_text, check_line, visible
from ledger.errors import ControlCharacter

CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))]
LAYOUT = {"\t", "\n", "\r"}


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_line_holds_no_control_character(char: str) -> None:
    with pytest.raises(ControlCharacter) as refused:
        check_line(f"ab{char}c", "specification", "title")
    assert refused.value.location == ("specification", "title")
    assert f"U+{ord(char):04X} at position 2" in str(refused.value)
    assert char not in str(refused.value)


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_free_text_holds_line_breaks_and_tabs_only(char: str) -> None:
    if char in LAYOUT:
        check_free_text(f"one{char}two", "reason")
    else:
        with pytest.raises(ControlCharacter):
            check_free_text(f"one{char}two", "reason")


def test_text_around_the_controls_is_text() -> None:
    check_line("Ærø Ünïversität \u2013 東京 \u00a0 \u2028", "name")  # U+00A0 and beyond: not C0/C1
    check_line(None, "website")
    assert visible("a\x00b\x1b[2J") == "a\\u0000b\\u001b[2J"
