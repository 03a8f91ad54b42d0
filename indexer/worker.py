"""Read and chunk reports in a child process with a memory cap and a time limit.

A PDF is a program: a few megabytes can inflate to gigabytes (a flate bomb) or hold a few
hundred thousand text operators that take minutes to lay out. Read in the server, either
grows the server (and keeps the memory afterwards) and stalls its searches. Read here, in a
child process whose address space is capped (RLIMIT_AS) and which is killed when it runs
past its time, such a report costs at most the cap and the time, and is refused with
`TOO_COMPLEX`; the parent only ever holds the finished `Document` and its chunks.

The child is a fresh interpreter (`python -c`), not a fork: a forked child would inherit the
server's threads (and their locks) and its address space (the model, FAISS), which the cap
counts. Nor is it a `multiprocessing` spawn, which re-runs the parent's `__main__` (a
Streamlit script under test, for one). It talks to the parent over a socket pair with
`multiprocessing.connection`. One child serves a whole build; it is started again after a
report that killed it.

The same children analyse the passages of a large build for BM25 (`ParsePool.analyse`),
a batch each, side by side: each sends back its batch's postings, which stack in order
into the postings one process would have made.
"""

from __future__ import annotations

import logging
import os
import queue
import resource
import socket
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapportsok.errors import UnreadableReport

if TYPE_CHECKING:
    from indexer.language.analyzer import SwedishAnalyzer
    from indexer.models import Chunk, Document
    from indexer.reading.chunker import ChunkerConfig
    from indexer.store.postings import Postings

log = logging.getLogger(__name__)

MB = 1024 * 1024
TOO_COMPLEX = "Rapporten är för stor eller för komplex att läsa"
_START_SECONDS = 120  # starting Python and importing pdfplumber, on a busy machine
_ROOT = str(Path(__file__).resolve().parents[1])  # where `indexer` is, for the child's path
# Below this many passages a build analyses them itself: a child loads the Swedish word
# lists (about a second) before its first batch. 20k passages take ~1.5 s to analyse here.
POOL_ANALYSIS_MIN = 5_000
_ANALYSIS_BATCH = 5_000  # passages per request to a child


@dataclass(frozen=True)
class ParseLimits:
    """What reading one report may cost: address space of the child (MB) and wall time (s)."""

    memory_mb: int = 2048
    seconds: float = 600.0  # OCR of a scanned page takes ~17 s


# One report read: its `Document`, chunks and (pages OCR'd, seconds of OCR), or why not.
Parsed = tuple["Document", list["Chunk"], tuple[int, float]] | Exception


def parse_report(
    path: Path, digest: str, catalogue: dict[str, dict[str, Any]], cfg: ChunkerConfig
) -> tuple[Document, list[Chunk], tuple[int, float]]:
    """Read and chunk one report: its `Document` (with its `quality`), its chunks and
    (pages OCR'd, seconds of OCR). What a child does for each request, and a build without
    limits does itself."""
    from indexer.reading import (  # module attributes: tests may patch them
        chunker,
        metadata,
        sources,
    )
    from indexer.reading.quality import reading_quality
    from indexer.reading.sections import sections

    source = sources.read_report(path)
    doc = metadata.build_document(path, source, digest, catalogue)
    secs = sections(source)  # once, for the passages and for the reading report
    chunks = chunker.chunk_document(doc, source, cfg, secs)
    # How well it was read travels with the document into the index (the reading report).
    doc = replace(doc, quality=reading_quality(source, secs, chunks))
    return doc, chunks, (len(source.ocr_pages), source.ocr_seconds)


def parse_reports(
    requests: Sequence[tuple[Path, str]],
    catalogue: dict[str, dict[str, Any]],
    cfg: ChunkerConfig,
    pool: ParsePool | None = None,
    done: Callable[[], None] = lambda: None,
) -> list[Parsed]:
    """Each (path, sha256) request's `parse_report` result, or the exception reading it
    raised, in request order: by `pool`'s children, else here one by one (tests, trusted
    corpora); `done` is called as each one finishes (a progress bar)."""
    if pool is not None:
        return pool.parse_all(requests, catalogue, cfg, done)
    out: list[Parsed] = []
    for path, digest in requests:
        try:
            out.append(parse_report(path, digest, catalogue, cfg))
        except Exception as exc:  # recorded against the report by the caller
            out.append(exc)
        done()
    return out


def analyse_passages(texts: Sequence[str], analyzer: SwedishAnalyzer) -> Postings:
    """The BM25 postings of `texts` (row i = `texts[i]`)."""
    from indexer.store.postings import Postings

    return Postings.from_tokens([analyzer.analyze(t) for t in texts])


CHILD_NICENESS = 10


def child_main(fd: int, memory_mb: int) -> None:
    """Entry point of the child process: serve requests on the socket `fd`. A parent gone
    (the server stopped while a report was read) ends the child without a traceback."""
    try:
        _child(Connection(fd), memory_mb)
    except (BrokenPipeError, ConnectionResetError, EOFError):
        pass


def _child(conn: Connection, memory_mb: int) -> None:
    """The worker's loop: read and chunk each requested report, answer with the result."""
    limit = memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Reading yields the CPU to the server's searches: with 8 clients on two cores, a
    # reader at the same priority doubled their p95 during uploads.
    os.nice(CHILD_NICENESS)
    # The reader's imports (pdfplumber) are slow: done before the time limit starts.
    from indexer.reading import chunker, metadata, sources  # noqa: F401

    conn.send(("ready", None))  # imports done: the time limit counts reading only
    while (request := conn.recv()) is not None:
        kind, *args = request
        try:
            if kind == "analyse":
                conn.send(("ok", analyse_passages(*args)))
            else:
                path, digest, catalogue, cfg = args
                conn.send(("ok", parse_report(Path(path), digest, catalogue, cfg)))
        except UnreadableReport as exc:
            conn.send(("unreadable", str(exc)))
        except MemoryError:
            conn.send(("memory", ""))
            return  # a heap that ran out is not to be trusted: the next report gets a new child
        except Exception as exc:  # a parser bug: reported like one in the parent
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class ParseWorker:
    """A child process that reads and chunks reports within `limits` (a context manager)."""

    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(
        self, path: Path, digest: str, catalogue: dict[str, dict[str, Any]], cfg: ChunkerConfig
    ) -> tuple[Document, list[Chunk], tuple[int, float]]:
        """The report's `Document`, its chunks and (pages OCR'd, seconds of OCR);
        `UnreadableReport` when it cannot be read or is over the limits, `RuntimeError` for
        a parser bug."""
        status, payload = self._ask(("parse", str(path), digest, catalogue, cfg))
        if status == "ok":
            doc, chunks, ocr = payload
            return doc, chunks, ocr
        if status == "memory":
            self.close()
            raise UnreadableReport(f"{TOO_COMPLEX} (över {self.limits.memory_mb} MB)")
        if status == "unreadable":
            raise UnreadableReport(payload)
        raise RuntimeError(payload)

    def analyse(self, texts: Sequence[str], analyzer: SwedishAnalyzer) -> Postings:
        """`analyse_passages` in the child; `RuntimeError` if it fails there."""
        status, payload = self._ask(("analyse", list(texts), analyzer))
        if status != "ok":
            raise RuntimeError(f"analysing {len(texts)} passages failed: {status} {payload}")
        postings: Postings = payload
        return postings

    def _ask(self, request: tuple[Any, ...]) -> tuple[str, Any]:
        """Send one request; its (status, payload). Past the time limit, or if the child
        died, the child is stopped and `UnreadableReport` says which limit."""
        conn = self._connection()
        conn.send(request)
        if not conn.poll(self.limits.seconds):
            self.close()
            raise UnreadableReport(f"{TOO_COMPLEX} (över {self.limits.seconds:g} s)")
        try:
            status, payload = conn.recv()
        except (EOFError, OSError):  # killed: the cap made a C extension abort, or a signal
            self.close()
            raise UnreadableReport(f"{TOO_COMPLEX} (över {self.limits.memory_mb} MB)") from None
        return status, payload

    def _connection(self) -> Connection:
        if self._proc is None or self._conn is None or self._proc.poll() is not None:
            self.close()
            ours, theirs = socket.socketpair()
            path = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)
            code = f"from indexer.worker import child_main; child_main({theirs.fileno()}, "
            code += f"{self.limits.memory_mb})"
            proc = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(theirs.fileno(),),
                env={**os.environ, "PYTHONPATH": path},
                stdin=subprocess.DEVNULL,
            )
            theirs.close()
            self._proc, self._conn = proc, Connection(ours.detach())
            try:
                ready = self._conn.poll(_START_SECONDS) and self._conn.recv() == ("ready", None)
            except (EOFError, OSError):  # it exited while starting (its stderr says why)
                ready = False
            if not ready:
                self.close()
                raise RuntimeError(f"the report reader did not start within {_START_SECONDS} s")
        return self._conn

    def close(self) -> None:
        """Stop the child (asked first, killed if it does not stop at once)."""
        proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        if conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
            conn.close()
        if proc is not None:
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


class ParsePool:
    """`jobs` `ParseWorker`s reading reports side by side, each in its own child process
    within the same limits (a context manager). A thread per worker waits on its child, so
    the children run on as many cores as there are workers."""

    def __init__(self, limits: ParseLimits, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be 1 or more, got {jobs}")
        self.workers = [ParseWorker(limits) for _ in range(jobs)]

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        for w in self.workers:
            w.close()

    def parse_all(
        self,
        requests: Sequence[tuple[Path, str]],
        catalogue: dict[str, dict[str, Any]],
        cfg: ChunkerConfig,
        done: Callable[[], None] = lambda: None,
    ) -> list[Parsed]:
        """Each (path, sha256) request's result, or the exception reading it raised, in
        request order; `done` is called as each one finishes (a progress bar)."""

        def one(worker: ParseWorker, request: tuple[Path, str]) -> Parsed:
            try:
                return worker.parse(*request, catalogue, cfg)
            except Exception as exc:  # the build records it against the report
                return exc
            finally:
                done()

        return self._map(one, requests)

    def analyse(self, texts: Sequence[str], analyzer: SwedishAnalyzer) -> Postings:
        """The postings of `texts`, as `analyse_passages` gives them: in batches, side by
        side in the children, for a large build; here for a small one."""
        from indexer.store.postings import Postings

        if len(texts) < POOL_ANALYSIS_MIN:
            return analyse_passages(texts, analyzer)
        batches = [texts[i : i + _ANALYSIS_BATCH] for i in range(0, len(texts), _ANALYSIS_BATCH)]
        parts = self._map(lambda worker, batch: worker.analyse(batch, analyzer), batches)
        return Postings.concat(parts, [None] * len(parts))

    def _map(self, fn: Callable[[ParseWorker, Any], Any], items: Sequence[Any]) -> list[Any]:
        """`fn(worker, item)` for each item, on whichever worker is free; in item order."""
        free: queue.SimpleQueue[ParseWorker] = queue.SimpleQueue()
        for w in self.workers:
            free.put(w)

        def one(item: Any) -> Any:
            worker = free.get()
            try:
                return fn(worker, item)
            finally:
                free.put(worker)

        with ThreadPoolExecutor(len(self.workers), thread_name_prefix="parse") as pool:
            return list(pool.map(one, items))
