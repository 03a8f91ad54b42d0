"""BM25 as sparse vectors: the passage side and the query side of Rapportsök's own BM25,
whose inner product is the BM25 score (an external store such as Milvus ranks by it).

`indexer.store.postings.CollectionBM25` scores a passage as the sum over the query's terms
(repeats count) of `idf(t) * tf / (k1 * (1 - b + b * length / avg_len) + tf)`. The second
factor depends only on the passage (and the collection's average length), the first only on
the term: so a passage's vector holds, per term it contains, the term-frequency part, and a
query's vector holds, per term, idf times how often the query has it. Their inner product
is that sum. The terms are the Swedish analyzer's (lemmas, compound parts), as the
postings hold them, so the analysis is the same whatever store searches them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from indexer.store.postings import K1, B, Postings


def idf(df: int, n_live: int) -> float:
    """bm25s's lucene idf of a term held by `df` of `n_live` passages, as the float32 it
    stores (`CollectionBM25.idf`)."""
    return float(np.float32(math.log(1 + (n_live - df + 0.5) / (df + 0.5))))


def passage_weights(
    postings: Postings, term_ids: np.ndarray, avg_len: float, rows: Sequence[int] | None = None
) -> list[dict[int, float]]:
    """Per row of `postings` (or of `rows` of it, in that order), its sparse vector:
    global term id (`term_ids[local term]`) → the BM25 term-frequency part, computed in
    float64 and rounded to float32 as `CollectionBM25` does. An empty passage has {}."""
    wanted = np.arange(len(postings.lengths)) if rows is None else np.asarray(rows)
    position = np.full(len(postings.lengths), -1, dtype=np.int64)
    position[wanted] = np.arange(len(wanted))
    out: list[dict[int, float]] = [{} for _ in range(len(wanted))]
    terms = postings.term_of_posting()
    rows_of = np.asarray(postings.rows)
    keep = position[rows_of] >= 0
    terms, posting_rows = terms[keep], rows_of[keep]
    tf = np.asarray(postings.tf, dtype=np.float64)[keep]
    norm = K1 * ((1 - B) + B * np.asarray(postings.lengths, dtype=np.float64) / avg_len)
    weights = (tf / (norm[posting_rows] + tf)).astype(np.float32)
    gids = np.asarray(term_ids, dtype=np.int64)[terms]
    for r, t, w in zip(
        position[posting_rows].tolist(), gids.tolist(), weights.tolist(), strict=True
    ):
        if t >= 0:  # -1: a term left out of the store (bm25s's empty term)
            out[r][t] = w
    return out


def query_weights(
    term_ids: Sequence[int], df: Mapping[int, int] | np.ndarray, n_live: int
) -> dict[int, float]:
    """The query's sparse vector: term id → idf × how often the query has the term (terms no
    live passage holds are left out: they add nothing to any score)."""
    out: dict[int, float] = {}
    for t, count in Counter(term_ids).items():
        d = int(df[t]) if (t in df if isinstance(df, Mapping) else 0 <= t < len(df)) else 0
        if d > 0:
            out[int(t)] = idf(d, n_live) * count
    return out
