"""Deterministic identifiers, so that the same natural key always names the same
aggregate: re-sending a registration or an award finds what is already there."""

from __future__ import annotations

from uuid import UUID, uuid5

LEDGER_NAMESPACE = UUID("6f1f2c8e-4a4b-5b7e-9c39-1d5f0a7e2b10")


def provider_id(code: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"provider:{code.strip().upper()}")


def micro_credential_id(provider: UUID, code: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"micro-credential:{provider}:{code.strip()}")


def learner_record_id(learner_id: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"learner:{learner_id.strip()}")


def award_id(provider: UUID, provider_reference: str) -> UUID:
    return uuid5(LEDGER_NAMESPACE, f"award:{provider}:{provider_reference.strip()}")
