"""C2SP tile paths, each tile's one spelling, and which tiles a tree size has."""

from __future__ import annotations

import pytest

from ledger.transparency.tiles import (
    TileAddress,
    TilePathError,
    parse_tile_path,
    tile_bytes,
    tile_path,
    tile_width,
)
from ledger.transparency.tree import MemoryTree


@pytest.mark.parametrize(
    ("address", "path"),
    [
        (TileAddress(0, 0, 256), "tile/0/000"),
        (TileAddress(0, 1234067, 256), "tile/0/x001/x234/067"),
        (TileAddress(0, 67, 5), "tile/0/067.p/5"),
        (TileAddress(1, 1000, 255), "tile/1/x001/000.p/255"),
        (TileAddress(2, 999, 1), "tile/2/999.p/1"),
        (TileAddress(63, 0, 256), "tile/63/000"),
    ],
)
def test_paths_are_c2sp_and_parse_back(address: TileAddress, path: str) -> None:
    assert tile_path(address.level, address.index, address.width) == path
    assert parse_tile_path(path) == address


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("tile/0/x000/067", "leading zero groups"),
        ("tile/0/x001/x000/x234/067/", "not a tile path"),
        ("tile/00/067", "not a tile path"),
        ("tile/01/067", "not a tile path"),
        ("tile/0/67", "not a tile path"),
        ("tile/0/0067", "not a tile path"),
        ("tile/0/x067", "not a tile path"),
        ("tile/0/x1/067", "not a tile path"),
        ("tile/0/067/", "not a tile path"),
        ("/tile/0/067", "not a tile path"),
        ("tile/-1/000", "not a tile path"),
        ("tile/64/000", "at most 63"),
        ("tile/0/067.p/", "not a tile path"),
        ("tile/0/067.p/0", "width"),
        ("tile/0/067.p/05", "width"),
        ("tile/0/067.p/256", "width"),
        ("tile/0/067.p/-1", "not a tile path"),
        ("tile/0/067.p/5/", "not a tile path"),
        ("tile/0/\uff10\uff16\uff17", "not a tile path"),  # full-width digits
        ("tile/8/0/000", "not a tile path"),  # Go's sumdb spelling, with the height
        ("tile/entries/000", "entry tiles are not published"),
        ("tile/0/x999/x999/x999/x999/x999/x999/999", "no tree has a tile"),
        ("tile/0/" + "x001/" * 400 + "000", "not a tile path"),
        ("", "not a tile path"),
    ],
)
def test_malformed_tile_paths_are_refused_saying_why(path: str, why: str) -> None:
    with pytest.raises(TilePathError, match=why):
        parse_tile_path(path)


def test_a_tile_path_error_is_a_value_error() -> None:
    assert issubclass(TilePathError, ValueError)


@pytest.mark.parametrize(("level", "index", "width"), [(-1, 0, 256), (0, -1, 1), (0, 0, 0)])
def test_no_path_for_an_impossible_tile(level: int, index: int, width: int) -> None:
    with pytest.raises(ValueError):
        tile_path(level, index, width)


def test_how_wide_each_tile_is_at_a_tree_size() -> None:
    size = 70000  # 273 full level-0 tiles and 112 hashes; 273 hashes at tree level 8
    assert tile_width(0, 0, size) == 256
    assert tile_width(0, 273, size) == 112
    assert tile_width(0, 274, size) == 0
    assert tile_width(1, 0, size) == 256
    assert tile_width(1, 1, size) == 17
    assert tile_width(2, 0, size) == 1
    assert tile_width(3, 0, size) == 0


def test_a_tile_is_its_hashes_concatenated() -> None:
    tree = MemoryTree()
    for i in range(300):
        tree.append(b"%d" % i)
    first = tile_bytes(0, 1, 3, tree)
    assert first == b"".join(tree.read_hashes([(0, 256), (0, 257), (0, 258)]))
    assert tile_bytes(0, 0, 256, tree)[:32] == tree.read_hashes([(0, 0)])[0]
    with pytest.raises(LookupError):
        tile_bytes(0, 1, 256, tree)  # not complete yet
    assert tile_bytes(1, 0, 1, tree) == tree.root(256)
