"""The connection to Milvus and the two collections Rapportsök keeps there.

`RAPPORTSOK_STORE` names the store: `segments` (the default: nothing here is used),
`milvus-lite:PATH` (embedded Milvus in one file, `pymilvus` with `milvus-lite`) or
`milvus://HOST:PORT` (a Milvus server or cluster). pymilvus is imported only when a Milvus
store is asked for; without it the error names the extra to install. A server that cannot
be reached is one `StoreUnavailable` line (503 at request time, never a traceback).

Collections (`{prefix}_passages`, `{prefix}_catalogue`):

* passages: `key` (int64, primary), `passage_id`, `report_id`, `municipality` (the
  partition key: a municipality's passages are searched in its own partitions),
  `organisation`, `year` (nullable), `report_type`, `dense` (the e5 vector, FLAT, inner
  product), `sparse` (Rapportsök's BM25 weights over its Swedish analyzer's terms,
  `indexer.store.sparse`, inner product), `text`, `section` (JSON list), `page`,
  `start`, `end` and `extra` (the passage's other fields, JSON);
* catalogue: `name` → `value` (JSON in pieces of at most `_PIECE` characters) for what the
  searcher keeps in memory: the reports, the term vocabulary, the manifest. Milvus wants a
  vector field in every collection: `pad` (two zeros).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from rapportsok.errors import StoreUnavailable

log = logging.getLogger(__name__)

EXTRA = "milvus"  # pip install 'rapportsok[milvus]'
_PIECE = 15_000  # characters: at most 60 kB in UTF-8, under VARCHAR's 65,535
TEXT_MAX = 65_535
_QUERY_BATCH = 4_096
_QUERY_LIMIT = 16_384  # a Milvus server's largest offset + limit
_CONNECT_SECONDS = 5.0


@dataclass(frozen=True)
class StoreSetting:
    """`RAPPORTSOK_STORE` read: which store, and where."""

    kind: Literal["segments", "milvus-lite", "milvus"]
    target: str = ""  # the milvus-lite file, or the server's http://HOST:PORT

    @property
    def label(self) -> str:
        """How logs and `bench` name the store."""
        if self.kind == "segments":
            return "segments"
        return f"milvus-lite:{self.target}" if self.kind == "milvus-lite" else self.target


def parse_store(value: str | None) -> StoreSetting:
    """Read `RAPPORTSOK_STORE`; a value of another form is a `ValueError` naming it."""
    value = (value or "segments").strip()
    if value == "segments":
        return StoreSetting("segments")
    if value.startswith("milvus-lite:") and value.removeprefix("milvus-lite:"):
        return StoreSetting("milvus-lite", value.removeprefix("milvus-lite:"))
    if value.startswith("milvus://") and value.removeprefix("milvus://"):
        return StoreSetting("milvus", "http://" + value.removeprefix("milvus://"))
    raise ValueError(
        f"RAPPORTSOK_STORE must be segments, milvus-lite:PATH or milvus://HOST:PORT, got {value!r}"
    )


def connect(setting: StoreSetting) -> Any:
    """A `pymilvus.MilvusClient` of the store (the milvus-lite file is created if new)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise StoreUnavailable(
            f"RAPPORTSOK_STORE={setting.label} needs pymilvus and milvus-lite: "
            f"pip install 'rapportsok[{EXTRA}]'"
        ) from exc
    try:
        return MilvusClient(uri=setting.target, timeout=_CONNECT_SECONDS)
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot reach the Milvus store {setting.label}: {reason(exc)}"
        ) from exc


def reason(exc: BaseException) -> str:
    """An error of pymilvus as one short line (its messages repeat the class and code)."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())[:300]


@contextmanager
def talking(setting_label: str) -> Iterator[None]:
    """Turn any failure of a call to Milvus into a `StoreUnavailable` (a 503 with one line)."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as exc:
        raise StoreUnavailable(f"the Milvus store {setting_label} failed: {reason(exc)}") from exc


def ensure_collections(client: Any, prefix: str, dim: int) -> None:
    """Create the passage and catalogue collections when they are missing."""
    from pymilvus import DataType

    passages, catalogue = f"{prefix}_passages", f"{prefix}_catalogue"
    if not client.has_collection(passages):
        s = client.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("key", DataType.INT64, is_primary=True)
        s.add_field("passage_id", DataType.VARCHAR, max_length=256)
        s.add_field("report_id", DataType.VARCHAR, max_length=512)
        s.add_field("municipality", DataType.VARCHAR, max_length=256, is_partition_key=True)
        s.add_field("organisation", DataType.VARCHAR, max_length=256)
        s.add_field("year", DataType.INT64, nullable=True)
        s.add_field("report_type", DataType.VARCHAR, max_length=256)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("section", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("page", DataType.INT64, nullable=True)
        s.add_field("start", DataType.INT64)
        s.add_field("end", DataType.INT64)
        s.add_field("extra", DataType.VARCHAR, max_length=TEXT_MAX)
        ip = client.prepare_index_params()
        # FLAT: exact, as the segment store is up to 30k passages; a cluster uses HNSW or
        # IVF_PQ (docs/national-scale.md).
        ip.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
        ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        # Strong: a search or the catalogue read right after a sync sees what it wrote (a
        # server's default, Bounded, may not yet).
        client.create_collection(passages, schema=s, index_params=ip, consistency_level="Strong")
    if not client.has_collection(catalogue):
        s = client.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("name", DataType.VARCHAR, max_length=1024, is_primary=True)
        s.add_field("kind", DataType.VARCHAR, max_length=32)
        s.add_field("value", DataType.VARCHAR, max_length=TEXT_MAX)
        s.add_field("pad", DataType.FLOAT_VECTOR, dim=2)
        ip = client.prepare_index_params()
        ip.add_index(field_name="pad", index_type="FLAT", metric_type="L2")
        client.create_collection(catalogue, schema=s, index_params=ip, consistency_level="Strong")
    client.load_collection(passages)
    client.load_collection(catalogue)


def query_all(client: Any, collection: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
    """Every row of `collection` that matches `expr`: one query when they are fewer than a
    server returns at once, else by an iterator (which milvus-lite answers only in part)."""
    rows: list[dict[str, Any]] = client.query(
        collection, filter=expr, output_fields=fields, limit=_QUERY_LIMIT
    )
    if len(rows) < _QUERY_LIMIT:
        return rows
    it = client.query_iterator(
        collection, batch_size=_QUERY_BATCH, filter=expr, output_fields=fields
    )
    out: list[dict[str, Any]] = []
    try:
        while batch := it.next():
            out.extend(batch)
    finally:
        it.close()
    return out


class Catalogue:
    """JSON values by name in the catalogue collection, each written as pieces then a head
    row that names them: a value whose head is there is there whole (an upsert of one row is
    atomic), so the head of a report is its commit."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.collection = f"{prefix}_catalogue"

    def put(self, kind: str, name: str, value: Any) -> None:
        """Write `value` under `name` (its head row last, flushed)."""
        before = self._rows([name]).get(name)  # the piece count of the value it replaces
        text = json.dumps(value, ensure_ascii=False)
        pieces = [text[i : i + _PIECE] for i in range(0, len(text), _PIECE)] or [""]
        rows = [
            {"name": f"{name}#{i}", "kind": "piece", "value": p, "pad": [0.0, 0.0]}
            for i, p in enumerate(pieces)
        ]
        self.client.upsert(self.collection, rows)
        self.client.flush(self.collection)
        head = {"name": name, "kind": kind, "value": json.dumps(len(pieces)), "pad": [0.0, 0.0]}
        self.client.upsert(self.collection, [head])
        self.client.flush(self.collection)
        if before is not None and int(before) > len(pieces):  # the old value's extra pieces
            self._delete_names([f"{name}#{i}" for i in range(len(pieces), int(before))])

    def names(self, kind: str) -> list[str]:
        """The names of the values of one kind (those whose head row is written), sorted."""
        rows = query_all(self.client, self.collection, f"kind == {json.dumps(kind)}", ["name"])
        return sorted(r["name"] for r in rows)

    def get_many(self, names: list[str]) -> dict[str, Any]:
        """The values of `names` (those that exist)."""
        if not names:
            return {}
        heads = self._rows(names)
        wanted = [f"{n}#{i}" for n in names if n in heads for i in range(int(heads[n]))]
        pieces = self._rows(wanted)
        return {
            n: json.loads("".join(pieces[f"{n}#{i}"] for i in range(int(heads[n]))))
            for n in names
            if n in heads
        }

    def get(self, name: str) -> Any:
        """The value of `name`, or None."""
        return self.get_many([name]).get(name)

    def delete(self, name: str) -> None:
        """Remove a value: its head first (then it is gone), then its pieces, by their exact
        names (in `like`, "_" is a wildcard: "rapport_2022#%" is also "rapport-2022#0")."""
        head = self._rows([name]).get(name)
        self.client.delete(self.collection, filter=f"name == {json.dumps(name)}")
        if head is not None:
            self._delete_names([f"{name}#{i}" for i in range(int(head))])
        self.client.flush(self.collection)

    def _delete_names(self, names: list[str]) -> None:
        for i in range(0, len(names), 1000):
            expr = f"name in {json.dumps(names[i : i + 1000], ensure_ascii=False)}"
            self.client.delete(self.collection, filter=expr)
        self.client.flush(self.collection)

    def _rows(self, names: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(names), 1000):
            part = names[i : i + 1000]
            expr = f"name in {json.dumps(part, ensure_ascii=False)}"
            rows = self.client.query(self.collection, filter=expr, output_fields=["name", "value"])
            out.update((r["name"], r["value"]) for r in rows)
        return out
