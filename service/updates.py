"""Add and remove reports while the service runs.

One change at a time (a lock): record the change in the journal (`service.journal`), store
the file or move it aside, write the change into the index (`indexer.update`: an upload is
one new segment, a removal a tombstone, each published by an atomic manifest rename; an
index without segments is rebuilt from the corpus folder), load that version (the segments
it shares with the serving one are not read again), build a new `Searcher`
with the already loaded encoder, and hand it to `install`, which swaps it in with one
reference assignment. Requests take the current searcher once when they start, so in-flight
queries finish on the old index and no query fails. A change that fails, or that a crash
interrupts, is settled by the journal: the report ends up fully in or fully out.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.reading.metadata import doc_id_for
from rapportsok.errors import NotIndexable, UnknownReport, UpdateBusy
from rapportsok.settings import Settings
from service import uploads
from service.journal import Intent, Journal, indexed_sources

if TYPE_CHECKING:
    from indexer.build import BuildReport
    from indexer.embedding.encoders import Encoder
    from search.retrieval import Searcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateResult:
    """What an upload or a removal did to the index."""

    document_id: str
    filename: str
    chunks: int  # passages of this report in the new index (0 after a removal)
    embedded: int  # passages embedded by this build (the rest were reused)
    documents: int  # reports in the new index
    total_chunks: int
    seconds: float


class IndexUpdater:
    """Changes the corpus and the index of a running service, one change at a time."""

    def __init__(
        self,
        settings: Settings,
        install: Callable[[Searcher], None],
        encoder: Encoder | None = None,
        analyzer: Any = None,
    ) -> None:
        self.settings = settings
        self.corpus = Path(settings.corpus_dir)
        self.index_dir = Path(settings.index_dir)
        self._install = install
        self._encoder = encoder
        self._analyzer = analyzer
        self._lock = threading.Lock()
        self.journal = Journal(self.corpus)

    def reconcile(self) -> list[str]:
        """Settle what a crash interrupted (see `service.journal`); what it did, line by line."""
        with self._lock:
            return self.journal.reconcile(self.index_dir)

    @property
    def max_bytes(self) -> int:
        return self.settings.max_upload_bytes

    def add(
        self, filename: str, data: bytes, metadata: dict[str, Any] | None = None
    ) -> UpdateResult:
        """Check, store and index one uploaded report; refuse it with an `UploadRefused`."""
        name = uploads.safe_name(filename)
        uploads.check_content(name, data, self.max_bytes)
        meta = uploads.clean_metadata(metadata or {})
        digest = uploads.sha256_bytes(data)
        with self._lock:
            self.journal.reconcile(self.index_dir)
            uploads.check_conflicts(self.corpus, name, digest, indexed_sources(self.index_dir))
            self.journal.begin(Intent("add", name, digest, meta or None))
            try:
                path = uploads.store_file(self.corpus, name, data)
                if meta:
                    uploads.set_catalogue_entry(self.corpus, name, meta)
                report, searcher = self._rebuild(added=name)
            except BaseException:
                self.journal.reconcile(self.index_dir, logging.DEBUG)  # out unless published
                raise
            reason = next((why for skipped, why in report.skipped if skipped == name), None)
            # Skipped, the build published an index without this report (the same reports as
            # before), and reconciling rolls the upload back; else it is finished.
            self.journal.reconcile(self.index_dir, logging.DEBUG)
            if reason is not None:
                raise NotIndexable(reason)
            return self._result(doc_id_for(path), name, report, searcher)

    def remove(self, doc_id: str) -> UpdateResult:
        """Move a report's file aside (and take out its catalogue entry), re-index without it,
        then delete the file; a failed re-index puts both back."""
        from indexer.build import sha256_file
        from indexer.reading.metadata import load_catalogue

        self.find(doc_id)  # an unknown id is 404 at once, without waiting for the lock
        with self._lock:
            self.journal.reconcile(self.index_dir)
            path = self.find(doc_id)
            entry = load_catalogue(self.corpus).get(path.name)
            intent = Intent("remove", path.name, sha256_file(path), entry)
            self.journal.begin(intent)
            try:
                os.replace(path, self.journal.removing(path.name))
                uploads.remove_catalogue_entry(self.corpus, path.name)
                report, searcher = self._rebuild(removed=doc_id)
            finally:
                # Finished if the index without it was published, else undone.
                self.journal.reconcile(self.index_dir, logging.DEBUG)
            return self._result(doc_id, path.name, report, searcher)

    def find(self, doc_id: str) -> Path:
        """The corpus file of report `doc_id`; `UnknownReport` when there is none."""
        from indexer.build import corpus_files

        if self.corpus.is_dir():
            for path in corpus_files(self.corpus):
                if doc_id_for(path) == doc_id:
                    return path
        raise UnknownReport(f"no report with id {doc_id!r}")

    def _rebuild(
        self, added: str | None = None, removed: str | None = None
    ) -> tuple[BuildReport, Searcher]:
        """Change the index (a new segment for `added`, a tombstone for `removed`; the whole
        corpus folder when the index in place takes no segments), then load the new version
        and install its searcher."""
        from indexer.build import build_index
        from indexer.embedding.encoders import load_encoder, serve_queries
        from indexer.language.analyzer import get_analyzer
        from indexer.store.index import load_index
        from indexer.update import add_reports, can_update, remove_reports
        from indexer.worker import ParseLimits
        from rapportsok.errors import IndexBusy, StoreUnavailable
        from service.stores import make_searcher

        if self._encoder is None:
            self._encoder = load_encoder(self.settings.model)
            serve_queries(self._encoder)  # the service's: short batches (see there)
        if self._analyzer is None:
            self._analyzer = get_analyzer()
        t0 = time.perf_counter()
        limits = ParseLimits(self.settings.parse_memory_mb, self.settings.parse_seconds)
        try:
            if added is not None and can_update(self.index_dir):
                report = add_reports(
                    self.corpus,
                    self.index_dir,
                    [added],
                    self._encoder,
                    self._analyzer,
                    parse_limits=limits,
                )
            elif removed is not None and can_update(self.index_dir):
                report = remove_reports(self.index_dir, [removed], missing_ok=True)
            else:
                report = build_index(
                    self.corpus,
                    self.index_dir,
                    self._encoder,
                    self._analyzer,
                    parse_limits=limits,
                )
        except IndexBusy as exc:
            raise UpdateBusy(f"{exc}; try again when it has finished") from exc
        index = load_index(self.index_dir, self._encoder.name)
        # With a Milvus store, the collection follows the index just published.
        try:
            searcher = make_searcher(self.settings, index, self._encoder, self._analyzer)
        except StoreUnavailable as exc:
            # The change is in the corpus and the index already: say so, not only "failed"
            # (a retry would find the report there); the store catches up when next synced.
            raise StoreUnavailable(
                f"the change is saved in the index, but {exc}; the store is brought up to "
                "date at the next start-up or change"
            ) from exc
        searcher.warm_up()
        self._install(searcher)
        release_memory()
        log.info(
            "index updated in %.1f s: %d reports, %d passages (%d embedded)",
            time.perf_counter() - t0,
            report.documents,
            report.chunks,
            report.embedded,
        )
        for name, what in report.troubles:  # the reading report; info --quality states it too
            log.info("read %s with trouble: %s", name, what)
        return report, searcher

    @staticmethod
    def _result(doc_id: str, name: str, report: BuildReport, searcher: Searcher) -> UpdateResult:
        chunks = len(searcher.rows_of(doc_id)) if doc_id in searcher.index.documents else 0
        return UpdateResult(
            document_id=doc_id,
            filename=name,
            chunks=chunks,
            embedded=report.embedded,
            documents=report.documents,
            total_chunks=report.chunks,
            seconds=round(report.seconds, 2),
        )


def release_memory() -> None:
    """Hand freed heap back to the operating system after a change. Embedding a report
    leaves the model's batch buffers (about 100 MB for a 97-passage report) freed but held
    in glibc's heap, so the server's RSS grew with each upload; `malloc_trim` returns them
    (measured in-process at 15k passages: +96 MB after an upload without it, +11 MB with).
    A no-op where the C library is not glibc."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
