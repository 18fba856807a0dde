"""The tamper-evident log, public: C2SP checkpoints signed with the authority's key,
C2SP tiles of the Merkle tree's hashes, and RFC 9162 proofs. Anyone can check that
an event is in the log and that the log was only ever appended to."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.models.log import ConsistencyProofView, InclusionProofView
from api.problems import problem_responses
from api.services import ServicesDep
from ledger.domain.moments import MAX_POSITION
from ledger.transparency.checkpoint import verifier_key
from projections.tlog.log import Inclusion

router = APIRouter(prefix="/v1/log", tags=["log"], responses=problem_responses(404, 422, 429))

Size = Annotated[int, Query(ge=1, le=MAX_POSITION)]
# A tile never changes once it is served (a partial tile is a path of its own).
IMMUTABLE = "public, max-age=31536000, immutable"


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


@router.get(
    "/checkpoint",
    operation_id="getLogCheckpoint",
    summary="The latest signed checkpoint (a C2SP signed note)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def checkpoint(services: ServicesDep) -> Response:
    note = services.transparency_log.checkpoint().note
    return Response(
        note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@router.get(
    "/key",
    operation_id="getLogVerifierKeys",
    summary="The note verifier keys of the authority's keys, current last",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def verifier_keys(services: ServicesDep) -> Response:
    """One C2SP note verifier key a line. A witness should be given the key out of band
    and pin it: this route is a convenience, not a root of trust."""
    lines = [verifier_key(v.name, v.public_key) for v in services.log_verifiers()]
    return Response(
        "".join(line + "\n" for line in lines),
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/tile/{path:path}",
    operation_id="getLogTile",
    summary="A tile of the tree's hashes (C2SP tlog-tiles, e.g. tile/0/x001/234)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def tile(
    services: ServicesDep,
    path: Annotated[str, Path(max_length=100, description="After /v1/log/tile/.")],
) -> Response:
    data = services.transparency_log.tile("tile/" + path)
    return Response(
        data, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE}
    )


@router.get(
    "/inclusion",
    response_model=InclusionProofView,
    operation_id="getLogInclusionProof",
    summary="The proof that the event at a log position is in a signed tree",
)
def inclusion(
    services: ServicesDep,
    position: Annotated[int, Query(ge=1, le=MAX_POSITION)],
    tree_size: Annotated[
        int | None,
        Query(ge=1, le=MAX_POSITION, description="A signed size; the latest if omitted."),
    ] = None,
) -> InclusionProofView:
    return inclusion_view(services.transparency_log.inclusion(position, tree_size))


def inclusion_view(found: Inclusion) -> InclusionProofView:
    return InclusionProofView(
        position=found.position,
        leaf_index=found.leaf_index,
        tree_size=found.tree_size,
        leaf_hash=b64(found.leaf_hash),
        proof=[b64(h) for h in found.proof],
        checkpoint=found.checkpoint.note,
    )


@router.get(
    "/consistency",
    response_model=ConsistencyProofView,
    operation_id="getLogConsistencyProof",
    summary="The proof that a smaller tree is a prefix of a larger one",
)
def consistency(services: ServicesDep, first: Size, second: Size) -> ConsistencyProofView:
    proof = services.transparency_log.consistency(first, second)
    return ConsistencyProofView(first=first, second=second, proof=[b64(h) for h in proof])
