"""Request-size limits at the edge, before a route reads a byte of the body.

A JSON request (search, ask) is a query and a few filter values: `max_request_kb` bounds it.
An upload (`POST /documents`) may carry a report of `max_upload_bytes` plus the multipart
framing. A declared `Content-Length` over the limit is answered 413 at once; a body without
one (chunked transfer) is counted as it arrives and refused with 413 as soon as the count
passes the limit, so no more than the limit is ever read, held or written to disk.

A body also has deadlines: it may pause at most `body_idle_seconds` and must be whole
within `body_seconds` of its headers, else the answer is 408 and the connection is closed
(a never-ending chunked upload with the key held the server's connection for good). The
headers' own deadline is the server's (`service.connections`).
"""

from __future__ import annotations

import asyncio
import json

from fastapi import HTTPException
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rapportsok.limits import MAX_FILTER_VALUES, MAX_QUERY_CHARS
from rapportsok.settings import MB

KB = 1024
# Multipart boundaries, part headers and the metadata fields, beyond the file itself.
FORM_OVERHEAD = 64 * KB
UPLOAD_PATHS = frozenset({"/documents"})
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def upload_too_large(received: int, limit_bytes: int, *, complete: bool) -> str:
    """The 413 message of an upload: its size (or, cut off, the size read so far)."""
    size = f"{received / MB:.1f} MB" if complete else f"more than {received / MB:.1f} MB"
    return f"the upload is {size}, the limit is {limit_bytes / MB:.0f} MB"


def body_too_large(received: int, limit_kb: int, *, complete: bool) -> str:
    """The 413 message of a JSON request body."""
    size = f"{received} bytes" if complete else f"more than {received} bytes"
    return (
        f"the request body is {size}, the limit is {limit_kb * KB} bytes ({limit_kb} KB); "
        f"a query or question has at most {MAX_QUERY_CHARS:,} characters and a filter at "
        f"most {MAX_FILTER_VALUES} values"
    )


def body_too_slow(received: int, seconds: float, *, paused: bool) -> str:
    """The 408 message of a body that stalled or took too long."""
    how = f"paused for {seconds:g} s" if paused else f"was not complete after {seconds:g} s"
    return f"the request body {how} ({received} bytes read); send it in one go"


class BodyLimitMiddleware:
    """Refuses request bodies over their limit with 413, and slow ones with 408 (see the
    module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_request_kb: int,
        max_upload_bytes: int,
        body_idle_seconds: float = 30,
        body_seconds: float = 300,
    ) -> None:
        self.app = app
        self.max_request_kb = max_request_kb
        self.max_upload_bytes = max_upload_bytes
        self.body_idle_seconds = body_idle_seconds
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in _NO_BODY:
            await self.app(scope, receive, send)
            return
        upload = scope.get("path") in UPLOAD_PATHS
        limit = self.max_upload_bytes + FORM_OVERHEAD if upload else self.max_request_kb * KB

        def message(received: int, complete: bool) -> str:
            if upload:
                return upload_too_large(received, self.max_upload_bytes, complete=complete)
            return body_too_large(received, self.max_request_kb, complete=complete)

        declared = dict(scope.get("headers") or []).get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, message(int(declared), True))
            return
        received = 0
        complete = False
        deadline = asyncio.get_running_loop().time() + self.body_seconds

        async def timed() -> Message:
            # Only while the body comes in: afterwards `receive` waits for a disconnect.
            if complete:
                return await receive()
            left = deadline - asyncio.get_running_loop().time()
            paused = self.body_idle_seconds < left
            try:
                return await asyncio.wait_for(
                    receive(), max(0.0, min(left, self.body_idle_seconds))
                )
            except TimeoutError:
                seconds = self.body_idle_seconds if paused else self.body_seconds
                detail = body_too_slow(received, seconds, paused=paused)
                raise HTTPException(408, detail, headers={"Connection": "close"}) from None

        async def counted() -> Message:
            nonlocal received, complete
            msg = await timed()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                complete = not msg.get("more_body", False)
                if received > limit:
                    # FastAPI re-raises an HTTPException from reading the body, and the
                    # app's handler answers it in the JSON error format.
                    raise HTTPException(413, message(received, False))
            return msg

        async def closing(message: Message) -> None:
            # An answer before the whole body came (400, 401, 413, 415…): the connection is
            # closed after it, else the server goes on reading and dropping a body that may
            # never end (a keyed chunked upload did, for as long as the client sent).
            if message["type"] == "http.response.start" and not complete:
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        await self.app(scope, counted, closing)


async def _refuse(scope: Scope, send: Send, detail: str) -> None:
    """Answer 413 without reading the body (the server then closes the connection)."""
    rid = scope.get("state", {}).get("request_id")
    body = json.dumps({"detail": detail, "request_id": rid}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
