"""Queries go first: a report being embedded gives way to searches (fast tier, fake model)."""

from __future__ import annotations

import threading
import time

import numpy as np

from indexer.embedding.encoders import YIELD_BATCH, _BatchedEncoder


class _Recorder(_BatchedEncoder):
    """Records each call to the model; the first document batch holds until a query waits."""

    name, dim = "recorder", 2

    def __init__(self) -> None:
        super().__init__(batch_size=16)
        self.calls: list[str] = []
        self.first_document_batch = threading.Event()

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        if is_query:
            self.calls.append("query")
        else:
            self.calls.append(f"documents:{len(texts)}")
            if not self.first_document_batch.is_set():
                self.first_document_batch.set()
                deadline = time.monotonic() + 10
                while self._priority.waiting_queries == 0 and time.monotonic() < deadline:
                    time.sleep(0.01)
        return np.ones((len(texts), 2), dtype=np.float32)

    def _count_tokens(self, text: str) -> int:
        return 1


def test_a_query_waits_for_one_small_document_batch_at_most() -> None:
    encoder = _Recorder()
    encoder.encode_queries(["a search a moment ago"])  # the service is answering queries
    worker = threading.Thread(target=encoder.encode_documents, args=([f"p{i}" for i in range(20)],))
    worker.start()
    assert encoder.first_document_batch.wait(10)
    encoder.encode_queries(["a search during the upload"])
    worker.join(10)
    assert encoder.calls == ["query", f"documents:{YIELD_BATCH}", "query"] + [
        f"documents:{YIELD_BATCH}"
    ] * (20 // YIELD_BATCH - 1)


def test_without_queries_documents_go_in_full_batches() -> None:
    encoder = _Recorder()
    encoder.first_document_batch.set()
    encoder.encode_documents([f"p{i}" for i in range(20)])
    assert encoder.calls == ["documents:16", "documents:4"]
