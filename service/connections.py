"""Slow clients are timed out, and half-sent connections cannot crowd out the rest.

uvicorn reads a request's headers for as long as a client takes, and its keep-alive timer
stops at the first byte of the next request: 1,100 connections that sent half a request
line held 1,100 file descriptors for good, and under `ulimit -n 1024` every /health and
/search timed out (EMFILE in accept). `guarded_protocol` is uvicorn's h11 protocol with

* a header deadline: a connection that has not sent a whole request line and headers
  `header_seconds` after it opened (or after its previous answer) gets a 408 and is closed;
* a cap on open connections: when a new one would make more than `max_connections`, the
  oldest connection still sending its headers is closed to make room (a client sending a
  prompt request is never the oldest), or, when every connection is busy with a request,
  the new one is answered 503 and closed.

The body of a request has deadlines of its own, at the application
(`service.limits.BodyLimitMiddleware`). `uvicorn_options` gathers all of it for
`uvicorn.run` / `uvicorn.Config`, and `raise_file_limit` lets the process open as many
files as its hard limit allows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import OrderedDict
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from rapportsok.settings import Settings

log = logging.getLogger(__name__)

# File descriptors kept for everything but client connections: the index's files, the
# model, logging, the writer's journal and temp files, the parse worker's pipes.
RESERVED_FILES = 128


def _raw_response(status: int, reason: str, detail: str) -> bytes:
    """A whole HTTP/1.1 answer with the API's JSON error body, for a connection that has
    no request (h11 can only answer a request it has read)."""
    body = json.dumps({"detail": detail, "request_id": None}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n"
        "x-content-type-options: nosniff\r\n\r\n"
    )
    return head.encode("latin-1") + body


def guarded_protocol(header_seconds: float, max_connections: int) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a header deadline and a cap on connections (see the
    module docstring); one class per server, which keeps its connections' waiting list."""
    if header_seconds <= 0:
        raise ValueError(f"header_seconds must be positive, got {header_seconds}")
    if max_connections < 1:
        raise ValueError(f"max_connections must be at least 1, got {max_connections}")

    class GuardedH11Protocol(H11Protocol):
        # Connections waiting for (the rest of) a request's headers, oldest first.
        waiting: OrderedDict[GuardedH11Protocol, None] = OrderedDict()
        _deadline: asyncio.TimerHandle | None = None
        last_warning = -math.inf

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._wait_for_headers()
            # Connections already closed by `_make_room` count until their close is done.
            if sum(not c.transport.is_closing() for c in self.connections) > max_connections:
                self._make_room()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # the headers are in (or it failed)
                self._stop_waiting()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # Keep-alive: the next request's headers get their own deadline (uvicorn's
            # keep-alive timer stops at the first byte of them).
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._wait_for_headers()

        def _wait_for_headers(self) -> None:
            self._stop_waiting()
            self.waiting[self] = None
            self._deadline = self.loop.call_later(header_seconds, self._headers_too_slow)

        def _stop_waiting(self) -> None:
            self.waiting.pop(self, None)
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _headers_too_slow(self) -> None:
            self._deadline = None
            self._close(
                408,
                "Request Timeout",
                f"the request's headers did not arrive within {header_seconds:g} s",
            )

        def _make_room(self) -> None:
            oldest = next((c for c in self.waiting if c is not self), None)
            if oldest is not None:
                now = self.loop.time()
                if now - GuardedH11Protocol.last_warning > 60:  # once a minute at most
                    GuardedH11Protocol.last_warning = now
                    log.warning(
                        "%d connections open: closing the oldest that are still sending "
                        "their headers to make room",
                        max_connections,
                    )
                oldest._close(408, "Request Timeout", "too many open connections")
            else:
                self._close(503, "Service Unavailable", "too many open connections; try again")

        def _close(self, status: int, reason: str, detail: str) -> None:
            """Answer `status` (only where the client sent part of a request) and close."""
            self._stop_waiting()
            if self.transport.is_closing():
                return
            started = bool(self.conn.trailing_data[0])
            if status != 408 or started:
                self.transport.write(_raw_response(status, reason, detail))
            self.transport.close()

    return GuardedH11Protocol


def raise_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; the limit now."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def uvicorn_options(settings: Settings, file_limit: int | None = None) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.Config` with the settings' timeouts and connection
    cap (lowered to fit `file_limit`, the open files allowed, where that is smaller)."""
    cap = settings.max_connections
    if file_limit is not None:
        cap = max(1, min(cap, file_limit - RESERVED_FILES))
    return {
        "http": guarded_protocol(settings.header_seconds, cap),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "backlog": settings.backlog,
    }
