"""How long the values a person gives the ledger may be, and how a code is written.

One home for the bounds: the API's request models and path parameters import them, so the
OpenAPI document states the same limits the domain means. A provider code is compared and
stored upper-cased without surrounding spaces; :func:`provider_code` is that rule, used by
the provider aggregate, the ids derived from codes and the routes that take a code.
"""

from __future__ import annotations

CODE_MAX = 64
"""A provider's or a micro-credential's code."""

NAME_MAX = 200
"""A name, a field of study, a search phrase."""

REFERENCE_MAX = 200
"""A provider's own reference for an award, or a decision's reference."""

REASON_MAX = 2000
"""A decision's reason or a private revocation note."""

TEXT_MAX = 4000
"""One paragraph of free text (a learning outcome, a prerequisite)."""

LEARNER_ID_MAX = 128
"""A learner's pseudonymous id."""

BATCH_MAX = 1000
"""The most items one batch request carries (the national policy may allow fewer)."""


def provider_code(code: str) -> str:
    """The form a provider code is stored and compared in: ``" setu "`` is ``SETU``."""
    return code.strip().upper()
