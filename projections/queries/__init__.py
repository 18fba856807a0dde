"""The read model's queries, one module per area: credential status, the provider and
catalogue registers, transcripts, the audit trail, and the views' positions.

Each query takes the :class:`projections.queries.common.ReadContext` it reads through
(the :class:`projections.read.ReadModel`, which delegates to these)."""
