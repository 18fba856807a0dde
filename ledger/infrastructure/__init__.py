"""Adapters that store the ledger: eventsourcing recorders extended with the two
tables that must change in the same transaction as the events they belong to."""
