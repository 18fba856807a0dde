"""How a code is written, and which countries exist.

A provider's code is part of every provider route (``/v1/providers/{code}/...``) and a
micro-credential's code is how its provider names it; both must survive a URL, a CSV
file and a printed certificate unchanged. So a code is one documented pattern,
:data:`CODE_PATTERN`: letters A-Z, digits, and ``.``, ``_`` or ``-`` between them, at
most :data:`limits.CODE_MAX` characters. No ``/`` (it would split the route), no space,
no ``%`` or ``?`` (a URL would rewrite them), no leading or trailing punctuation (``.``
and ``..`` are path steps to a URL). Letters are compared without case: a provider code
is stored upper-cased (:func:`limits.provider_code`).

A country is an ISO 3166-1 alpha-2 code that the ISO 3166 maintenance agency has
assigned, as listed by ``pycountry`` (which tracks the standard's changes): ``ZZ`` or
the EU's own ``EL`` and ``UK`` are not countries here. Values already in the log are
not checked again on replay; :func:`country_name` names those by their code.
"""

from __future__ import annotations

import re

import pycountry

from ledger.domain import limits
from ledger.errors import InvalidCode, InvalidCountry

CODE_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$"
"""The pattern of a provider's or a micro-credential's code (as the OpenAPI states it)."""

_CODE = re.compile(CODE_PATTERN)


def check_code(code: str, what: str) -> str:
    """``code`` without surrounding spaces, if it follows the pattern; else refuse it."""
    stripped = code.strip()
    if len(stripped) > limits.CODE_MAX or not _CODE.fullmatch(stripped):
        msg = (
            f"{what} {code!r} is not a code: a code is 1 to {limits.CODE_MAX} letters A-Z, "
            "digits, and '.', '_' or '-' between them (no '/', no spaces)"
        )
        raise InvalidCode(msg)
    return stripped


def check_country(country: str) -> str:
    """The ISO 3166-1 alpha-2 code ``country`` names (upper-cased), or refuse it."""
    code = country.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        msg = f"country must be an ISO 3166-1 alpha-2 code of a country, got {country!r}"
        raise InvalidCountry(msg)
    return code


def country_name(code: str) -> str:
    """The country's short name in English (``IE`` is Ireland); the code itself if the
    standard does not (or no longer) list it."""
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)
