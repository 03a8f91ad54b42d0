"""Keep a Milvus store holding exactly the reports of the published segment index.

The indexer reads, analyses and embeds a report into a segment (`indexer.update`), and the
service's journal settles every change against the published manifest (`service.journal`).
`sync` then makes the Milvus collection agree with that manifest, report by report:

* a report is **in** Milvus when its catalogue entry `report:<id>` is there: written after
  all its passages are inserted and flushed, and removed before they are deleted. So a crash
  at any point leaves each report fully in, or passages of a report with no entry, which
  the next `sync` deletes first (`settle`): from outside a report is fully in or fully out;
* reports the manifest no longer lists (or lists with other passages) are deleted, those it
  lists and Milvus lacks are added.

BM25 in Milvus (`indexer.store.sparse`): a passage's sparse vector holds its terms'
term-frequency parts, computed with the collection's average passage length at the time it
is added (the published index's, over all its live passages: a full export is exactly the
segment store's BM25); the query's idf comes from document frequencies and the passage count
kept per report in the catalogue and summed at load, so idf is exact after every upload and
delete. Only the average length in older passages' weights drifts as reports come and go;
`sync` logs the largest drift (docs/national-scale.md says when to export again).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.store.sparse import passage_weights
from search.milvus_client import TEXT_MAX, Catalogue
from search.scope import Scope, doc_of_row

if TYPE_CHECKING:
    from indexer.store.index import IndexData

log = logging.getLogger(__name__)

_INSERT_BATCH = 512


@dataclass
class Vocabulary:
    """The store's analyzer terms and their stable ids (sparse vector dimensions), kept in
    catalogue entries `vocab:<n>` that are only ever appended (an id never changes)."""

    terms: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    parts: int = 0

    @classmethod
    def load(cls, catalogue: Catalogue) -> Vocabulary:
        names = catalogue.names("vocab")
        values = catalogue.get_many(names)
        vocab = cls(parts=len(names))
        for name in sorted(names, key=lambda n: int(n.split(":")[1])):
            for t in values[name]:
                vocab.ids.setdefault(t, len(vocab.terms))
                vocab.terms.append(t)
        return vocab

    def add(self, catalogue: Catalogue, terms: list[str]) -> np.ndarray:
        """Ids of `terms`, new ones appended (written before any passage uses them)."""
        new = [t for t in dict.fromkeys(terms) if t not in self.ids]
        if new:
            catalogue.put("vocab", f"vocab:{self.parts}", new)
            self.parts += 1
            for t in new:
                self.ids[t] = len(self.terms)
                self.terms.append(t)
        return np.fromiter((self.ids[t] for t in terms), np.int64, count=len(terms))


def content_key(index: IndexData, doc_id: str, rows: list[int]) -> str:
    """What identifies a report's content in the store: its file's sha256 and its passages
    (`rows`, the report's rows in `index`)."""
    ids = sorted(index.chunks[r].id for r in rows)
    digest = hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]
    return f"{index.documents[doc_id].sha256}:{digest}"


@dataclass
class _Weights:
    """The BM25 sparse vectors and lengths of the rows a sync adds, computed segment by
    segment once for all its reports (a segment's postings are read once, not per report)."""

    sparse: dict[int, dict[int, float]]  # row → global term id → term-frequency part
    length: dict[int, int]  # row → analyzer terms in the passage

    @classmethod
    def of(
        cls, index: IndexData, rows: list[int], vocab: Vocabulary, catalogue: Catalogue
    ) -> _Weights:
        offsets = index.bm25.offsets  # type: ignore[attr-defined]
        segment = np.searchsorted(offsets, rows, side="right") - 1
        avg_len = float(index.bm25.avg_len)  # type: ignore[attr-defined]
        out = cls({}, {})
        for k in sorted(set(segment.tolist())):
            wanted = [r for r, seg in zip(rows, segment.tolist(), strict=True) if seg == k]
            local = [r - int(offsets[k]) for r in wanted]
            postings = index.bm25.parts[k]  # type: ignore[attr-defined]
            gids = vocab.add(catalogue, list(postings.terms))
            weights = passage_weights(postings, gids, avg_len, local)
            lengths = np.asarray(postings.lengths)[local].tolist()
            out.sparse.update(zip(wanted, weights, strict=True))
            out.length.update(zip(wanted, map(int, lengths), strict=True))
        return out


def add_report(
    client: Any,
    catalogue: Catalogue,
    prefix: str,
    index: IndexData,
    doc_id: str,
    rows: list[int],
    weights: _Weights,
    next_key: int,
) -> int:
    """Insert report `doc_id`'s passages (its `rows` of the loaded segment index, their BM25
    `weights`) and then its catalogue entry; the next free key."""
    doc = index.documents[doc_id]
    avg_len = float(index.bm25.avg_len)  # type: ignore[attr-defined]
    sparse = [weights.sparse[r] for r in rows]
    df: dict[int, int] = {}
    for w in sparse:
        for t in w:
            df[t] = df.get(t, 0) + 1
    catalogue.put("counter", "next_key", next_key + len(rows))  # before: no key is reused
    vectors = np.asarray(index.vectors[rows], dtype=np.float32)
    records = []
    for i, r in enumerate(rows):
        c = index.chunks[r]
        extra = c.to_dict()
        for name in ("id", "doc_id", "text", "section", "page", "start", "end"):
            extra.pop(name)
        if len(c.text.encode()) > TEXT_MAX:
            raise ValueError(f"passage {c.id} of {doc_id} is longer than Milvus's {TEXT_MAX}")
        records.append(
            {
                "key": next_key + i,
                "passage_id": c.id,
                "report_id": doc_id,
                "municipality": doc.municipality or "",
                "organisation": doc.organisation or "",
                "year": doc.year,
                "report_type": doc.report_type or "",
                "dense": vectors[i].tolist(),
                "sparse": sparse[i] or {0: 0.0},
                "text": c.text,
                "section": json.dumps(list(c.section), ensure_ascii=False),
                "page": c.page,
                "start": c.start,
                "end": c.end,
                "extra": json.dumps(extra, ensure_ascii=False),
            }
        )
    collection = f"{prefix}_passages"
    for i in range(0, len(records), _INSERT_BATCH):
        client.insert(collection, records[i : i + _INSERT_BATCH])
    client.flush(collection)
    entry = {
        "document": doc.to_dict(),
        "first_key": next_key,
        "passage_ids": [index.chunks[r].id for r in rows],
        "length_total": sum(weights.length[r] for r in rows),
        "df": sorted(df.items()),
        "avg_len": avg_len,
        "content": content_key(index, doc_id, rows),
    }
    catalogue.put("report", f"report:{doc_id}", entry)  # the commit
    return next_key + len(rows)


def delete_report(client: Any, catalogue: Catalogue, prefix: str, doc_id: str) -> None:
    """Take report `doc_id` out: its catalogue entry first (then it is out), its passages."""
    catalogue.delete(f"report:{doc_id}")
    client.delete(f"{prefix}_passages", filter=f"report_id == {json.dumps(doc_id)}")
    client.flush(f"{prefix}_passages")


def settle(client: Any, prefix: str, committed: set[str]) -> int:
    """Delete the passages of reports without a catalogue entry (an add that a crash cut
    short, or a delete that took the entry out); how many reports had such passages."""
    collection = f"{prefix}_passages"
    expr = f"report_id not in {json.dumps(sorted(committed))}" if committed else "key >= 0"
    stray: set[str] = set()
    while rows := client.query(collection, filter=expr, output_fields=["report_id"], limit=1000):
        for doc_id in {r["report_id"] for r in rows}:
            client.delete(collection, filter=f"report_id == {json.dumps(doc_id)}")
            stray.add(doc_id)
        client.flush(collection)
    if stray:
        log.info("Milvus: removed the passages of %d unfinished reports", len(stray))
    return len(stray)


@dataclass
class SyncReport:
    """What `sync` changed."""

    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    settled: int = 0
    avg_len_drift: float = 0.0  # the largest relative difference of a report's weights' avg


def sync(client: Any, prefix: str, index: IndexData) -> SyncReport:
    """Make the store hold exactly the reports of `index` (see the module docstring)."""
    catalogue = Catalogue(client, prefix)
    report = SyncReport()
    names = catalogue.names("report")
    entries = catalogue.get_many(names)
    committed = {n.removeprefix("report:"): v for n, v in entries.items()}
    report.settled = settle(client, prefix, set(committed))
    rows = Scope(index.documents, doc_of_row(index))
    for doc_id, entry in sorted(committed.items()):
        if doc_id not in index.documents or entry["content"] != content_key(
            index, doc_id, rows.rows_of(doc_id)
        ):
            delete_report(client, catalogue, prefix, doc_id)
            report.deleted.append(doc_id)
            del committed[doc_id]
    next_key = int(catalogue.get("next_key") or 0)
    adding = [d for d in sorted(index.documents) if d not in committed]
    weights = _Weights.of(
        index, [r for d in adding for r in rows.rows_of(d)], Vocabulary.load(catalogue), catalogue
    )
    for doc_id in adding:
        rows_of = rows.rows_of(doc_id)
        next_key = add_report(client, catalogue, prefix, index, doc_id, rows_of, weights, next_key)
        report.added.append(doc_id)
    avg = float(index.bm25.avg_len)  # type: ignore[attr-defined]
    report.avg_len_drift = max(
        (abs(e["avg_len"] - avg) / avg for e in committed.values()), default=0.0
    )
    catalogue.put("manifest", "manifest", index.manifest.to_dict())
    if report.added or report.deleted:
        log.info(
            "Milvus: %d reports added, %d deleted; BM25 average length drift %.3f",
            len(report.added),
            len(report.deleted),
            report.avg_len_drift,
        )
    return report
