"""The passages of a loaded index, read from `chunks.jsonl` when asked for.

A server needs a passage's text only for the few it returns, so no `Chunk` object per
passage is held at rest (at 150k passages those were most of the server's memory and of
its start-up). Loading reads the file once in large blocks for the byte offset of every
line and the report of every row; `store[i]` then reads and parses one line (`os.pread`:
thread-safe, and an index version deleted by an update stays readable until it is closed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from indexer.models import Chunk

_BLOCK = 1 << 24  # bytes read at a time while scanning for line ends
_ID_PREFIX = b'{"id": "'  # how `json.dumps(chunk.to_dict())` starts every line
_DOC_PREFIX = b', "doc_id": "'  # and goes on


class Rows(Sequence[Chunk]):
    """The passages of an index by row, and their reports without reading them:
    `doc_ids` the reports' ids (sorted), `doc_of_row` (n,) int32 each row's report as a
    position in `doc_ids` (-1: a deleted report's row, still in its segment) and `ids`
    passage id → row. Subclasses set those and say how to read row i."""

    doc_ids: list[str]
    doc_of_row: np.ndarray
    ids: Mapping[str, int]

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"row {i} out of range for {n} passages")
        return self._at(i % n)

    def _at(self, i: int) -> Chunk:
        """Row `i`, 0 <= i < len."""
        raise NotImplementedError


class ChunkList(Rows):
    """Passages held in memory (an index built in memory: eval's baseline)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self._chunks = list(chunks)
        self.doc_ids = sorted({c.doc_id for c in self._chunks})
        position = {d: i for i, d in enumerate(self.doc_ids)}
        self.doc_of_row = np.fromiter(
            (position[c.doc_id] for c in self._chunks), np.int32, count=len(self._chunks)
        )
        self.ids = {c.id: r for r, c in enumerate(self._chunks)}

    def __len__(self) -> int:
        return len(self._chunks)

    def _at(self, i: int) -> Chunk:
        return self._chunks[i]

    def __iter__(self) -> Iterator[Chunk]:
        return iter(self._chunks)


class ChunkStore(Rows):
    """Row i is line i of a `chunks.jsonl`; `doc_of_row`, `doc_ids` and `ids` without
    parsing the passages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "rb")  # held open for the index's lifetime
        offsets, docs = _scan(self._file)
        self._offsets = offsets  # (n + 1,) int64: line i is bytes [offsets[i], offsets[i + 1])
        self.doc_ids = sorted(set(docs))
        position = {d: i for i, d in enumerate(self.doc_ids)}
        self.doc_of_row = np.fromiter((position[d] for d in docs), np.int32, count=len(docs))
        ids = _IdMap(self)
        ends = [c.id for c in (self[0], self[-1])] if len(self) else []
        # An index whose ids are not numbered the chunker's way gets a dict of every id.
        self.ids = ids if all(i in ids for i in ends) else {c.id: r for r, c in enumerate(self)}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _at(self, i: int) -> Chunk:
        return Chunk.from_dict(json.loads(self.line(i)))

    def line(self, i: int) -> bytes:
        """Row i's line of `chunks.jsonl` as stored (a merge copies it without parsing)."""
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        return os.pread(self._file.fileno(), end - start, start)

    def __iter__(self) -> Iterator[Chunk]:
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield Chunk.from_dict(json.loads(line))

    def close(self) -> None:
        """Close the file (also done when the store is garbage-collected)."""
        self._file.close()

    def __del__(self) -> None:
        # An index replaced by an update is dropped, not closed: close its file here.
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()


class RowLookup(Mapping[str, int]):
    """Passage id → row, answered by `_row` without a dict of every id (subclasses say
    how); a key that is no passage's id is missing."""

    def get(self, key: object, default: object = None) -> int | None:  # type: ignore[override]
        row = self._row(key)
        return default if row is None else row  # type: ignore[return-value]

    def __getitem__(self, key: str) -> int:
        row = self._row(key)
        if row is None:
            raise KeyError(key)
        return row

    def __contains__(self, key: object) -> bool:
        return self._row(key) is not None

    def _row(self, key: object) -> int | None:
        raise NotImplementedError


class _IdMap(RowLookup):
    """Passage id → row without a dict of every id: the chunker numbers a report's passages
    `doc:NNNN:hash` in the order they are stored, so the row is the report's first row plus
    NNNN; the stored id at that row confirms it."""

    def __init__(self, store: ChunkStore) -> None:
        self._store = store
        first = np.flatnonzero(np.diff(store.doc_of_row, prepend=-1))
        self._first_row = {store.doc_ids[store.doc_of_row[r]]: int(r) for r in first}

    def _row(self, key: object) -> int | None:
        if not isinstance(key, str):
            return None
        doc, _, rest = key.rpartition(":")[0].rpartition(":")
        first = self._first_row.get(doc)
        if first is None or not rest.isdigit():
            return None
        row = first + int(rest)
        store = self._store
        if row >= len(store) or store.doc_ids[store.doc_of_row[row]] != doc:
            return None
        return row if store[row].id == key else None

    def __iter__(self) -> Iterator[str]:
        return (c.id for c in self._store)

    def __len__(self) -> int:
        return len(self._store)


def _scan(f: object) -> tuple[np.ndarray, list[str]]:
    """Byte offsets of the lines of `f` (n + 1 of them) and each line's report id."""
    import io

    assert isinstance(f, io.BufferedReader)
    starts: list[np.ndarray] = []
    docs: list[str] = []
    pos = 0
    carry = b""
    f.seek(0)
    while True:
        block = f.read(_BLOCK)
        if not block:
            break
        data = carry + block
        base = pos - len(carry)
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
        line_starts = np.concatenate([[0], ends[:-1] + 1]) if len(ends) else ends
        for s in line_starts.tolist():
            docs.append(_doc_of_line(data, s))
        starts.append(line_starts.astype(np.int64) + base)
        last = int(ends[-1]) + 1 if len(ends) else 0
        carry = data[last:]
        pos += len(block)
    if carry.strip():  # a last line without its newline
        docs.append(_doc_of_line(carry, 0))
        starts.append(np.array([pos - len(carry)], dtype=np.int64))
    offsets = np.concatenate([*starts, np.array([pos], dtype=np.int64)])
    return offsets, docs


def _doc_of_line(data: bytes, start: int) -> str:
    if data[start : start + len(_ID_PREFIX)] != _ID_PREFIX:
        raise ValueError(f"a line of chunks.jsonl does not start with {_ID_PREFIX!r}")
    # Ids and report ids are plain ASCII without quotes or escapes (`doc_id_for`).
    id_end = data.index(b'"', start + len(_ID_PREFIX))
    s = id_end + 1
    if data[s : s + len(_DOC_PREFIX)] != _DOC_PREFIX:
        raise ValueError("a line of chunks.jsonl has no doc_id after its id")
    s += len(_DOC_PREFIX)
    return data[s : data.index(b'"', s)].decode("utf-8")
