"""Refusals are typed; adapters present them by kind and a stable code."""

from __future__ import annotations

import pytest

from ledger import errors

ALL = [
    cls
    for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.LedgerError)
]


@pytest.mark.parametrize(
    ("error", "code", "kind"),
    [
        (errors.MissingAssessment, "missing-assessment", "invalid"),
        (errors.ActorRequired, "actor-required", "invalid"),
        (errors.AwardNotFound, "award-not-found", "not_found"),
        (errors.NotYourObject, "not-your-object", "forbidden"),
        (errors.RevalidationRequired, "revalidation-required", "conflict"),
        (errors.ConcurrentUpdate, "concurrent-update", "conflict"),
    ],
)
def test_each_refusal_has_a_stable_code_and_a_kind(
    error: type[errors.LedgerError], code: str, kind: str
) -> None:
    assert (error.code(), error.kind) == (code, kind)


def test_codes_are_unique() -> None:
    codes = [cls.code() for cls in ALL]
    assert len(codes) == len(set(codes))
