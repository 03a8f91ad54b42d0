"""Hostile clients through a real server on loopback (issue 25, items 3 and 4): refused
uploads keep no memory, half-sent requests are timed out with 408, a flood of half-sent
connections cannot crowd out /health and /search, and a never-ending keyed chunked upload
is cut off with 408. Short deadlines here (1–2 s) keep the module to a few seconds."""

from __future__ import annotations

import gc
import socket
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from writable import API_KEY, Writable, auth, writable_server

from rapportsok.settings import MB

pytestmark = pytest.mark.slow

HEADER_SECONDS = 1.0
BODY_IDLE_SECONDS = 1.0
BODY_SECONDS = 2.0
MAX_CONNECTIONS = 30


@pytest.fixture(scope="module")
def live(
    corpus_copy: Path, corpus_index: Path, base_searcher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writable]:
    tmp = tmp_path_factory.mktemp("slow-clients")
    with writable_server(
        corpus_copy,
        corpus_index,
        tmp,
        base_searcher,
        max_upload_mb=5,
        header_seconds=HEADER_SECONDS,
        body_idle_seconds=BODY_IDLE_SECONDS,
        body_seconds=BODY_SECONDS,
        max_connections=MAX_CONNECTIONS,
    ) as w:
        yield w


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _read_all(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """What the server sends until it closes the connection, and how long that took."""
    t0 = time.monotonic()
    sock.settimeout(seconds)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data, time.monotonic() - t0


def test_half_sent_headers_get_408_and_the_connection_is_closed(live: Writable) -> None:
    with _connect(live.url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        data, took = _read_all(sock, 10)
    assert data.startswith(b"HTTP/1.1 408 ")
    assert b"headers did not arrive within 1 s" in data
    assert HEADER_SECONDS * 0.8 < took < HEADER_SECONDS + 3


def test_a_silent_connection_is_closed(live: Writable) -> None:
    with _connect(live.url) as sock:
        data, took = _read_all(sock, 10)
    assert data == b""
    assert took < HEADER_SECONDS + 3


def test_a_kept_alive_connection_gets_a_deadline_for_its_next_headers(live: Writable) -> None:
    with _connect(live.url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /health HTTP/1.1\r\n")
        data, took = _read_all(sock, 10)
    assert data.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1 408 " in data  # the second request never finished its headers
    assert took < HEADER_SECONDS + 3


def _evicted(sock: socket.socket) -> bool:
    """Whether the server closed `sock` to make room (it answered so at once)."""
    sock.setblocking(False)
    try:
        return b"too many open connections" in sock.recv(4096)
    except BlockingIOError:
        return False
    except ConnectionResetError:  # closed before the client read the answer
        return True


def test_half_sent_connections_cannot_crowd_out_health_and_search(live: Writable) -> None:
    # The 1,100 connections under `ulimit -n 1024`, scaled to the cap of this server.
    socks = []
    try:
        for _ in range(3 * MAX_CONNECTIONS):
            sock = _connect(live.url)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(sock)
        with httpx.Client(base_url=live.url, timeout=5) as http:
            t0 = time.monotonic()
            assert http.get("/health").status_code == 200
            assert http.post("/search", json={"query": "budget skola"}).status_code == 200
            assert time.monotonic() - t0 < 2
        # The oldest made room for the newer ones (and for the two requests above).
        evicted = sum(_evicted(sock) for sock in socks[: 2 * MAX_CONNECTIONS])
        assert evicted >= 2 * MAX_CONNECTIONS - 1
    finally:
        for sock in socks:
            sock.close()


def _chunked_upload_head() -> bytes:
    return (
        "POST /documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {API_KEY}\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_a_never_ending_chunked_upload_is_cut_off_with_408(live: Writable) -> None:
    with _connect(live.url) as sock:
        sock.sendall(_chunked_upload_head())
        sock.sendall(
            _chunk(
                b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
            )
        )
        t0 = time.monotonic()
        sock.settimeout(0.2)
        data = b""
        while time.monotonic() - t0 < BODY_SECONDS + 5:  # bounded: one chunk a 0.2 s
            # Still sending until just before the deadline, then only reading: a server that
            # closes on unread bytes sends a TCP reset, which discards the 408 it wrote before
            # in the client's receive buffer, so a test still sending would see it by chance.
            if time.monotonic() - t0 < BODY_SECONDS - 0.3:
                try:
                    sock.sendall(_chunk(b"kommunen budget skola " * 10))
                except OSError:
                    break  # closed by the server
            try:
                got = sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                break
            data += got
            if not got:
                break
        took = time.monotonic() - t0
    assert data.startswith(b"HTTP/1.1 408 "), data[:200]
    assert b"was not complete after 2 s" in data
    assert BODY_SECONDS * 0.8 < took < BODY_SECONDS + 3


def test_a_stalled_json_body_is_408(live: Writable) -> None:
    with _connect(live.url) as sock:
        sock.sendall(
            b"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"query": '
        )
        data, took = _read_all(sock, 10)
    assert data.startswith(b"HTTP/1.1 408 ")
    assert b"paused for 1 s" in data
    assert took < BODY_IDLE_SECONDS + 3


def test_refused_uploads_keep_no_bytes(live: Writable) -> None:
    # Each is refused by the writer (not a PDF); before, each failed job's error kept the
    # upload's frame and so its 4 MB for as long as the job was remembered (200 jobs).
    data = b"x" * (4 * MB)
    with httpx.Client(base_url=live.url, timeout=60) as http:
        files = {"file": ("rapport.pdf", data)}
        assert http.post("/documents", files=files, headers=auth()).status_code == 415
        gc.collect()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            for i in range(8):
                files = {"file": (f"rapport-{i}.pdf", data)}
                r = http.post("/documents", files=files, headers=auth())
                assert r.status_code == 415, r.text
            gc.collect()
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert after - before < 4 * MB, f"{(after - before) / MB:.1f} MB kept by 8 refused uploads"


def test_an_early_answer_closes_the_connection_of_an_unfinished_body(live: Writable) -> None:
    # A chunked upload that is not multipart is answered 400 at once; the connection then
    # closes instead of reading (and dropping) the rest for as long as the client sends.
    with _connect(live.url) as sock:
        sock.sendall(_chunked_upload_head() + _chunk(b"not multipart at all " * 20))
        t0 = time.monotonic()
        sock.settimeout(0.2)
        data = b""
        # First the answer, read before sending more: bytes the server never reads make its
        # close a TCP reset, which would discard the answer in this socket's buffer.
        while b"\r\n\r\n" not in data and time.monotonic() - t0 < 5:
            try:
                data += sock.recv(65536)
            except TimeoutError:
                continue
        closed = False
        while not closed and time.monotonic() - t0 < 10:  # bounded: one chunk a 0.2 s
            try:
                sock.sendall(_chunk(b"x" * 100))
                closed = sock.recv(65536) == b""
            except TimeoutError:
                continue
            except OSError:  # reset: the server closed while this client still sent
                closed = True
        took = time.monotonic() - t0
    assert closed
    assert data.startswith(b"HTTP/1.1 400 "), data[:200]
    assert b"connection: close" in data.lower()
    assert took < 3
