"""The tamper-evident log of the ledger's events, as pure functions (issue 21).

Every event is a leaf of one append-only Merkle tree, in log order. This package holds
the arithmetic only, with no database, no HTTP and no event-store import, so that storage
can keep the hashes anywhere that can answer `tree.HashReader`, and a verifier can check
a published log with the same code:

- `hashing`: the RFC 9162 (Certificate Transparency 2.0) leaf, node and tree hashes;
- `tree`: the tree kept as its complete-subtree hashes, addressed by (level, index) as in
  Go's golang.org/x/mod/sumdb/tlog; appending, roots, and the RFC 9162 inclusion and
  consistency proofs with their verifiers;
- `tiles`: the hash tiles and tile paths of C2SP tlog-tiles (https://c2sp.org/tlog-tiles);
- `checkpoint`: C2SP checkpoints (https://c2sp.org/tlog-checkpoint) as C2SP signed notes
  (https://c2sp.org/signed-note) with Ed25519, in the verifier-key format of Go's
  golang.org/x/mod/sumdb/note.

Checked byte for byte against Go's tlog and note in tests/unit/transparency.
"""
