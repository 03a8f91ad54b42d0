"""Lexical postings per segment, BM25 over all live segments with collection-wide stats,
and bm25s's own index for indexes built in memory.

A segment stores what does not depend on the rest of the index: per term the rows that
hold it and how often (term-major CSR), and each row's length in analyzer terms. BM25's
document frequencies, passage count and average length are computed over the live rows of
all segments when an index version is loaded, so a passage scores the same however the
index is cut into segments, and as a one-shot build scores it.

The weights are bm25s's "lucene" BM25 computed the way bm25s computes them at index time
(`k1` 1.5, `b` 0.75, idf and the term-frequency part in float64, the weight rounded to
float32) and added term after term in float32 like `BM25sIndex` adds bm25s's stored
weights: for the index of a one-shot build the scores are bit for bit those of bm25s
(tests/indexer/test_segments_fast.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

K1 = 1.5
B = 0.75
TERMS = "terms.json"
_ARRAYS = ("indptr", "rows", "tf", "lengths")


@dataclass
class Postings:
    """One segment's postings: term `terms[t]` is in rows `rows[indptr[t]:indptr[t + 1]]`
    (ascending) `tf[...]` times; `lengths[r]` is row r's number of terms."""

    terms: list[str]
    indptr: np.ndarray  # (n_terms + 1,) int64
    rows: np.ndarray  # (n_postings,) int32
    tf: np.ndarray  # (n_postings,) float32, as bm25s counts
    lengths: np.ndarray  # (n_rows,) int32

    @classmethod
    def from_tokens(cls, tokens: Sequence[Sequence[str]]) -> Postings:
        """Postings of the analysed passages, row i = `tokens[i]` (an empty passage counts
        as one empty term, as `indexer.build` always gave bm25s)."""
        vocab: dict[str, int] = {}
        # Typed arrays, not lists of ints: ~9M postings at 150k passages.
        term_ids = array("q")
        row_ids = array("i")
        counts = array("i")
        lengths = np.zeros(len(tokens), dtype=np.int32)
        for r, toks in enumerate(tokens):
            toks = list(toks) or [""]
            lengths[r] = len(toks)
            for term, n in Counter(toks).items():
                term_ids.append(vocab.setdefault(term, len(vocab)))
                row_ids.append(r)
                counts.append(n)
        return cls._from_entries(
            list(vocab),
            np.frombuffer(term_ids, dtype=np.int64),
            np.frombuffer(row_ids, dtype=np.int32),
            np.frombuffer(counts, dtype=np.int32).astype(np.float32),
            lengths,
        )

    @classmethod
    def _from_entries(
        cls, terms: list[str], t: np.ndarray, r: np.ndarray, tf: np.ndarray, lengths: np.ndarray
    ) -> Postings:
        """Postings from (term id, row, count) entries in any order: sorted term-major,
        rows ascending within a term."""
        order = np.lexsort((r, t))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=len(terms)), out=indptr[1:])
        return cls(terms, indptr, r[order], tf[order].astype(np.float32), lengths)

    def save(self, folder: Path) -> None:
        """Write the postings into `folder` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / TERMS, "w", encoding="utf-8") as f:
            json.dump(self.terms, f, ensure_ascii=False)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path) -> Postings:
        """The postings in `folder`, arrays memory-mapped."""
        with open(folder / TERMS, encoding="utf-8") as f:
            terms = json.load(f)
        # Plain ndarray views of the maps: slicing an np.memmap runs Python code (its
        # __array_finalize__), and a search slices every query term's postings per segment.
        arrays = [
            np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in _ARRAYS
        ]
        postings = cls(terms, *arrays)
        if len(postings.indptr) != len(terms) + 1 or postings.indptr[-1] != len(postings.rows):
            raise ValueError(f"postings in {folder} are inconsistent")
        return postings

    @classmethod
    def concat(cls, parts: Sequence[Postings], live: Sequence[np.ndarray | None]) -> Postings:
        """The live rows of `parts`, stacked in order, as one segment's postings (a merge:
        no passage is analysed again)."""
        vocab: dict[str, int] = {}
        terms, rows, tfs, lengths = [], [], [], []
        base = 0
        for p, mask in zip(parts, live, strict=True):
            keep = np.ones(len(p.lengths), dtype=bool) if mask is None else mask
            new_row = np.cumsum(keep) - 1 + base  # old row → new row (for kept rows)
            gids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in p.terms), np.int64, count=len(p.terms)
            )
            alive = keep[p.rows]
            terms.append(gids[p.term_of_posting()[alive]])
            rows.append(new_row[p.rows[alive]])
            tfs.append(np.asarray(p.tf)[alive])
            lengths.append(np.asarray(p.lengths)[keep])
            base += int(keep.sum())
        return cls._from_entries(
            list(vocab),
            np.concatenate(terms) if terms else np.zeros(0, dtype=np.int64),
            np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, dtype=np.int32),
            np.concatenate(tfs) if tfs else np.zeros(0, dtype=np.float32),
            np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int32),
        )

    def term_of_posting(self) -> np.ndarray:
        """Per posting, its term id, (n_postings,)."""
        return np.repeat(np.arange(len(self.terms), dtype=np.int64), np.diff(self.indptr))


class CollectionBM25:
    """BM25 over the live rows of several segments stacked in order (segment k's row r is
    global row `offsets[k] + r`), a `indexer.store.parts.LexicalIndex`. `vocab_dict` maps a
    term to its global id; `df` holds each term's live document frequency."""

    def __init__(
        self,
        parts: Sequence[Postings],
        offsets: Sequence[int],
        live: Sequence[np.ndarray | None],
    ) -> None:
        self.parts = list(parts)
        self.offsets = list(offsets)
        self.live = list(live)  # per segment a bool mask of live rows, None: all live
        vocab: dict[str, int] = {}
        for p in self.parts:
            for t in p.terms:
                vocab.setdefault(t, len(vocab))
        vocab.setdefault("", len(vocab))  # bm25s always has the empty term
        self.vocab_dict = vocab
        self._local: list[np.ndarray] = []  # per segment: global term id → local id or -1
        df = np.zeros(len(vocab), dtype=np.int64)
        n_live, total_len = 0, 0
        for p, mask in zip(self.parts, self.live, strict=True):
            local = np.full(len(vocab), -1, dtype=np.int64)
            gids = np.fromiter((vocab[t] for t in p.terms), np.int64, count=len(p.terms))
            local[gids] = np.arange(len(p.terms))
            self._local.append(local)
            if mask is None:
                df[gids] += np.diff(p.indptr)
                n_live += len(p.lengths)
                total_len += int(np.sum(p.lengths, dtype=np.int64))
            else:
                alive = mask[p.rows]
                df[gids] += np.bincount(p.term_of_posting()[alive], minlength=len(p.terms))
                n_live += int(mask.sum())
                total_len += int(np.sum(p.lengths[mask], dtype=np.int64))
        self.num_docs = offsets[-1] + len(parts[-1].lengths) if parts else 0
        self.n_live = n_live
        # np.mean of the lengths, as bm25s takes it: exact integer sum, one division.
        self.avg_len = float(np.float64(total_len) / n_live) if n_live else 1.0
        self.df = df
        self._norms: list[np.ndarray | None] = [None] * len(self.parts)

    def _length_norm(self, k: int) -> np.ndarray:
        """Per row of segment `k`, k1 * (1 - b + b * length / avg_len) in float64 (once)."""
        norm = self._norms[k]
        if norm is None:
            lengths = self.parts[k].lengths
            norm = self._norms[k] = K1 * ((1 - B) + B * lengths / self.avg_len)
        return norm

    def document_frequencies(self) -> np.ndarray:
        """Per global term id, how many live rows hold the term, (n_terms,) int64."""
        return self.df

    def idf(self, term_id: int) -> np.float32:
        """bm25s's lucene idf of a term, as the float32 it stores."""
        df = int(self.df[term_id])
        return np.float32(math.log(1 + (self.n_live - df + 0.5) / (df + 0.5)))

    def get_scores_from_ids(
        self, term_ids: Sequence[int], window: tuple[int, int] | None = None
    ) -> np.ndarray:
        """The BM25 score of every global row for the query terms (repeats count), (n,)
        float32; dead rows score 0. With `window` (start, end), only the rows [start, end),
        (end - start,): a search restricted to some reports adds only their postings."""
        lo, hi = (0, self.num_docs) if window is None else window
        scores = np.zeros(hi - lo, dtype=np.float32)
        for t in term_ids:
            if self.df[t] == 0:
                continue
            idf = self.idf(t)
            for k, p in enumerate(self.parts):
                local = self._local[k][t]
                first_row = self.offsets[k]
                if local < 0 or first_row >= hi or first_row + len(p.lengths) <= lo:
                    continue
                start, end = int(p.indptr[local]), int(p.indptr[local + 1])
                rows = p.rows[start:end]
                if lo > first_row or hi < first_row + len(p.lengths):  # rows ascend per term
                    a, b = np.searchsorted(rows, (lo - first_row, hi - first_row))
                    start, end = start + int(a), start + int(b)
                    rows = p.rows[start:end]
                tf = p.tf[start:end]
                mask = self.live[k]
                if mask is not None:
                    keep = mask[rows]
                    rows, tf = rows[keep], tf[keep]
                # bm25s's _score_tfc_lucene, elementwise in float64, weight rounded to float32:
                # idf * tf / (k1 * (1 - b + b * length / avg_len) + tf), the same operations
                # in the same order, in place (a query adds ~180k postings at 150k passages).
                weights = self._length_norm(k)[rows]
                weights += tf
                np.divide(tf, weights, out=weights)
                weights *= idf
                # A row appears once per term, so a plain fancy-index add is a scatter-add.
                if first_row != lo:
                    rows = rows + (first_row - lo)
                scores[rows] += weights.astype(np.float32)
        return scores


class BM25sIndex:
    """bm25s's own index (its "lucene" BM25 unless built otherwise) as a
    `indexer.store.parts.LexicalIndex`: eval's baseline and analyzer variants build one in
    memory. bm25s keeps the weight of every (term, passage) pair in a term-major sparse
    matrix; a query's score of a passage is the sum of its terms' weights, added term after
    term in float32. `get_scores_from_ids` adds the same weights in the same order as
    bm25s's `get_scores` (so the scores are bit for bit the same), with one vectorised
    scatter per term instead of `np.add.at`."""

    def __init__(self, bm25: Any) -> None:
        self.bm25 = bm25  # a bm25s.BM25
        self.vocab_dict: dict[str, int] = bm25.vocab_dict

    @classmethod
    def from_tokens(cls, tokens: Sequence[Sequence[str]]) -> BM25sIndex:
        """A BM25 index over the analysed passages (an empty passage gets one empty term)."""
        import bm25s

        retriever = bm25s.BM25()
        with quiet_bm25():
            retriever.index([list(t) or [""] for t in tokens], show_progress=False)
        return cls(retriever)

    def get_scores_from_ids(
        self, term_ids: Sequence[int], window: tuple[int, int] | None = None
    ) -> np.ndarray:
        """The BM25 score of every row for the query terms (repeats count), (n,) float32;
        with `window` (start, end), rows [start, end) of it."""
        scores = self._scores(term_ids)
        return scores if window is None else scores[window[0] : window[1]]

    def _scores(self, term_ids: Sequence[int]) -> np.ndarray:
        bm25 = self.bm25
        if bm25.nonoccurrence_array is not None:
            # BM25L / BM25+ add a score for absent terms: let bm25s do all of it.
            return np.asarray(bm25.get_scores_from_ids(list(term_ids)), dtype=np.float32)
        matrix = bm25.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        scores = np.zeros(int(matrix["num_docs"]), dtype=np.dtype(bm25.dtype))
        for t in term_ids:
            start, end = int(indptr[t]), int(indptr[t + 1])
            # A passage appears once per term, so a plain fancy-index add is a scatter-add.
            scores[indices[start:end]] += data[start:end]
        return scores.astype(np.float32, copy=False)

    def document_frequencies(self) -> np.ndarray:
        """Per term id, how many passages hold the term: the stored weights per term (the
        lucene weight of a term a passage holds is never 0). bm25s adds the empty term
        after the matrix's last column: it is in no passage."""
        matrix = self.bm25.scores
        indptr = np.asarray(matrix["indptr"])
        if len(indptr) == len(self.vocab_dict):
            indptr = np.append(indptr, len(matrix["data"]))
        return np.diff(indptr)


@contextlib.contextmanager
def quiet_bm25() -> Iterator[None]:
    """bm25s logs at INFO while it indexes; keep the console clean."""
    logger = logging.getLogger("bm25s")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
