"""The Milvus store (milvus-lite, in a temporary file) over the tiny corpus: the same
rankings and scores as the segment store, filters as Milvus expressions, reports added and
deleted as the published index changes, a crash between a report's passages and its
catalogue entry settled, and one clear line when the store cannot be used."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FakeEncoder

from rapportsok.errors import StoreUnavailable
from search.scope import SearchFilters

# milvus-lite opens its file and creates the collections in about 2 s a test: with `make
# test`, not in the fast tier.
pytestmark = pytest.mark.slow

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
ALE = "ale-kommunstyrelsen-delarsrapport-2022"
BJUV = "bjuv-kommunstyrelsen-arsredovisning-2021"
QUERIES = ["budget", "sjukfrånvaro", "kommunstyrelsen ekonomi", "Ale investeringar"]


def _open(db: Path, index):
    from indexer.language.analyzer import get_analyzer
    from search.milvus_client import parse_store
    from search.milvus_store import MilvusStore
    from search.retrieval import Searcher

    store, report = MilvusStore.open(parse_store(f"milvus-lite:{db}"), index)
    return Searcher(store.index, FakeEncoder(), get_analyzer(), store=store), report


def _ranking(searcher, query: str, mode: str = "hybrid", **filters) -> list[tuple[str, float]]:
    hits, _ = searcher.search(query, 5, SearchFilters(**filters), mode=mode)  # type: ignore[arg-type]
    return [(h.chunk.id, round(h.score, 5)) for h in hits]


@pytest.fixture(scope="module")
def only_ale(tmp_path_factory: pytest.TempPathFactory):
    """The tiny corpus's index without Bjuv's report."""
    from indexer.build import build_index
    from indexer.store.index import load_index

    corpus = tmp_path_factory.mktemp("ale") / "corpus"
    corpus.mkdir()
    for f in TINY.iterdir():
        if "bjuv" not in f.name:
            shutil.copy(f, corpus / f.name)
    out = corpus.parent / "index"
    build_index(corpus, out, FakeEncoder())
    return load_index(out)


def test_both_stores_rank_alike_with_the_same_scores(tiny_searcher, tmp_path: Path) -> None:
    milvus, report = _open(tmp_path / "m.db", tiny_searcher.index)
    assert (report.added, report.deleted, report.settled) == ([ALE, BJUV], [], 0)
    for query in QUERIES:
        for mode in ("dense", "lexical", "hybrid"):
            assert _ranking(milvus, query, mode) == _ranking(tiny_searcher, query, mode)
    assert milvus.filter_values() == tiny_searcher.filter_values()
    assert milvus.index.bm25.vocab_dict.keys() == tiny_searcher.index.bm25.vocab_dict.keys()


def test_filters_become_milvus_expressions(tiny_searcher, tmp_path: Path) -> None:
    milvus, _ = _open(tmp_path / "m.db", tiny_searcher.index)
    store = milvus.store
    assert store.expression({ALE}) == 'municipality in ["Ale"]'  # the partition key
    assert store.expression({ALE, BJUV}) == ""  # every report: no filter
    assert store.expression(set()) == "nothing"
    for filters in ({"municipality": ("Ale",)}, {"year": (2021,)}, {"document_id": (BJUV,)}):
        got = _ranking(milvus, "budget", **filters)
        assert got == _ranking(tiny_searcher, "budget", **filters)
        assert got


def test_the_store_follows_the_published_index(tiny_searcher, only_ale, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    full = _ranking(_open(db, tiny_searcher.index)[0], "budget")
    without, report = _open(db, only_ale)  # Bjuv's report deleted from the index
    assert (report.added, report.deleted) == ([], [BJUV])
    assert without.store.reports() == [ALE]
    assert [c for c, _ in _ranking(without, "budget")] == [
        c for c, _ in _ranking(tiny_searcher, "budget", municipality=("Ale",))
    ]
    again, report = _open(db, tiny_searcher.index)  # uploaded again
    assert (report.added, report.deleted) == ([BJUV], [])
    assert _ranking(again, "budget") == full


def test_a_report_cut_short_by_a_crash_is_settled(
    tiny_searcher, only_ale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search.milvus_client import Catalogue

    db = tmp_path / "m.db"
    _open(db, only_ale)
    put = Catalogue.put

    def crash_before_commit(self, kind, name, value):  # the passages are in, the entry not
        if kind == "report":
            raise KeyboardInterrupt("killed")
        put(self, kind, name, value)

    monkeypatch.setattr(Catalogue, "put", crash_before_commit)
    with pytest.raises(KeyboardInterrupt):
        _open(db, tiny_searcher.index)
    monkeypatch.setattr(Catalogue, "put", put)
    settled, report = _open(db, tiny_searcher.index)
    assert (report.settled, report.added, report.deleted) == (1, [BJUV], [])
    assert _ranking(settled, "budget") == _ranking(tiny_searcher, "budget")
    assert len(settled.index.chunks) == len(tiny_searcher.index.chunks)


def test_an_unreachable_server_is_one_line() -> None:
    from search.milvus_client import connect, parse_store

    with pytest.raises(StoreUnavailable) as caught:
        connect(parse_store("milvus://127.0.0.1:1"))
    assert str(caught.value) == (
        "cannot reach the Milvus store http://127.0.0.1:1: Fail connecting to server on "
        "127.0.0.1:1, illegal connection params or server unavailable"
    )
    with pytest.raises(ValueError, match="RAPPORTSOK_STORE must be segments, milvus-lite:PATH"):
        parse_store("opensearch://x")


def test_a_store_that_fails_at_request_time_is_503(tiny_searcher, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from rapportsok.settings import Settings
    from service.app import create_app

    milvus, _ = _open(tmp_path / "m.db", tiny_searcher.index)
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    with TestClient(create_app(settings, searcher=milvus)) as client:
        assert client.post("/search", json={"query": "budget", "k": 3}).status_code == 200
        milvus.store.client.close()
        r = client.post("/search", json={"query": "sjukfrånvaro", "k": 3})
    assert r.status_code == 503
    assert r.json()["detail"].startswith(f"the Milvus store milvus-lite:{tmp_path}/m.db failed: ")


def test_the_default_path_never_imports_pymilvus() -> None:
    code = (
        "import sys, service.app, service.stores, search.retrieval; "
        "print('pymilvus' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_searcher_serving_while_a_report_is_synced_ignores_its_keys(
    tiny_searcher, only_ale, tmp_path: Path
) -> None:
    # An upload syncs the collection while the searcher before it still serves: Milvus
    # returns the new report's keys, which that searcher has no row for (it raised, a 500).
    db = tmp_path / "m.db"
    before, _ = _open(db, only_ale)
    ranking = _ranking(before, "budget")
    _open(db, tiny_searcher.index)  # Bjuv's report synced in
    assert _ranking(before, "budget") == ranking


def test_passages_in_context_after_a_report_was_removed_and_added_again(
    tiny_searcher, only_ale, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from rapportsok.settings import Settings
    from service.app import create_app

    db = tmp_path / "m.db"
    _open(db, tiny_searcher.index)
    _open(db, only_ale)  # Bjuv's keys are a gap now
    again, _ = _open(db, tiny_searcher.index)  # and Bjuv's passages have new keys
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")
    ids = [c.id for c in tiny_searcher.index.chunks]
    with TestClient(create_app(settings, searcher=again)) as client:
        codes = {client.get(f"/passages/{i}").status_code for i in ids}
    assert codes == {200}


def test_removing_a_value_leaves_a_name_that_differs_by_an_underscore(tmp_path: Path) -> None:
    # In Milvus's `like`, "_" matches any character: deleting "report:rapport_2022"'s pieces
    # by "report:rapport_2022#%" deleted "report:rapport-2022"'s too.
    from search.milvus_client import Catalogue, connect, ensure_collections, parse_store

    client = connect(parse_store(f"milvus-lite:{tmp_path / 'm.db'}"))
    ensure_collections(client, "t", 4)
    catalogue = Catalogue(client, "t")
    catalogue.put("report", "report:rapport_2022", {"rows": [1, 2]})
    catalogue.put("report", "report:rapport-2022", {"rows": [3]})
    catalogue.put("manifest", "manifest", "x" * 20_000)
    catalogue.put("manifest", "manifest", "y")  # fewer pieces than the value it replaces
    catalogue.delete("report:rapport_2022")
    assert catalogue.get_many(["report:rapport_2022", "report:rapport-2022", "manifest"]) == {
        "report:rapport-2022": {"rows": [3]},
        "manifest": "y",
    }
    assert catalogue.names("piece") == ["manifest#0", "report:rapport-2022#0"]
