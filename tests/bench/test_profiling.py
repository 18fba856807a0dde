"""py-spy's samples, charged to modules (scripts/bench/profiling.py), without py-spy:
from its raw output, as it writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.bench.profiling import Profile, module_of, read_raw

RAW = (
    "<module> (uvicorn/__main__.py:4);Runner.run (asyncio/runners.py:118);"
    "StatusLane._answer (api/status_lane.py:90);"
    "RequestResponseCycle.send (uvicorn/protocols/http/httptools_impl.py:522) 60\n"
    "<module> (uvicorn/__main__.py:4);StatusLane._response (api/status_lane.py:107);"
    "status_of_row (projections/queries/status.py:181) 25\n"
    "<module> (uvicorn/__main__.py:4);StatusLane._response (api/status_lane.py:114) 10\n"
    "_run_module_as_main (<frozen runpy>:198) 5\n"
)


@pytest.mark.parametrize(
    ("frame", "module"),
    [
        ("send (uvicorn/protocols/http/httptools_impl.py:522)", "uvicorn"),
        ("status_of_row (projections/queries/status.py:181)", "projections.queries.status"),
        ("StatusLane._answer (api/status_lane.py:90)", "api.status_lane"),
        ("Runner.run (asyncio/runners.py:118)", "asyncio"),
        ("_run_module_as_main (<frozen runpy>:198)", "runpy"),
        ("wait (psycopg/waiting.py:262)", "psycopg"),
    ],
)
def test_a_frame_is_charged_to_its_module_or_its_library(frame: str, module: str) -> None:
    assert module_of(frame) == module


def test_each_sample_goes_to_its_innermost_frame(tmp_path: Path) -> None:
    raw = tmp_path / "status.spy"
    raw.write_text(RAW, encoding="utf-8")

    samples = read_raw(raw)

    assert samples == {
        "uvicorn": 60,
        "projections.queries.status": 25,
        "api.status_lane": 10,
        "runpy": 5,
    }


def test_samples_over_the_work_done_give_microseconds_per_unit(tmp_path: Path) -> None:
    raw = tmp_path / "status.spy"
    raw.write_text(RAW, encoding="utf-8")
    # 100 samples at 250 a second are 0.4 s; over 2,000 requests, 200 µs each.
    profile = Profile(read_raw(raw), rate=250, work=2000)

    assert profile.micros_per_unit(profile.total) == pytest.approx(200)
    assert profile.top(2) == [
        ("uvicorn", pytest.approx(120)),
        ("projections.queries.status", pytest.approx(50)),
        ("other", pytest.approx(30)),
    ]
    assert profile.summary("request", 2) == (
        "200 µs per request (uvicorn 120, projections.queries.status 50, other 30)"
    )
