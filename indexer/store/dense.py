"""The FAISS index of the passage vectors: exact below a size, approximate (IVF) above it.

HNSW loses its way among near-duplicate passages (the same paragraph in many reports of an
archive), IVF does not: near-duplicates share a list. So `auto` is exact up to
`ANN_MIN_PASSAGES` (where flat costs a few milliseconds and results stay bit-identical)
and IVF with about 4·√n lists and `IVF_NPROBE` probes above it. The recall and timings
behind the choice are in docs/measurements.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    import faiss
    import numpy as np

FaissType = Literal["flat", "ivf", "hnsw"]  # what an index on disk is
FaissChoice = Literal["auto", FaissType]  # what a build is asked for ('auto': by size)
# The same options as values, for argparse's `choices=` and the error messages.
FAISS_TYPES: tuple[FaissType, ...] = get_args(FaissType)
FAISS_CHOICES: tuple[FaissChoice, ...] = get_args(FaissChoice)  # "auto", then FAISS_TYPES

ANN_MIN_PASSAGES = 30_000  # where exact search starts to cost more than IVF's recall loss
IVF_NPROBE = 32
_TRAIN_PER_LIST = 40  # k-means points per list (FAISS warns below 39)


def resolve_faiss(choice: str, passages: int) -> FaissType:
    """The index type a build writes for `choice` ('auto' by size)."""
    if choice == "auto":
        return "ivf" if passages >= ANN_MIN_PASSAGES else "flat"
    if choice in FAISS_TYPES:
        return choice  # type: ignore[return-value]
    raise ValueError(f"faiss type must be one of {', '.join(FAISS_CHOICES)}, got {choice!r}")


def ivf_lists(passages: int) -> int:
    """Lists of an IVF index of `passages` vectors: about 4·√n, at least 40 points each."""
    return max(1, min(round(4 * math.sqrt(passages)), passages // _TRAIN_PER_LIST))


def make_faiss(vectors: np.ndarray, faiss_type: FaissType = "flat") -> faiss.Index:
    """Inner-product FAISS index over L2-normalised vectors, (n, dim) float32."""
    import faiss
    import numpy as np  # here: the command lines import this module's choices for --help

    dim = vectors.shape[1]
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index: Any
    if faiss_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif faiss_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 64
    elif faiss_type == "ivf" and len(data) < _TRAIN_PER_LIST:
        index = faiss.IndexFlatIP(dim)  # too few vectors to train lists: exact, and as fast
    elif faiss_type == "ivf":
        nlist = ivf_lists(len(data))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        # A fixed sample and FAISS's fixed k-means seed: the same vectors give the same index.
        rng = np.random.default_rng(0)
        n_train = min(len(data), nlist * _TRAIN_PER_LIST * 2)
        index.train(data[np.sort(rng.choice(len(data), n_train, replace=False))])
        index.nprobe = IVF_NPROBE
    else:
        raise ValueError(
            f"faiss type must be one of {', '.join(FAISS_CHOICES)}, got {faiss_type!r}"
        )
    if len(data):
        index.add(data)
    return index


def faiss_type_of(index: faiss.Index) -> FaissType:
    """Which kind of index `index` is."""
    import faiss

    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    return "flat"
