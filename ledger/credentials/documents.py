"""The JSON-LD document loader: the bundled contexts, and nothing from the network.

A context fetched at verification time is an attack surface (whoever serves the URL
decides what a signed document means) and this ledger runs offline, so every context a
credential may name is bundled in ``contexts/`` (sources in ``contexts/SOURCES.md``) and
any other URL is refused with `UnknownDocumentError`.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
OB_V3P0_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EU_ELEMENTS_V1 = "https://w3id.org/micro-credential-ledger/eu-elements/v1"
"""The ledger's own context: the EU standard elements that Open Badges 3.0 has no term for."""

BUNDLED: Mapping[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    STATUS_LIST_V1: "vc-bitstring-status-list-v1.jsonld",
    OB_V3P0_3_0_3: "ob-v3p0-context-3.0.3.json",
    EU_ELEMENTS_V1: "eu-micro-credential-v1.jsonld",
}
"""Every URL the loader serves, and the bundled file that answers it."""

RemoteDocument = dict[str, Any]

MAX_CACHED_CONTEXTS = 64
"""Resolved contexts a loader keeps: the bundled ones, and inline contexts (which any
document can bring, so the cache is bounded)."""


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


class ResolvedContexts:
    """A small thread-safe LRU map, as pyld's context resolver uses it (get, set item).

    Processing the OB 3.0 context is most of the cost of canonicalizing an award (about
    three quarters); kept here, signing takes about 11 ms rather than 40.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class BundledLoader:
    """A pyld document loader serving the bundled contexts (plus ``extra``) and no other URL.

    Each loader keeps its own resolved contexts, so an extra context given to one (a test's)
    is never seen through another.
    """

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self._served = {url: copy.deepcopy(document) for url, document in (extra or {}).items()}
        self.resolved_contexts = ResolvedContexts(MAX_CACHED_CONTEXTS)

    def __call__(self, url: str, options: Any = None) -> RemoteDocument:
        if url in self._served:
            document = copy.deepcopy(self._served[url])
        elif url in BUNDLED:
            # A copy: pyld resolves URLs inside a context in place.
            document = copy.deepcopy(_parsed(url))
        else:
            raise UnknownDocumentError(url)
        # The tag lets pyld keep the resolved context in `resolved_contexts`.
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
            "tag": "static",
        }


DocumentLoader = BundledLoader

_DEFAULT = BundledLoader()


def document_loader(extra: Mapping[str, Any] | None = None) -> BundledLoader:
    """The loader of the bundled contexts, or a new one serving ``extra`` too.

    ``extra`` (URL -> parsed document) is for tests only (the W3C vectors name an examples
    context that no award uses): production code calls ``document_loader()``, which is
    one shared loader.
    """
    return _DEFAULT if extra is None else BundledLoader(extra)
