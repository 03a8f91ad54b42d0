"""The lazily read passages of a loaded index: the same chunks, rows, reports and ids as
parsing the whole `chunks.jsonl`, with no Chunk per passage held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FakeEncoder

from indexer.models import Chunk
from indexer.store.chunkstore import ChunkList, ChunkStore

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.build import build_index

    out = tmp_path_factory.mktemp("tiny") / "index"
    build_index(TINY, out, FakeEncoder())
    return out


def _parsed(path: Path) -> list[Chunk]:
    with open(path, encoding="utf-8") as f:
        return [Chunk.from_dict(json.loads(line)) for line in f if line.strip()]


def test_rows_reports_and_ids_are_those_of_the_file(tiny_index: Path) -> None:
    expected = _parsed(tiny_index / "chunks.jsonl")
    store = ChunkStore(tiny_index / "chunks.jsonl")
    assert len(store) == len(expected) > 2
    assert [store[i] for i in range(len(store))] == expected == list(store)
    assert store[-1] == expected[-1] and store[1:3] == expected[1:3]
    assert store.doc_ids == sorted({c.doc_id for c in expected})
    assert [store.doc_ids[d] for d in store.doc_of_row] == [c.doc_id for c in expected]
    assert all(store.ids[c.id] == i for i, c in enumerate(expected))
    assert isinstance(store.ids, dict) is False  # resolved from the id, not a dict of ids
    first = expected[0].id
    wrong_hash = first[: first.rindex(":") + 1] + "00000000"
    for unknown in (wrong_hash, "nope", f"{expected[0].doc_id}:9999:abcdef12", ""):
        assert unknown not in store.ids and store.ids.get(unknown) is None
    with pytest.raises(IndexError):
        store[len(store)]


def test_passages_in_memory_have_the_rows_reports_and_ids_of_the_file(tiny_index: Path) -> None:
    expected = _parsed(tiny_index / "chunks.jsonl")
    store, in_memory = ChunkStore(tiny_index / "chunks.jsonl"), ChunkList(expected)
    assert list(in_memory) == expected and in_memory[1:3] == expected[1:3]
    assert in_memory.doc_ids == store.doc_ids
    assert in_memory.doc_of_row.tolist() == store.doc_of_row.tolist()
    assert in_memory.ids == dict(store.ids.items())


def test_a_last_line_without_newline_and_foreign_ids(tmp_path: Path) -> None:
    chunks = [
        Chunk(id=f"x{i}", doc_id=doc, text=f"text {i} – å", section=(), start=0, end=1)
        for i, doc in enumerate(["b", "b", "a"])
    ]
    path = tmp_path / "chunks.jsonl"
    lines = [json.dumps(c.to_dict(), ensure_ascii=False) for c in chunks]
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline after the last
    store = ChunkStore(path)
    assert list(store) == [store[0], store[1], store[2]] == chunks
    assert store.doc_of_row.tolist() == [1, 1, 0] and store.doc_ids == ["a", "b"]
    # Ids not numbered the chunker's way: a plain dict of every id.
    assert store.ids == {"x0": 0, "x1": 1, "x2": 2}


def test_loaded_index_reads_vectors_by_row(tiny_index: Path) -> None:
    from indexer.store.index import load_index
    from indexer.store.rowfile import RowFile

    index = load_index(tiny_index)
    assert isinstance(index.vectors, RowFile)
    assert isinstance(index.chunks, ChunkStore) and index.by_id is index.chunks.ids
