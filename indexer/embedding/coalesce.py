"""Concurrent query embeddings in one model call.

A web server embeds each request's query on its own thread, and the model runs one call at
a time. While a call runs, the queries that arrive wait; the first of them to get the
model then embeds every waiting query in one call. A lone query waits for nothing. Under
load the model runs fewer, larger calls: one forward pass for all the waiting queries, whose
fixed costs (the calls into the engine, its buffers, a pass over every weight) are paid once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np


class _Request:
    __slots__ = ("done", "error", "texts", "vectors")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False


class Coalescer:
    """`embed(texts)` from any thread; `run` embeds at most `max_texts` texts per call
    (a request of more than that gets a call of its own)."""

    def __init__(self, run: Callable[[list[str]], np.ndarray], max_texts: int) -> None:
        self._run = run
        self._max_texts = max_texts
        self._pending: list[_Request] = []
        self._queue_lock = threading.Lock()
        self._turn = threading.Lock()  # held by the thread that runs the model for all

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        request = _Request(list(texts))
        with self._queue_lock:
            self._pending.append(request)
        with self._turn:
            while not request.done:  # earlier requests may fill a call before ours
                self._run_oldest()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _run_oldest(self) -> None:
        """Embed the oldest waiting requests (at least one) in one call."""
        with self._queue_lock:
            taken: list[_Request] = []
            size = 0
            for request in self._pending:
                if taken and size + len(request.texts) > self._max_texts:
                    break
                taken.append(request)
                size += len(request.texts)
            del self._pending[: len(taken)]
        try:
            vectors = self._run([t for request in taken for t in request.texts])
        except BaseException as exc:  # every caller in the call gets the error
            for request in taken:
                request.error, request.done = exc, True
            return
        start = 0
        for request in taken:
            request.vectors = vectors[start : start + len(request.texts)]
            request.done = True
            start += len(request.texts)
