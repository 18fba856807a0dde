"""The tamper-evident log beside the views: its tables, the appender that follows the
event log into the Merkle tree, and the check that recomputes it."""
