"""Segments: an upload adds one, a removal marks a report deleted, a merge combines the
small ones; the rankings are those of a one-shot build of the same reports, whatever the
segmentation (BM25 from collection-wide statistics, bit for bit)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import FakeEncoder

from indexer.build import build_index
from indexer.language.analyzer import get_analyzer
from indexer.reading.metadata import doc_id_for
from indexer.store.index import BASE, load_index, read_manifest, version_dir
from indexer.update import add_reports, merge_segments, remove_reports
from rapportsok.errors import IndexCorrupt, UnknownReport
from search.retrieval import Searcher

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
REPORTS = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".md"))
QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
][::6]  # every sixth eval question: ~50, all kinds


def _corpus(tmp: Path, names: list[str]) -> Path:
    folder = tmp / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def _top10(index_path: Path) -> list[tuple[list[float], list[str]]]:
    """Per question, the top 10's scores and the ids of those above the 10th score, in id
    order: passages of equal score (the fake encoder makes some) rank by row, and a
    segmented index orders its rows otherwise."""
    searcher = Searcher(load_index(index_path), FakeEncoder(), get_analyzer())
    out = []
    for q in QUESTIONS:
        hits = searcher.search(q, 10)[0]
        last = hits[-1].score + 1e-6  # scores agree to 1e-6 (float32 sums in another order)
        out.append(([h.score for h in hits], sorted(h.chunk.id for h in hits if h.score > last)))
    return out


def _same_ranking(
    a: list[tuple[list[float], list[str]]], b: list[tuple[list[float], list[str]]]
) -> bool:
    """The same passages with the same scores (up to float summation order)."""
    return [ids for _, ids in a] == [ids for _, ids in b] and all(
        s == pytest.approx(t, abs=1e-6) for (s, _), (t, _) in zip(a, b, strict=True)
    )


def _bm25_by_id(index_path: Path, query: str) -> dict[str, float]:
    index = load_index(index_path)
    vocab = index.bm25.vocab_dict
    ids = [vocab[t] for t in get_analyzer().analyze(query) if t in vocab]
    scores = index.bm25.get_scores_from_ids(ids)
    return {index.chunks[r].id: float(scores[r]) for r in np.flatnonzero(scores)}


def _df_by_term(index_path: Path) -> dict[str, int]:
    """Term → how many live passages hold it, for the terms some passage holds."""
    bm25 = load_index(index_path).bm25
    df = bm25.document_frequencies()
    assert len(df) == len(bm25.vocab_dict)
    return {t: int(df[i]) for t, i in bm25.vocab_dict.items() if df[i]}


@pytest.fixture(scope="module")
def one_shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four corpus reports built at once."""
    tmp = tmp_path_factory.mktemp("oneshot")
    out = tmp / "index"
    build_index(_corpus(tmp, REPORTS), out, FakeEncoder())
    return out


@pytest.fixture(scope="module")
def one_shot_without_first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("oneshot3")
    out = tmp / "index"
    build_index(_corpus(tmp, REPORTS[1:]), out, FakeEncoder())
    return out


def _segmented(tmp: Path) -> tuple[Path, Path]:
    """The first report built, the other three uploaded one by one: a base and 3 deltas."""
    corpus = _corpus(tmp, REPORTS[:1])
    out = tmp / "index"
    build_index(corpus, out, FakeEncoder())
    for name in REPORTS[1:]:
        shutil.copy(CORPUS / name, corpus / name)
        report = add_reports(corpus, out, [name], FakeEncoder(), get_analyzer())
        assert report.added and not report.skipped
    return corpus, out


def test_uploads_write_one_segment_each_and_rank_as_a_one_shot_build(
    tmp_path: Path, one_shot: Path
) -> None:
    _, out = _segmented(tmp_path)
    manifest = read_manifest(out)
    assert [s.name for s in manifest.segments][0] == BASE
    assert len(manifest.segments) == 4 and manifest.deleted == {}
    assert manifest.counts == read_manifest(one_shot).counts
    assert manifest.sources == read_manifest(one_shot).sources
    assert _same_ranking(_top10(out), _top10(one_shot))
    # BM25 of every passage for a query, bit for bit, though rows are ordered otherwise.
    for query in ("sjukfrånvaro kommunen", "skatteintäkter prognos 2021 investeringar"):
        assert _bm25_by_id(out, query) == _bm25_by_id(one_shot, query)
    assert _df_by_term(out) == _df_by_term(one_shot)


def test_a_removal_from_the_base_is_a_tombstone_and_ranks_as_a_build_without_it(
    tmp_path: Path, one_shot: Path, one_shot_without_first: Path
) -> None:
    out = tmp_path / "index"
    shutil.copytree(version_dir(one_shot), tmp_path / "v")
    (out).symlink_to("v")
    gone = load_index(out).chunks[0].doc_id
    before = {p.name for p in (tmp_path / "v").iterdir()}
    remove_reports(out, [gone])
    manifest = read_manifest(out)
    assert manifest.deleted == {BASE: [gone]}
    assert {p.name for p in (tmp_path / "v").iterdir()} == before  # only the manifest changed
    assert manifest.counts == read_manifest(one_shot_without_first).counts
    index = load_index(out)
    assert (
        gone not in index.documents and len(index.chunks) == read_manifest(one_shot).counts.chunks
    )
    assert _same_ranking(_top10(out), _top10(one_shot_without_first))
    query = "kommunens ekonomi och resultat"
    assert _bm25_by_id(out, query) == _bm25_by_id(one_shot_without_first, query)
    assert _df_by_term(out) == _df_by_term(one_shot_without_first)  # live passages only
    with pytest.raises(UnknownReport):
        remove_reports(out, [gone])


def test_document_frequencies_are_those_of_bm25s_over_the_same_passages(one_shot: Path) -> None:
    from indexer.build import make_bm25
    from indexer.reading.chunker import clean_text

    analyzer = get_analyzer()
    tokens = [analyzer.analyze(clean_text(c.indexed_text)) for c in load_index(one_shot).chunks]
    reference = make_bm25(tokens)  # bm25s's own index: df = its stored weights per term
    df = reference.document_frequencies()
    assert len(df) == len(reference.vocab_dict)
    assert {t: int(df[i]) for t, i in reference.vocab_dict.items() if df[i]} == _df_by_term(
        one_shot
    )


def test_a_window_of_rows_scores_as_the_whole_index_does_on_those_rows(tmp_path: Path) -> None:
    # A search restricted to some reports scores only their window of rows: segments,
    # tombstones and windows across segment boundaries give the same float32 scores.
    _, out = _segmented(tmp_path)
    remove_reports(out, [load_index(out).chunks[0].doc_id])  # a tombstone in the base
    bm25 = load_index(out).bm25
    vocab = bm25.vocab_dict
    ids = [vocab[t] for t in get_analyzer().analyze("sjukfrånvaro kommunens ekonomi") if t in vocab]
    whole = bm25.get_scores_from_ids(ids)
    edges = bm25.offsets + [bm25.num_docs]
    for lo, hi in [(0, bm25.num_docs), (0, 0), (edges[1] - 3, edges[2] + 5), (edges[2], edges[3])]:
        assert np.array_equal(bm25.get_scores_from_ids(ids, (lo, hi)), whole[lo:hi])


def test_removing_an_uploaded_report_drops_its_segment_and_uploading_it_again_works(
    tmp_path: Path, one_shot: Path
) -> None:
    corpus, out = _segmented(tmp_path)
    last = read_manifest(out).segments[-1]
    remove_reports(out, last.documents)
    names = [s.name for s in read_manifest(out).segments]
    assert last.name not in names and len(names) == 3
    assert read_manifest(out).deleted == {}
    add_reports(corpus, out, [REPORTS[-1]], FakeEncoder(), get_analyzer())
    assert _same_ranking(_top10(out), _top10(one_shot))


def test_a_merge_combines_the_deltas_without_their_deleted_rows(
    tmp_path: Path, one_shot: Path, one_shot_without_first: Path
) -> None:
    corpus, out = _segmented(tmp_path)
    first = read_manifest(out).segments[0].documents[0]
    remove_reports(out, [first])  # a tombstone in the base
    # Two reports uploaded again at once: their old segments go, one new segment holds both.
    add_reports(corpus, out, REPORTS[1:3], FakeEncoder(), get_analyzer())
    pair = read_manifest(out).segments[-1]
    assert len(pair.documents) == 2 and len(read_manifest(out).segments) == 3
    gone = doc_id_for(corpus / REPORTS[2])
    remove_reports(out, [gone])  # a tombstone in the pair's segment
    manifest = read_manifest(out)
    assert manifest.deleted == {BASE: [first], pair.name: [gone]}
    old = {s.name for s in manifest.segments[1:]}
    assert merge_segments(out)
    merged = read_manifest(out)
    assert len(merged.segments) == 2 and merged.deleted == {BASE: [first]}
    assert {p.name for p in (version_dir(out) / "segments").iterdir()} == {merged.segments[1].name}
    assert not old & {s.name for s in merged.segments}
    assert sorted(merged.segments[1].documents) == sorted(
        doc_id_for(corpus / n) for n in (REPORTS[1], REPORTS[3])
    )
    assert not merge_segments(out)  # one delta: nothing to merge
    # Put the removed report back: the same reports as the one-shot build without the first.
    add_reports(corpus, out, [REPORTS[2]], FakeEncoder(), get_analyzer())
    # ... and the first one too: live in a new segment, still deleted in the base.
    shutil.copy(CORPUS / REPORTS[0], corpus / REPORTS[0])
    add_reports(corpus, out, [REPORTS[0]], FakeEncoder(), get_analyzer())
    assert read_manifest(out).deleted == {BASE: [first]}
    assert read_manifest(out).counts == read_manifest(one_shot).counts
    assert sorted(load_index(out).documents) == sorted(load_index(one_shot).documents)
    assert _same_ranking(_top10(out), _top10(one_shot))
    remove_reports(out, [first])
    assert read_manifest(out).counts == read_manifest(one_shot_without_first).counts
    assert _same_ranking(_top10(out), _top10(one_shot_without_first))
    query = "kommunens ekonomi och resultat"
    assert _bm25_by_id(out, query) == _bm25_by_id(one_shot_without_first, query)


def test_an_index_from_before_segments_is_refused_and_rebuilt_without_embedding(
    tmp_path: Path, one_shot: Path
) -> None:
    shutil.copytree(version_dir(one_shot), tmp_path / "v")
    out = tmp_path / "index"
    out.symlink_to("v")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["schema_version"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match=r"schema version 1.*rebuild it with `rapportsok index"):
        load_index(out)
    report = build_index(_corpus(tmp_path, REPORTS), out, FakeEncoder())
    assert report.embedded == 0 and report.reused == report.chunks > 200
    assert _same_ranking(_top10(out), _top10(one_shot))


def test_a_full_build_over_segments_makes_one_segment_of_the_live_reports(
    tmp_path: Path, one_shot: Path
) -> None:
    corpus, out = _segmented(tmp_path)
    first = read_manifest(out).segments[0].documents[0]
    remove_reports(out, [first])
    add_reports(corpus, out, [REPORTS[0]], FakeEncoder(), get_analyzer())  # live again
    report = build_index(corpus, out, FakeEncoder())
    assert report.embedded == 0
    manifest = read_manifest(out)
    assert len(manifest.segments) == 1 and manifest.deleted == {}
    assert (version_dir(out) / "chunks.jsonl").read_bytes() == (
        version_dir(one_shot) / "chunks.jsonl"
    ).read_bytes()
