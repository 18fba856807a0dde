"""Verifiable credentials: W3C Data Integrity proofs, as pure functions (issue 20).

No database, no HTTP, no network: every JSON-LD context is bundled (``contexts/``).

- `documents`: the document loader, serving the bundled contexts and refusing any other URL;
- `canonical`: a document's RDFC-1.0 canonical N-Quads, refusing undefined terms, control
  characters and oversized input rather than signing less than the document says;
- `data_integrity`: the ``eddsa-rdfc-2022`` cryptosuite, creating and verifying proofs;
- `status_list`: W3C Bitstring Status List v1.0: the bounded ``encodedList`` codec, the keyed
  permutation that hands out list indexes, and the status list credential.
- `europass`: an award as a Europass Digital Credential (ELM 3), the unsigned export in the
  EDC's own VC 1.1-based context, a document separate from the signed VC 2.0 one.

Checked byte for byte against the W3C vc-di-eddsa vectors and the Open Badges 3.0
specification's signed example in tests/unit/credentials.
"""
