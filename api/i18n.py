"""The pages' words in more than one language: a catalogue of messages per language
(``api/locales/{lang}.json``, one flat object of message key -> text), and how a request
picks its language.

The language is, in order: ``?lang=xx`` when it names a language the catalogues have
(``fr``, ``fr-BE`` and ``FR`` all mean French); else the best ``Accept-Language`` range
the catalogues have (q-values honoured, ``q=0`` refuses, ``fr-BE`` matches ``fr``); else
English. A ``?lang=`` the catalogues do not have is ignored, never an error.

Messages are `str.format` templates with named placeholders (``{day}``); every catalogue
has the same keys with the same placeholders (tests/web/test_verify_languages.py). The
``format.*`` keys are the exceptions: they lay out dates from a fixed set of fields
(`DAY_FIELDS`, `MOMENT_FIELDS`), each language choosing which it shows.

In a template, ``t("key", name=value)`` gives the message as markup: the message and
every value are escaped, except a value that is already markup (a ``<code>`` or a link
built in the template), so a sentence can hold an element without splitting it in two.
"""

from __future__ import annotations

import gettext
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import pycountry
from markupsafe import Markup, escape

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "fr")
"""The languages the catalogues have, in the order the language switcher lists them."""

DAY_FIELDS = frozenset({"iso", "day", "month", "year"})
MOMENT_FIELDS = DAY_FIELDS | {"hh", "hour", "minute"}

# A header is read up to this many characters and ranges: enough for any browser.
_MAX_HEADER = 1000
_MAX_RANGES = 50


def language_tag(text: str | None) -> str | None:
    """The catalogue's language a tag names (``fr-BE`` -> ``fr``), or ``None``."""
    if not text:
        return None
    primary = text.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def from_accept_language(header: str | None) -> str | None:
    """The catalogue's language an ``Accept-Language`` header prefers most, or ``None``.

    Ranges are taken by falling q-value, in the header's order among equals; ``q=0``
    (not acceptable) and malformed q-values are skipped, and ``*`` adds nothing (the
    default is English anyway)."""
    if not header:
        return None
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_RANGES]):
        tag, _, params = part.partition(";")
        quality = _quality(params)
        if 0.0 < quality <= 1.0:  # also false for nan
            ranges.append((-quality, index, tag))
    for _, _, tag in sorted(ranges):
        found = language_tag(tag)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Choice:
    """The language of one response, and whether the reader asked for it by ``?lang=``
    (then the page's own links and its form carry it on)."""

    lang: str
    explicit: bool


def choose_language(query_lang: str | None, accept_language: str | None) -> Choice:
    asked = language_tag(query_lang)
    if asked is not None:
        return Choice(asked, explicit=True)
    return Choice(from_accept_language(accept_language) or DEFAULT_LANGUAGE, explicit=False)


def load_messages(lang: str) -> dict[str, str]:
    """One catalogue as stored (packaged with ``api``, so an installed wheel has it)."""
    text = (resources.files("api") / "locales" / f"{lang}.json").read_text(encoding="utf-8")
    messages = json.loads(text)
    if not isinstance(messages, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in messages.items()
    ):
        msg = f"api/locales/{lang}.json must be one object of message key -> text"
        raise ValueError(msg)
    return messages


@cache
def _country_names(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


@dataclass(frozen=True)
class Catalogue:
    """The messages of one language, and its ways of writing dates and numbers."""

    lang: str
    messages: Mapping[str, str] = field(repr=False)

    def text(self, key: str, **params: Any) -> str:
        """The message ``key`` as plain text, its placeholders filled."""
        return self.messages[key].format(**params)

    def __call__(self, key: str, **params: Any) -> Markup:
        """The message ``key`` as markup for a template (see the module's docstring)."""
        return escape(self.messages[key]).format(**params)

    def day(self, value: date | str) -> str:
        """A day as this language writes it (English keeps ISO 8601)."""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return self.text("format.day", **self._day_fields(day))

    def moment(self, value: datetime) -> str:
        """A moment, in UTC, as this language writes it."""
        at = value.astimezone(UTC)
        return self.text(
            "format.moment",
            **self._day_fields(at.date()),
            hh=f"{at.hour:02d}",
            hour=str(at.hour),
            minute=f"{at.minute:02d}",
        )

    def _day_fields(self, day: date) -> dict[str, str]:
        return {
            "iso": day.isoformat(),
            "day": self.text("format.day_1") if day.day == 1 else str(day.day),
            "month": self.text(f"month.{day.month}"),
            "year": str(day.year),
        }

    def number(self, value: Decimal) -> str:
        """A decimal without trailing zeros, with this language's decimal mark."""
        text = format(value.normalize(), "f")
        return text.replace(".", self.text("format.decimal_mark"))

    def country(self, code: str, english_name: str) -> str:
        """The country's name in this language (ISO 3166-1 as pycountry translates it);
        the English name where there is no translation."""
        found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
        if found is None or self.lang == DEFAULT_LANGUAGE:
            return english_name
        return _country_names(self.lang).gettext(str(found.name))

    @property
    def name(self) -> str:
        """The language's own name for itself (``Français``)."""
        return self.messages["language.name"]


@cache
def catalogue(lang: str) -> Catalogue:
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    return Catalogue(lang, load_messages(lang))


def english() -> Catalogue:
    return catalogue(DEFAULT_LANGUAGE)
