"""The access log's direct path (api.request_logs.AccessLines): the line the logging
module would have written, through the ledger's own JSON handler, written once per turn
of the event loop; any other logging configuration gets its line through logging."""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import orjson
import pytest

from api.request_logs import (
    _HANDLER_MARK,
    ACCESS_LINES,
    JsonFormatter,
    access_log,
    request_id_var,
)
from tests.served import ledger_serve

FIELDS = {
    "method": "GET",
    "route": "/v1/credentials/{award_id}/status",
    "path": "/v1/credentials/7d1e2f3a-4b5c-4d6e-8f70-812345678901/status",
    "status": 200,
    "client": "203.0.113.9",
    "actor": None,
    "duration_ms": 0.412,
}


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@contextmanager
def ledger_handler_alone() -> Iterator[CountingStream]:
    """The root logger as `ledger serve` configures it: the ledger's JSON handler alone
    (pytest's own capture handlers, added around each test's call, taken off)."""
    root = logging.getLogger()
    saved, saved_level = list(root.handlers), root.level
    stream = CountingStream()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        ACCESS_LINES.flush()
        root.handlers[:] = saved
        root.setLevel(saved_level)


def logged_the_usual_way(fields: dict[str, object], request_id: str) -> dict[str, object]:
    record = access_log.makeRecord(
        access_log.name, logging.INFO, __file__, 0, "%s %s %d", ("GET", fields["route"], 200), None
    )
    record.fields = fields
    record.request_id = request_id
    return dict(orjson.loads(JsonFormatter().format(record)))


def test_the_line_is_the_one_the_json_formatter_writes() -> None:
    token = request_id_var.set("trace-7")
    try:
        with ledger_handler_alone() as stream:
            ACCESS_LINES.write("GET", str(FIELDS["route"]), 200, dict(FIELDS))
    finally:
        request_id_var.reset(token)

    assert stream.writes == 1
    written = stream.getvalue()
    assert written.endswith("\n") and written.count("\n") == 1
    line = orjson.loads(written)
    expected = logged_the_usual_way(dict(FIELDS), "trace-7")
    assert list(line) == list(expected)  # same keys, same order
    line.pop("time"), expected.pop("time")
    assert line == expected
    assert line["message"] == "GET /v1/credentials/{award_id}/status 200"


def test_the_lines_of_one_turn_of_the_loop_are_one_write() -> None:
    async def serve_three(stream: CountingStream) -> int:
        for status in (200, 404, 200):
            ACCESS_LINES.write("GET", "/x", status, {"status": status})
        before_the_turn_ends = stream.writes
        await asyncio.sleep(0)
        return before_the_turn_ends

    with ledger_handler_alone() as stream:
        assert asyncio.run(serve_three(stream)) == 0
        assert stream.writes == 1
    lines = [orjson.loads(x) for x in stream.getvalue().splitlines()]
    assert [line["status"] for line in lines] == [200, 404, 200]


def test_with_any_other_handler_the_line_goes_through_logging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="ledger.access"):
        ACCESS_LINES.write("GET", "/x", 200, {"status": 200})
    (record,) = [r for r in caplog.records if r.name == "ledger.access"]
    assert record.getMessage() == "GET /x 200"
    assert record.fields == {"status": 200}  # type: ignore[attr-defined]


def test_a_level_above_info_writes_no_line() -> None:
    access_log.setLevel(logging.WARNING)
    try:
        with ledger_handler_alone() as stream:
            ACCESS_LINES.write("GET", "/x", 200, {"status": 200})
    finally:
        access_log.setLevel(logging.NOTSET)
    assert stream.getvalue() == ""


def test_ledger_serve_writes_one_line_per_request_with_its_id(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        "LEDGER_POLICY": "ireland",
    }
    log = tmp_path / "serve.log"
    with ledger_serve(env, log) as base:
        missing = "7d1e2f3a-4b5c-4d6e-8f70-812345678901"
        with httpx2.Client(base_url=base) as client:
            for n in range(5):
                answer = client.get(
                    f"/v1/credentials/{missing}/status", headers={"X-Request-ID": f"check-{n}"}
                )
                assert answer.status_code == 404
            assert client.get("/healthz", headers={"X-Request-ID": "health-1"}).status_code == 200
    lines = [orjson.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    access = {line["request_id"]: line for line in lines if line["logger"] == "ledger.access"}
    for n in range(5):
        line = access[f"check-{n}"]
        assert line["route"] == "/v1/credentials/{award_id}/status"
        assert line["status"] == 404
        assert line["path"] == f"/v1/credentials/{missing}/status"
    assert access["health-1"]["route"] == "/healthz"
