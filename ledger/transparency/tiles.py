"""C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the tree's hashes cut into tiles.

A tile of height 8 at tile level ``T`` and index ``N`` holds up to 256 consecutive stored
hashes of tree level ``8 * T``, those of indexes ``[N * 256, N * 256 + W)``, concatenated.
A full tile (``W`` = 256) never changes once published; the right edge of the tree is
served as partial tiles (``W`` from 1 to 255) until it fills. A client rebuilds any
proof it needs from the tiles and a checkpoint, so the log serves no proof of its own.

Paths are C2SP's: ``tile/<T>/<N>[.p/<W>]``, the index written as 3-digit groups, all but
the last prefixed with ``x`` (index 1234067 is ``x001/x234/067``). Go's sumdb spells the
same tiles with the height as an extra segment (``tile/8/<T>/<N>``); the bytes are the
same. Only hash tiles exist here: the entry bundles of ``tile/entries/...`` are not
published, because the leaves are the ledger's events, which are not public; a verifier
gets its own events' leaf hashes elsewhere and proves them against the hash tiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger.transparency.tree import Address, HashReader, read_stored

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile."""
MAX_TILE_LEVEL = 63
"""The largest tile level C2SP lets a path name (levels above 7 are always empty)."""
MAX_TILE_INDEX = (1 << 56) - 1
"""The last level-0 tile of a tree of 2**64 leaves; no tile index is larger."""

_PATH = re.compile(
    r"tile/(?P<level>0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/){0,6}[0-9]{3})(?:\.p/(?P<width>[0-9]+))?"
)


class TilePathError(ValueError):
    """A tile path that C2SP tlog-tiles does not allow; the message says why."""


@dataclass(frozen=True)
class TileAddress:
    """A tile: its tile level, its index in that level and how many hashes it holds."""

    level: int
    index: int
    width: int


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """The C2SP path of a tile: ``tile/0/x001/x234/067``, partial ``tile/0/067.p/5``."""
    _check_tile(level, index, width)
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index > 0:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    path = f"tile/{level}/{'/'.join(reversed(groups))}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def parse_tile_path(path: str) -> TileAddress:
    """The tile a path names; only the one canonical spelling of each tile is accepted."""
    if path.startswith("tile/entries/"):
        raise TilePathError("entry tiles are not published: this log serves hash tiles only")
    match = _PATH.fullmatch(path)
    if match is None:
        raise TilePathError(
            f"{path!r} is not a tile path: expected tile/<level>/<index>[.p/<width>], "
            "the index in 3-digit groups (at most 7), all but the last starting with x"
        )
    level = int(match["level"])
    index = int(match["index"].replace("x", "").replace("/", ""))
    if index > MAX_TILE_INDEX:
        raise TilePathError(f"{path!r}: no tree has a tile at that index")
    raw_width = match["width"]
    width = TILE_WIDTH if raw_width is None else int(raw_width)
    if raw_width is not None and (raw_width != str(width) or not 1 <= width < TILE_WIDTH):
        raise TilePathError(
            f"{path!r}: a partial tile's width is 1 to {TILE_WIDTH - 1}, without leading zeros"
        )
    if level > MAX_TILE_LEVEL:
        raise TilePathError(f"{path!r}: the tile level is at most {MAX_TILE_LEVEL}")
    if tile_path(level, index, width) != path:
        # x000/067 and the like name tile 67 too; one spelling per tile keeps caches honest.
        raise TilePathError(f"{path!r}: the index has leading zero groups")
    return TileAddress(level, index, width)


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in a tree of ``size`` leaves (0..256).

    A tile exists at a size when this is at least its width: the HTTP side answers a
    path for a width the tree has not reached yet with "not found".
    """
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


def tile_addresses(level: int, index: int, width: int) -> list[Address]:
    """The stored hashes a tile is made of, in order."""
    _check_tile(level, index, width)
    first = index * TILE_WIDTH
    tree_level = TILE_HEIGHT * level
    return [(tree_level, first + i) for i in range(width)]


def tile_bytes(level: int, index: int, width: int, reader: HashReader) -> bytes:
    """The content of a tile: its ``width`` hashes, 32 bytes each, concatenated."""
    return b"".join(read_stored(reader, tile_addresses(level, index, width)))


def _check_tile(level: int, index: int, width: int) -> None:
    if not 0 <= level <= MAX_TILE_LEVEL:
        raise ValueError(f"a tile level is 0 to {MAX_TILE_LEVEL}, not {level}")
    if not 0 <= index <= MAX_TILE_INDEX:
        raise ValueError(f"a tile index is 0 to {MAX_TILE_INDEX}, not {index}")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile holds 1 to {TILE_WIDTH} hashes, not {width}")
