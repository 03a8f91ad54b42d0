"""Which rows a search may return: filters and the municipality restriction resolved once
per distinct set of reports, never by walking the passages of the index per request.

An index's rows are grouped by report (the indexer writes each report's passages in one
run), so a report is a row range (or a few, in an index written otherwise) and a set of
reports a mask over the rows. `Scope` keeps,
per filter field, the accent-folded values and the reports that have them; a set of reports
becomes a `Selection` (one range, or a mask plus a FAISS bitmap selector) that is cached,
since a service sees the same few filters again and again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.models import Document
from rapportsok.errors import UnknownFilterValue
from search.query import fold

if TYPE_CHECKING:
    from indexer.store.index import IndexData

FILTER_FIELDS = ("municipality", "year", "report_type", "document_id")


@dataclass(frozen=True)
class SearchFilters:
    """Domain form of the request's filters: each list OR-ed, the fields AND-ed."""

    municipality: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    report_type: tuple[str, ...] = ()
    document_id: tuple[str, ...] = ()

    @classmethod
    def from_model(cls, filters: Any) -> SearchFilters:
        """From `service.schemas.Filters` (or None)."""
        if filters is None:
            return cls()
        return cls(**{name: tuple(getattr(filters, name) or ()) for name in FILTER_FIELDS})

    @property
    def names_reports(self) -> bool:
        """Whether the user chose the reports themselves (query understanding then steps back)."""
        return bool(self.municipality or self.document_id)

    @property
    def empty(self) -> bool:
        """Whether no filter is set."""
        return not (self.municipality or self.year or self.report_type or self.document_id)


@dataclass
class Selection:
    """Some rows of an index: `size` rows in `[start, end)`, all of them when `mask` is None,
    else those where `mask` (bool, one per row of the index) is set."""

    size: int
    start: int
    end: int
    mask: np.ndarray | None = None
    _params: Any = field(default=None, repr=False)
    _selector: Any = field(default=None, repr=False)
    derived: dict[str, Any] = field(default_factory=dict, repr=False)  # per-index caches
    _bitmap: np.ndarray | None = field(default=None, repr=False)

    def rows(self) -> np.ndarray:
        """The selected rows, ascending (int64)."""
        if self.mask is None:
            return np.arange(self.start, self.end, dtype=np.int64)
        return np.flatnonzero(self.mask).astype(np.int64)

    def keep(self, rows: np.ndarray) -> np.ndarray:
        """The entries of `rows` (row numbers) that are selected."""
        if self.mask is not None:
            return rows[self.mask[rows]]
        return rows[(rows >= self.start) & (rows < self.end)]

    def selector(self) -> Any:
        """A FAISS `IDSelector` of these rows (made once; it points into `_bitmap`)."""
        if self._selector is None:
            import faiss

            if self.mask is None:
                self._selector = faiss.IDSelectorRange(self.start, self.end)
            else:
                # Bit i of byte i // 8, least significant first: FAISS's IDSelectorBitmap,
                # which is given the bitmap's length in bytes.
                self._bitmap = np.packbits(self.mask, bitorder="little")
                self._selector = faiss.IDSelectorBitmap(
                    len(self._bitmap), faiss.swig_ptr(self._bitmap)
                )
        return self._selector

    def faiss_params(self) -> Any:
        """FAISS search parameters that restrict a search to these rows (made once)."""
        if self._params is None:
            import faiss

            self._params = faiss.SearchParameters(sel=self.selector())  # type: ignore[call-arg]
        return self._params


class Scope:
    """The reports of one index, their rows and their filter values."""

    def __init__(
        self, documents: Mapping[str, Document], doc_of_row: np.ndarray, cache_size: int = 64
    ) -> None:
        self.documents = documents
        self.doc_ids = sorted(documents)
        self.rows_total = len(doc_of_row)
        self._doc_of_row = doc_of_row  # index into `doc_ids` per row
        self._runs = _runs(doc_of_row, len(self.doc_ids))
        self._values: dict[str, list[Any]] = {}
        self._folded: dict[str, dict[str, set[str]]] = {}
        for name in FILTER_FIELDS:
            by_value: dict[Any, set[str]] = {}
            for d in documents.values():
                value = d.id if name == "document_id" else getattr(d, name)
                if value is not None and value != "":
                    by_value.setdefault(value, set()).add(d.id)
            self._values[name] = sorted(by_value)
            folded: dict[str, set[str]] = {}
            for value, ids in by_value.items():
                folded.setdefault(fold(str(value)), set()).update(ids)
            self._folded[name] = folded
        self._unplaced: set[str] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[frozenset[str], Selection | None] = OrderedDict()
        self._cache_size = cache_size

    def filter_values(self) -> dict[str, list[Any]]:
        """The values each filter accepts (those the index's reports have), sorted."""
        return {name: list(values) for name, values in self._values.items()}

    def check(self, filters: SearchFilters) -> None:
        """Raise `UnknownFilterValue` for a value no report has (case-insensitive for text)."""
        for name in FILTER_FIELDS:
            folded = self._folded[name]
            unknown = [v for v in getattr(filters, name) if fold(str(v)) not in folded]
            if unknown:
                raise UnknownFilterValue(name, unknown, list(self._values[name]))

    def allowed(self, filters: SearchFilters) -> set[str]:
        """Ids of the reports that pass `filters` (all reports when none are set)."""
        allowed = set(self.doc_ids)
        for name in FILTER_FIELDS:
            wanted = getattr(filters, name)
            if wanted:
                folded = self._folded[name]
                allowed &= set().union(*(folded.get(fold(str(w)), set()) for w in wanted))
        return allowed

    def of_municipalities(self, municipalities: Iterable[str]) -> set[str]:
        """Ids of the reports of these municipalities (exact names, as query understanding
        returns them)."""
        names = set(municipalities)
        return {d.id for d in self.documents.values() if d.municipality in names}

    def of_places(self, municipalities: Iterable[str], organisations: Iterable[str]) -> set[str]:
        """Ids of the reports of these municipalities or organisations (exact names)."""
        names = set(organisations)
        return self.of_municipalities(municipalities) | {
            d.id for d in self.documents.values() if d.organisation in names
        }

    @property
    def unplaced(self) -> set[str]:
        """Ids of the reports whose municipality is unknown: neither a municipality nor an
        organisation (one without a municipality, such as Sveriges riksbank, places its
        reports in none) was read or catalogued."""
        if self._unplaced is None:
            self._unplaced = {
                d.id for d in self.documents.values() if not d.municipality and not d.organisation
            }
        return self._unplaced

    def narrow(self, allowed: set[str], named: set[str]) -> tuple[set[str], set[str]]:
        """(reports to search, reports to rank first) for a question that names the
        places of the `named` reports, among the `allowed` ones.

        Other reports are left out only when every allowed report's municipality is known;
        otherwise nothing is dropped and the named reports rank first (boosted): a report
        whose metadata is unknown is never silently out of scope.
        """
        named = named & allowed
        if not named:
            return allowed, set()
        if allowed & self.unplaced:
            return allowed, named
        return named, set()

    def doc_index(self, rows: np.ndarray) -> np.ndarray:
        """Per row, the index of its report in `doc_ids`."""
        return self._doc_of_row[rows]

    def rows_of(self, doc_id: str) -> list[int]:
        """Rows of one report, in report order (empty for an unknown id)."""
        i = _position(self.doc_ids, doc_id)
        runs = self._runs[i] if i is not None else []
        return [r for s, e in runs for r in range(s, e)]

    def selection(self, docs: set[str] | frozenset[str]) -> Selection | None:
        """The rows of `docs` (None: every row of the index; cached per set of reports)."""
        key = frozenset(docs)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        sel = self._make(key)
        with self._lock:
            self._cache[key] = sel
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return sel

    def _make(self, docs: frozenset[str]) -> Selection | None:
        spans = sorted(
            run
            for d in docs
            if (i := _position(self.doc_ids, d)) is not None
            for run in self._runs[i]
        )
        size = sum(e - s for s, e in spans)
        if size == self.rows_total:  # (never with deleted rows: a mask leaves them out)
            return None
        if not spans:
            return Selection(0, 0, 0)
        # Adjacent reports make one range (a single report always does).
        if all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1)):
            return Selection(size, spans[0][0], spans[-1][1])
        mask = np.zeros(self.rows_total, dtype=bool)
        for s, e in spans:
            mask[s:e] = True
        return Selection(size, spans[0][0], spans[-1][1], mask)


def _position(sorted_ids: list[str], doc_id: str) -> int | None:
    import bisect

    i = bisect.bisect_left(sorted_ids, doc_id)
    return i if i < len(sorted_ids) and sorted_ids[i] == doc_id else None


def _runs(doc_of_row: np.ndarray, n_docs: int) -> list[list[tuple[int, int]]]:
    """Per report, its runs of consecutive rows `[start, end)`: one run each in an index
    the indexer wrote (it writes a report's passages together)."""
    runs: list[list[tuple[int, int]]] = [[] for _ in range(n_docs)]
    if len(doc_of_row) == 0:
        return runs
    change = np.flatnonzero(np.diff(doc_of_row)) + 1
    starts = np.concatenate([[0], change]).tolist()
    ends = np.concatenate([change, [len(doc_of_row)]]).tolist()
    for s, e in zip(starts, ends, strict=True):
        if doc_of_row[s] >= 0:  # -1: a deleted report's rows, in no run
            runs[int(doc_of_row[s])].append((s, e))
    return runs


def doc_of_row(index: IndexData) -> np.ndarray:
    """Per row of `index`, the position of its report among the sorted report ids."""
    position = {d: i for i, d in enumerate(sorted(index.documents))}
    # The passages know their rows' reports without being read. A deleted report's rows
    # (-1 in a stacked index, or a report no longer listed) belong to no report: -1, which
    # no selection includes.
    remap = np.array([position.get(d, -1) for d in index.chunks.doc_ids] + [-1], dtype=np.int32)
    return remap[index.chunks.doc_of_row]
