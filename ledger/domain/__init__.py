"""The pure domain model: aggregates, value objects and the rules between them. No I/O."""
