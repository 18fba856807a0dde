"""The JSON-LD document loader: the bundled contexts, and nothing from the network.

A context fetched at verification time is an attack surface (whoever serves the URL
decides what a signed document means) and this ledger runs offline, so every context a
credential may name is bundled in ``contexts/`` (sources in ``contexts/SOURCES.md``) and
any other URL is refused with `UnknownDocumentError`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
OB_V3P0_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

BUNDLED: Mapping[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    STATUS_LIST_V1: "vc-bitstring-status-list-v1.jsonld",
    OB_V3P0_3_0_3: "ob-v3p0-context-3.0.3.json",
}
"""Every URL the loader serves, and the bundled file that answers it."""

RemoteDocument = dict[str, Any]
DocumentLoader = Callable[[str, Any], RemoteDocument]


class UnknownDocumentError(ValueError):
    """A document names a context (or other document) that is not bundled."""

    def __init__(self, url: str) -> None:
        super().__init__(f"the JSON-LD document {url!r} is not one of the bundled contexts")
        self.url = url


def bundled_bytes(url: str) -> bytes:
    """The bundled file for ``url``, as the bytes that were pinned."""
    name = BUNDLED.get(url)
    if name is None:
        raise UnknownDocumentError(url)
    return resources.files(__package__).joinpath("contexts", name).read_bytes()


@cache
def _parsed(url: str) -> Any:
    return json.loads(bundled_bytes(url))


def document_loader(extra: Mapping[str, Any] | None = None) -> DocumentLoader:
    """A pyld loader for the bundled contexts, plus ``extra`` (URL -> parsed document).

    ``extra`` is for tests only (the W3C vectors name an examples context that no award
    uses): production code calls ``document_loader()``.
    """
    served = dict(extra or {})

    def load(url: str, options: Any = None) -> RemoteDocument:
        if url in served:
            document = served[url]
        elif url in BUNDLED:
            # A copy: pyld resolves URLs inside a context in place.
            document = copy.deepcopy(_parsed(url))
        else:
            raise UnknownDocumentError(url)
        # No "tag" key: pyld shares resolved contexts between calls only for tagged
        # documents, and a test's extra context must not leak into another loader.
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    return load
