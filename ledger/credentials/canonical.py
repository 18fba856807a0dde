"""A JSON-LD document's canonical N-Quads (RDFC-1.0), refusing what pyld gets wrong.

`canonical_nquads` expands the document with the bundled contexts only
(`documents.document_loader`), converts it to RDF and canonicalizes it with RDFC-1.0
(pyld's ``URDNA2015``, the same algorithm; pyld's default, URGNA2012, is not). Whatever
would make the signed statements differ from the document's JSON is refused, never
passed over:

- a property no context defines (pyld drops it silently, so it would go unsigned; VC Data
  Integrity says such a loss MUST be an error): `UndefinedTermError`;
- a type or ``id`` that is not an absolute IRI (RDF conversion drops it silently):
  `UndefinedTermError` too;
- a context URL that is not bundled: `documents.UnknownDocumentError`;
- a control character U+0000-U+001F or U+007F in any key or string (pyld 3.3.0 writes
  their N-Quads escapes wrongly, so JavaScript verifiers disagree): `ControlCharacterError`;
  except, in a string value, the three that lay out prose (tab, line feed, carriage
  return: `ledger.domain.text` accepts them in free text), which pyld escapes as
  ``\\t``, ``\\n`` and ``\\r`` exactly as RDFC-1.0 and rdf-canonize do;
- a document larger than `MAX_DOCUMENT_BYTES`, nested deeper than `MAX_DEPTH`, or with
  more than `MAX_BLANK_NODES` blank nodes: `DocumentTooLargeError`.

The bounds are cheap guards against hostile input, checked before canonicalization, not a
time bound: RDFC-1.0 on a crafted graph within them can still be slow (the W3C "poison
graph", rdf-canon test074, has only 10 blank nodes and runs for over 20 s in pyld).
Verifying an untrusted upload in the request path needs a time bound as well (a
subprocess with a timeout); that is still to be done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

# pyld ships no type information; its few entry points used here are typed at the call.
from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]

from ledger.credentials.documents import DocumentLoader, UnknownDocumentError, document_loader

MAX_DOCUMENT_BYTES = 256 * 1024
"""An award is about 1.5 kB and a whole transcript tens of kB: 256 kB is far above both."""
MAX_DEPTH = 32
"""JSON nesting (objects and arrays); an award nests 6 deep."""
MAX_BLANK_NODES = 256
"""Blank nodes in the RDF dataset; an award has a handful (criteria, proof, alignments)."""

_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# What RFC 3987 leaves out of an IRI; N-Quads writers disagree on how to escape it.
_NOT_IN_AN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


class CanonicalizationError(ValueError):
    """The document cannot be canonicalized faithfully; nothing about it is signed."""


class UndefinedTermError(CanonicalizationError):
    """A property, type or identifier would be dropped from the RDF: it would go unsigned."""


class ControlCharacterError(CanonicalizationError):
    """A string holds a control character (U+0000-U+001F or U+007F) other than a tab or a
    line break in a value."""


class DocumentTooLargeError(CanonicalizationError):
    """The document is over one of the size, depth or blank-node bounds."""


def canonical_nquads(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document``, one line per quad, sorted."""
    loader = loader or document_loader()
    _check_size(document)
    _check_tree(document, depth=0)
    expanded = _expand(document, loader)
    _check_expanded(expanded)
    dataset = _pyld(
        lambda: jsonld.to_rdf(expanded, {"documentLoader": loader, "base": None}),
    )
    _check_blank_nodes(dataset)
    result = _pyld(lambda: URDNA2015().main(dataset, {"format": "application/n-quads"}))
    assert isinstance(result, str)
    return result


def _check_size(document: Mapping[str, Any]) -> None:
    try:
        size = len(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError) as error:
        raise CanonicalizationError(f"the document is not JSON: {error}") from error
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLargeError(
            f"the document is {size} bytes of JSON, over the bound of {MAX_DOCUMENT_BYTES}"
        )


def _check_tree(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise DocumentTooLargeError(f"the document nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value, _CONTROL_BUT_LAYOUT)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_text(str(key), _CONTROL)
            _check_tree(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_tree(item, depth + 1)


def _check_text(text: str, refused: re.Pattern[str]) -> None:
    found = refused.search(text)
    if found is not None:
        raise ControlCharacterError(
            f"the text {text[:40]!r} holds the control character "
            f"U+{ord(found.group()):04X}, which is not accepted"
        )


def _expand(document: Mapping[str, Any], loader: DocumentLoader) -> Any:
    def dropped(term: str | None) -> None:
        raise UndefinedTermError(
            f"the property {term!r} is defined by no context of the document: "
            "it would be left out of what is signed"
        )

    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped)
    # Resolved contexts are kept by the loader: pyld's default keeps them in a global cache,
    # where a context one loader served would be found through every other.
    resolver = ContextResolver(loader.resolved_contexts, loader)
    # No base (None, not pyld's default ""): with "" pyld 3.3.0 resolves a relative IRI
    # against http://example.org/base/ and signs that; kept relative, it is refused below.
    options = {"documentLoader": loader, "contextResolver": resolver, "base": None}
    return _pyld(lambda: processor.expand(dict(document), options))


def _check_expanded(expanded: Any) -> None:
    for node in _objects(expanded):
        if "@value" in node:
            datatype = node.get("@type")
            if datatype is not None and datatype != "@json":
                _require_iri(datatype, "datatype")
            continue
        if "@id" in node:
            _require_iri(node["@id"], "id", blank_allowed=True)
        for key in node:
            # RDF drops a blank-node predicate (a term defined as "_:..."), silently.
            if key.startswith("_:"):
                raise UndefinedTermError(
                    f"the property {key!r} is a blank node: it would be left out of what is signed"
                )
        for type_ in node.get("@type", []):
            _require_iri(type_, "type", blank_allowed=True)


def _require_iri(value: Any, what: str, *, blank_allowed: bool = False) -> None:
    if not isinstance(value, str):
        return
    if blank_allowed and value.startswith("_:"):
        return
    if not _ABSOLUTE_IRI.match(value):
        raise UndefinedTermError(
            f"the {what} {value!r} is neither a term a context defines nor an absolute IRI: "
            "it would be left out of what is signed"
        )
    found = _NOT_IN_AN_IRI.search(value)
    if found is not None:
        raise UndefinedTermError(
            f"the {what} {value[:60]!r} is not an IRI: it holds U+{ord(found.group()):04X}"
        )


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _objects(item)
    elif isinstance(value, dict):
        yield value
        if "@value" in value:
            return
        for key, item in value.items():
            if key not in ("@id", "@type", "@language", "@direction"):
                yield from _objects(item)


def _check_blank_nodes(dataset: Mapping[str, list[dict[str, Any]]]) -> None:
    blank: set[str] = set()
    for graph, quads in dataset.items():
        if graph.startswith("_:"):
            blank.add(graph)
        for quad in quads:
            for position in ("subject", "object"):
                if quad[position]["type"] == "blank node":
                    blank.add(quad[position]["value"])
    if len(blank) > MAX_BLANK_NODES:
        raise DocumentTooLargeError(
            f"the document has {len(blank)} blank nodes, over the bound of {MAX_BLANK_NODES}"
        )


def _pyld(run: Any) -> Any:
    """Run a pyld call, surfacing our own errors that pyld wrapped in its JsonLdError."""
    try:
        return run()
    except (CanonicalizationError, UnknownDocumentError):
        raise
    except jsonld.JsonLdError as error:
        ours = _own_cause(error)
        if ours is not None:
            raise ours from error
        raise CanonicalizationError(f"the document is not valid JSON-LD: {error}") from error
    except (ValueError, TypeError) as error:
        # pyld raises these bare for some malformed input (a relative context URL).
        raise CanonicalizationError(f"the document is not valid JSON-LD: {error}") from error


def _own_cause(error: BaseException) -> ValueError | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CanonicalizationError | UnknownDocumentError):
            return current
        current = current.__cause__ or current.__context__
    return None
