"""A cap on request bodies, so that an oversized upload is a 413 problem, not memory.

The largest legitimate request is a batch of 1,000 awards, well under a megabyte per
hundred awards; the default cap (``LEDGER_MAX_BODY_BYTES``, 16 MiB) leaves ample room.
A declared ``Content-Length`` over the cap is refused before reading; a chunked body is
counted as it arrives and refused when it passes the cap.
"""

from __future__ import annotations

import os

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


def max_body_bytes() -> int:
    return int(os.environ.get("LEDGER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes; send smaller batches"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) <= self.max_bytes:
                    break
                response = problem_response(413, "request-too-large", self._detail())
                await response(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI lets an HTTPException raised while reading the body through
                    # to the problem handlers.
                    raise HTTPException(413, self._detail())
            return message

        await self.app(scope, counting_receive, send)
