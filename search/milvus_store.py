"""The Milvus store: hybrid retrieval's two top-k searches answered by a Milvus collection.

`MilvusStore.open` connects (`search.milvus_client`), makes the collection hold the reports
of the published segment index (`search.milvus_sync.sync`) and reads the catalogue: the
reports, the term vocabulary with each term's document frequency, the passage count, each
report's passage keys. That is what the searcher keeps in memory (a few bytes per passage
and per term); passages and vectors stay in Milvus and are fetched for the rows a search
returns (`chunks_of`, with a least-recently-used cache that the reader's later reads hit).

A row is a passage's key in Milvus (reports' keys are runs; a deleted report leaves a gap,
a row of no report, which no `Selection` includes). A `Selection` (`search.scope`) becomes
a Milvus filter expression on the scalar fields: `municipality in [...]` when it is every
report of some municipalities (the partition key: Milvus searches only their partitions),
else `report_id in [...]`. The dense side is the e5 vector's inner product (FLAT: exact);
the lexical side the inner product of the query's idf vector with the passages' BM25 weights
(`indexer.store.sparse`), which is Rapportsök's BM25 score: so fusion, the reader, typos and
comparisons get the same numbers as from the segment store.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.models import Chunk, Document
from indexer.store.chunkstore import Rows
from indexer.store.index import IndexData
from indexer.store.manifest import Manifest
from indexer.store.sparse import query_weights
from search.milvus_client import (
    Catalogue,
    StoreSetting,
    connect,
    ensure_collections,
    talking,
)
from search.milvus_sync import SyncReport, Vocabulary, sync

if TYPE_CHECKING:
    from search.scope import Selection

_FIELDS = ["key", "passage_id", "report_id", "text", "section", "page", "start", "end", "extra"]
_CACHE = 4096  # passages (and their vectors) kept after a fetch


class MilvusStore:
    """A `search.store.PassageStore` over one Milvus collection (see the module docstring)."""

    def __init__(self, setting: StoreSetting, client: Any, prefix: str, index: IndexData) -> None:
        self.setting = setting
        self.name = setting.label
        self.client = client
        self.prefix = prefix
        self.collection = f"{prefix}_passages"
        self.index = index
        self.rows: MilvusRows = index.chunks  # type: ignore[assignment]
        self.rows.fetch = self._fetch
        self.lexicon: MilvusLexicon = index.bm25  # type: ignore[assignment]
        self._all = frozenset(index.documents)
        by_place: dict[str, set[str]] = {}
        for d in index.documents.values():
            by_place.setdefault(d.municipality or "", set()).add(d.id)
        self._by_place = by_place

    @classmethod
    def open(
        cls, setting: StoreSetting, published: IndexData, prefix: str = "rapportsok"
    ) -> tuple[MilvusStore, SyncReport]:
        """Connect, bring the collection to the reports of `published` (the segment index
        the journal settles against) and load the catalogue."""
        client = connect(setting)
        with talking(setting.label):
            ensure_collections(client, prefix, int(published.vectors.shape[1]))
            report = sync(client, prefix, published)
            index = load_catalogue(client, prefix, Path(setting.target))
        return cls(setting, client, prefix, index), report

    # ---- the two searches ------------------------------------------------------------------

    def dense_top(self, qvec: np.ndarray, selection: Selection | None, n: int) -> dict[int, float]:
        """Row → inner product of the `n` best passages among `selection`."""
        data = [np.asarray(qvec, dtype=np.float32).tolist()]
        return self._search(data, "dense", selection, n)

    def lexical_top(
        self, term_ids: list[int], selection: Selection | None, n: int
    ) -> dict[int, float]:
        """Row → BM25 score of the `n` best passages with a positive score among `selection`."""
        lex = self.lexicon
        weights = query_weights(term_ids, lex.df, lex.n_live)
        if not weights:
            return {}
        found = self._search([weights], "sparse", selection, n)
        return {r: s for r, s in found.items() if s > 0}

    def _search(
        self, data: list[Any], field: str, selection: Selection | None, n: int
    ) -> dict[int, float]:
        expr = self.filter_of(selection)
        if expr == "nothing":
            return {}
        # Only the keys of this store's catalogue: while an upload syncs the collection, the
        # searcher still serving must not meet the new report's passages (new keys come
        # after every key it knows).
        bound = f"key < {len(self.rows.doc_of_row)}"
        expr = f"({expr}) and {bound}" if expr else bound
        with talking(self.name):
            result = self.client.search(
                self.collection,
                data=data,
                anns_field=field,
                limit=n,
                filter=expr,
                search_params={"metric_type": "IP"},
                output_fields=["key"],
            )
        known = self.rows.doc_of_row  # and not a key deleted since (a gap: no passage)
        hits = [
            (key, float(h["distance"]))
            for h in result[0]
            if 0 <= (key := int(h["key"])) < len(known) and known[key] >= 0
        ]
        return dict(sorted(hits, key=lambda item: (-item[1], item[0])))

    def filter_of(self, selection: Selection | None) -> str:
        """The Milvus expression of a selection ("" for every row, "nothing" for none)."""
        if selection is None:
            return ""
        expr = selection.derived.get("milvus_filter")
        if expr is None:
            docs = self.rows.docs_of(selection.rows())
            expr = selection.derived["milvus_filter"] = self.expression(docs)
        return str(expr)

    def expression(self, docs: set[str]) -> str:
        """A filter for the passages of `docs`: by municipality when it is all of some
        municipalities' reports, else by report id."""
        if not docs:
            return "nothing"
        if docs >= self._all:
            return ""
        places = {p for p, ids in self._by_place.items() if ids & docs}
        if all(self._by_place[p] <= docs for p in places):
            return f"municipality in {json.dumps(sorted(places), ensure_ascii=False)}"
        return f"report_id in {json.dumps(sorted(docs), ensure_ascii=False)}"

    # ---- rows --------------------------------------------------------------------------------

    def chunks_of(self, rows: Sequence[int]) -> list[Chunk]:
        """The passages of `rows` (one query for those not cached)."""
        self.rows.prefetch(rows)
        return [self.rows[r] for r in rows]

    def cosines(self, rows: Sequence[int], qvec: np.ndarray) -> np.ndarray:
        """Inner products of `rows`' vectors with `qvec` (vectors fetched with the rows)."""
        if not rows:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.rows.vectors_of(rows) @ qvec, dtype=np.float32)

    def reports(self) -> list[str]:
        """Ids of the reports in the collection (committed), sorted."""
        return sorted(self.index.documents)

    def _fetch(self, keys: list[int]) -> list[tuple[Chunk, np.ndarray]]:
        with talking(self.name):
            rows = self.client.query(
                self.collection, filter=f"key in {keys}", output_fields=[*_FIELDS, "dense"]
            )
        out = []
        for r in rows:
            extra = json.loads(r["extra"])
            chunk = Chunk.from_dict(
                {
                    "id": r["passage_id"],
                    "doc_id": r["report_id"],
                    "text": r["text"],
                    "section": json.loads(r["section"]),
                    "page": r["page"],
                    "start": r["start"],
                    "end": r["end"],
                    **extra,
                }
            )
            out.append((chunk, np.asarray(r["dense"], dtype=np.float32)))
        return out


class MilvusRows(Rows):
    """The passages by row (key), fetched from Milvus on demand and cached. `doc_of_row`
    (one int32 per key) and `ids` (passage id → key) come from the catalogue."""

    def __init__(self, doc_ids: list[str], doc_of_row: np.ndarray, ids: dict[str, int]) -> None:
        self.doc_ids = doc_ids
        self.doc_of_row = doc_of_row
        self.ids = ids
        self.n_live = int(np.count_nonzero(doc_of_row >= 0))
        self.fetch: Any = None  # set by the store: keys → [(Chunk, vector)]
        self._cache: OrderedDict[int, tuple[Chunk, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.n_live

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            raise TypeError("Milvus rows are read by key, not by slice")
        return self._get([int(i)])[0][0]

    def __iter__(self) -> Iterator[Chunk]:
        keys = np.flatnonzero(self.doc_of_row >= 0).tolist()
        for i in range(0, len(keys), 256):
            for chunk, _ in self._get(keys[i : i + 256]):
                yield chunk

    def docs_of(self, rows: np.ndarray) -> set[str]:
        """The reports of some rows."""
        positions = np.unique(self.doc_of_row[rows])
        return {self.doc_ids[p] for p in positions.tolist() if p >= 0}

    def prefetch(self, rows: Sequence[int]) -> None:
        """Fetch the rows not cached in one query."""
        self._get([int(r) for r in rows])

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """(len(rows), dim) float32 vectors of the rows."""
        return np.stack([v for _, v in self._get([int(r) for r in rows])])

    def _get(self, keys: list[int]) -> list[tuple[Chunk, np.ndarray]]:
        for k in keys:
            if not 0 <= k < len(self.doc_of_row) or self.doc_of_row[k] < 0:
                raise IndexError(f"row {k} is no passage of the Milvus store")
        with self._lock:
            missing = sorted({k for k in keys if k not in self._cache})
            for k in keys:
                if k in self._cache:
                    self._cache.move_to_end(k)  # least recently used leaves first
        if missing:
            got = self.fetch(missing)
            by_key = {self.ids[c.id]: (c, v) for c, v in got}
            if len(by_key) != len(missing):
                raise IndexError(f"rows {missing} are not all in the Milvus store")
            with self._lock:
                self._cache.update(by_key)
                while len(self._cache) > _CACHE:
                    self._cache.popitem(last=False)
        with self._lock:
            found = [self._cache.get(k) for k in keys]
        if any(f is None for f in found):  # pushed out by another request meanwhile
            again = {self.ids[c.id]: (c, v) for c, v in self.fetch(sorted(set(keys)))}
            return [again[k] for k in keys]  # in the keys' order, whatever Milvus's
        return [f for f in found if f is not None]


class MilvusVectors:
    """The passages' vectors by row, read from Milvus (`v[rows]`); `shape` (keys, dim)."""

    def __init__(self, rows: MilvusRows, dim: int) -> None:
        self.rows = rows
        self.shape = (len(rows.doc_of_row), dim)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        keys = np.atleast_1d(np.asarray(key)).tolist()
        out = self.rows.vectors_of(keys)
        return out if np.ndim(key) else out[0]

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        raise NotImplementedError("every passage's inner product is Milvus's to compute")


class MilvusLexicon:
    """The BM25 vocabulary and statistics of the store (`indexer.store.parts.LexicalIndex`
    for typos and the reader's idf; the scores themselves are Milvus's)."""

    def __init__(self, vocab: Vocabulary, df: np.ndarray, n_live: int, total_len: int) -> None:
        ids = dict(vocab.ids)
        if "" not in ids:  # as `CollectionBM25`, which always has bm25s's empty term
            ids[""] = len(ids)
            df = np.append(df, 0)
        self.vocab_dict: Mapping[str, int] = ids
        self.df = df
        self.n_live = n_live
        self.avg_len = total_len / n_live if n_live else 1.0

    def get_scores_from_ids(
        self, term_ids: Sequence[int], window: tuple[int, int] | None = None
    ) -> np.ndarray:
        raise NotImplementedError("BM25 scores of every passage are Milvus's to compute")

    def document_frequencies(self) -> np.ndarray:
        """Per term id, how many passages of the store hold it."""
        return self.df


def load_catalogue(client: Any, prefix: str, path: Path) -> IndexData:
    """The catalogue's reports, vocabulary and statistics as the `IndexData` the core reads."""
    catalogue = Catalogue(client, prefix)
    entries = catalogue.get_many(catalogue.names("report"))
    vocab = Vocabulary.load(catalogue)
    manifest = Manifest.from_dict(catalogue.get("manifest"))
    documents = {e["document"]["id"]: Document.from_dict(e["document"]) for e in entries.values()}
    doc_ids = sorted(documents)
    next_key = int(catalogue.get("next_key") or 0)
    doc_of_row = np.full(next_key, -1, dtype=np.int32)
    ids: dict[str, int] = {}
    df = np.zeros(len(vocab.terms), dtype=np.int64)
    total_len = 0
    for e in entries.values():
        first, passage_ids = int(e["first_key"]), e["passage_ids"]
        doc_of_row[first : first + len(passage_ids)] = doc_ids.index(e["document"]["id"])
        ids.update((p, first + i) for i, p in enumerate(passage_ids))
        for t, count in e["df"]:
            df[t] += count
        total_len += int(e["length_total"])
    rows = MilvusRows(doc_ids, doc_of_row, ids)
    vectors = MilvusVectors(rows, manifest.encoder.dim)
    lexicon = MilvusLexicon(vocab, df, rows.n_live, total_len)
    no_faiss: Any = None  # Milvus searches the vectors
    return IndexData(path, manifest, documents, rows, vectors, no_faiss, lexicon, base_rows=0)
