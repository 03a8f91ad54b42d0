"""`manifest.json` as a `Manifest`: read and written back, the same bytes; keys it does not
know kept; a manifest without a field it needs is a damaged index."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from helpers import FakeEncoder

from indexer.store.index import BASE, MANIFEST, read_manifest, version_dir
from indexer.store.manifest import Counts, Manifest, SegmentEntry
from rapportsok.errors import IndexCorrupt

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


def _written(manifest: Manifest) -> str:
    f = io.StringIO()
    manifest.write(f)
    return f.getvalue()


@pytest.fixture(scope="module")
def updated_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus built, then one report removed (a tombstone, `updated` set)."""
    from indexer.build import build_index
    from indexer.update import remove_reports

    tmp = tmp_path_factory.mktemp("manifest")
    shutil.copytree(TINY, tmp / "corpus")
    out = tmp / "index"
    build_index(tmp / "corpus", out, FakeEncoder())
    first = read_manifest(out).segments[0].documents[0]
    remove_reports(out, [first])
    return out


def test_a_manifest_read_and_written_back_is_the_same_json(updated_index: Path) -> None:
    text = (updated_index / MANIFEST).read_text(encoding="utf-8")
    manifest = read_manifest(updated_index)
    assert _written(manifest) == text
    assert manifest.generation == 2 and manifest.updated is not None
    base = manifest.segments[0]
    assert base.name == BASE and manifest.deleted == {BASE: base.documents[:1]}
    assert manifest.counts.documents == len(base.documents) - 1


def test_keys_it_does_not_know_are_kept_and_unset_ones_left_out() -> None:
    data = {
        "schema_version": 2,
        "created": "2026-01-01T00:00:00+00:00",
        "encoder": {"name": "e", "dim": 3},
        "analyzer": "a",
        "chunker": {"baseline": True, "size": 300},
        "faiss": {"type": "flat"},
        "counts": {"documents": 1, "chunks": 2},
        "sources": {"r.txt": "ab"},
        "segments": [{"name": ".", "rows": 2, "documents": ["r"]}],
        "deleted": {},
        "generation": 1,
        "later": {"x": [1]},
    }
    manifest = Manifest.from_dict(data)
    assert manifest.faiss.requested is None and manifest.corpus_fingerprint is None
    assert manifest.counts == Counts(documents=1, chunks=2)
    assert manifest.segments == [SegmentEntry(name=".", rows=2, documents=["r"])]
    assert manifest.extra == {"later": {"x": [1]}}
    assert list(manifest.to_dict().items()) == list(data.items())
    assert _written(manifest) == json.dumps(data, ensure_ascii=False, indent=1)


def test_a_manifest_without_its_encoder_is_a_damaged_index(
    updated_index: Path, tmp_path: Path
) -> None:
    shutil.copytree(version_dir(updated_index), tmp_path / "index")
    path = tmp_path / "index" / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["encoder"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="damaged .*KeyError.*encoder.*rebuild it"):
        read_manifest(tmp_path / "index")
