"""A finished job keeps its failure's status and text, never the exception (issue 25,
item 3): the exception's traceback holds the frames of the change, and with them an
upload's bytes, for as long as the writer remembers the job."""

from __future__ import annotations

import gc
import weakref

from rapportsok.errors import BadFile
from service.writer import INTERNAL_ERROR, Failure, Writer


class _Payload(bytearray):
    """An upload's bytes, as something a weak reference can watch."""


def _add(data: _Payload) -> None:
    raise BadFile(f"rapport.pdf is not a PDF ({len(data)} bytes)")


def _run(writer: Writer, data: _Payload, change=_add):  # type: ignore[no-untyped-def]
    job = writer.submit("added", "rapport.pdf", lambda: change(data))
    job.future.result(timeout=10)
    return job


def test_a_refused_upload_keeps_no_bytes() -> None:
    writer = Writer()
    data = _Payload(1024)
    watch = weakref.ref(data)
    job = _run(writer, data)
    del data
    gc.collect()
    assert watch() is None  # nothing the writer keeps holds the upload
    assert job.state == "failed"
    assert job.error == Failure(415, "rapport.pdf is not a PDF (1024 bytes)")
    assert writer.get(job.id) is job
    writer.shutdown()


def test_an_unexpected_error_is_a_500_without_details_and_keeps_no_bytes() -> None:
    def broken(data: _Payload) -> None:
        raise RuntimeError(f"disk on fire after {len(data)} bytes")

    writer = Writer()
    data = _Payload(10)
    watch = weakref.ref(data)
    job = _run(writer, data, broken)
    del data
    gc.collect()
    assert watch() is None
    assert job.error == Failure(500, INTERNAL_ERROR)
    writer.shutdown()
