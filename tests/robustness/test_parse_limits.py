"""Reports are read in a child process with a memory cap and a time limit: a flate bomb and
an operator-heavy PDF, both made here, are refused with 422 and the Swedish reason, the
server's memory does not grow with them, and a good report is indexed right after."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from writable import UPLOAD_TEXT, Writable, auth, writable_server

from eval.mixed import flate_bomb
from eval.mixed import one_page_pdf as _pdf
from indexer.worker import TOO_COMPLEX

MB = 1024 * 1024
MEMORY_MB, SECONDS = 256, 10


def operator_heavy(operators: int) -> bytes:
    """A content stream of `operators` text-positioning operators: tiny, slow to interpret."""
    return zlib.compress(b"BT /F1 1 Tf\n" + b"0 0 Td\n" * operators + b"ET\n", 9)


def _hwm_mb() -> float:
    """Peak resident memory of this process (the test server runs in it), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/self/status")


@pytest.fixture(scope="module")
def live(
    corpus_copy: Path, corpus_index: Path, base_searcher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Writable]:
    with writable_server(
        corpus_copy,
        corpus_index,
        tmp_path_factory.mktemp("parse-limits"),
        base_searcher,
        parse_memory_mb=MEMORY_MB,
        parse_seconds=SECONDS,
    ) as w:
        yield w


def _upload(live: Writable, name: str, data: bytes) -> httpx.Response:
    return httpx.post(
        f"{live.url}/documents", files={"file": (name, data)}, headers=auth(), timeout=300
    )


def test_the_bomb_helper_inflates_to_what_it_says() -> None:
    data = flate_bomb(3)
    assert len(data) < 4000
    assert zlib.decompress(data) == b"\0" * (3 * MB)


def test_a_flate_bomb_is_refused_and_the_server_does_not_grow(live: Writable) -> None:
    pdf = _pdf(flate_bomb(1024))  # 1 GB inflated, about 1 MB on the wire
    assert len(pdf) < 2 * MB
    files = sorted(p.name for p in live.corpus.iterdir())
    before = _hwm_mb()
    r = _upload(live, "bomb.pdf", pdf)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == f"{TOO_COMPLEX} (över {MEMORY_MB} MB)"
    assert _hwm_mb() - before < 100  # the server never held the inflated stream
    assert sorted(p.name for p in live.corpus.iterdir()) == files


def test_an_operator_heavy_pdf_is_refused_after_the_time_limit(live: Writable) -> None:
    pdf = _pdf(operator_heavy(3_000_000))
    assert len(pdf) < 100_000
    t0 = time.perf_counter()
    r = _upload(live, "operatorer.pdf", pdf)
    took = time.perf_counter() - t0
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == f"{TOO_COMPLEX} (över {SECONDS} s)"
    assert SECONDS <= took < SECONDS + 30
    # Searches were answered while it ran; a good report is indexed right after.
    assert httpx.post(f"{live.url}/search", json={"query": "ekonomi"}).status_code == 200
    r = _upload(live, "efter-bomben.md", UPLOAD_TEXT.encode() + b"\nefter")
    assert r.status_code == 201, r.text
