"""``--awards`` of the benchmark harness: one size, as always, or several in one run."""

from __future__ import annotations

import pytest

from scripts.bench.run import parse


def test_one_size_is_the_large_data_set_as_before() -> None:
    opts = parse(["--awards", "300", "--small", "150"])
    assert opts.sizes == (300,)
    assert opts.awards == 300


def test_several_sizes_are_comma_separated_and_the_largest_is_planned_for() -> None:
    opts = parse(["--awards", "1000000,10000000"])
    assert opts.sizes == (1_000_000, 10_000_000)
    assert opts.awards == 10_000_000
    assert opts.small == 10_000


@pytest.mark.parametrize(
    "awards", ["1000000,100000", "1000000,1000000", "5000", "1000000,", "a million"]
)
def test_sizes_out_of_order_or_below_small_are_refused(awards: str) -> None:
    with pytest.raises(SystemExit):
        parse(["--awards", awards])
