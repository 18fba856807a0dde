"""Where ``shared/vectors`` (the public reference data) is, read in place.

``shared/`` sits beside the checkout (``../shared``, as in CI); a git worktree lives further
down (``/work/wt/<branch>``), so the nearest ancestor of the checkout holding
``shared/vectors`` is used. Without one (a clone without the vectors) the tests that need
them are skipped, saying so; nothing is ever copied into the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


def vectors_dir() -> Path | None:
    for ancestor in CHECKOUT.parents:
        candidate = ancestor / "shared" / "vectors"
        if candidate.is_dir():
            return candidate
    return None


def require_vectors(what: str) -> Path:
    """``shared/vectors``, or skip the calling test: ``what`` says what is then untested."""
    found = vectors_dir()
    if found is None:
        pytest.skip(f"no shared/vectors beside {CHECKOUT}: {what} not available")
    return found
